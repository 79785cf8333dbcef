"""The one compiled module; everything else about the build is in pyproject.toml.

``_fastpcap`` is the capture fast path of ``camaudit egress`` (src/camaudit/egress/fastpath.py).
It is optional: where no C compiler is found the install goes on without it and egress reads
captures with its numpy path (same results, slower).
"""

from setuptools import Extension, setup

setup(ext_modules=[Extension("camaudit.egress._fastpcap", ["src/camaudit/egress/_fastpcap.c"],
                             optional=True)])
