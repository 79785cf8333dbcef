"""The user-namespace helpers: the low-port test, and loopback up inside a new namespace."""

from __future__ import annotations

import shutil
import subprocess
import sys

import pytest

from camaudit.lab import userns


def test_low_ports_allowed_tries_a_bind() -> None:
    code = "from camaudit.lab import userns; print(userns.low_ports_allowed())"
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True).stdout.strip() == str(userns.low_ports_allowed())
    if shutil.which("setpriv") is None:
        pytest.skip("needs util-linux setpriv")
    dropped = subprocess.run(["setpriv", "--bounding-set", "-net_bind_service", "--inh-caps",
                              "-net_bind_service", sys.executable, "-c", code],
                             capture_output=True, text=True, check=True).stdout.strip()
    assert dropped == "False"


@pytest.mark.skipif(shutil.which("unshare") is None, reason="needs util-linux unshare")
def test_loopback_comes_up_in_a_new_network_namespace() -> None:
    code = ("import socket; from camaudit.lab import userns; userns.loopback_up(); "
            "s = socket.create_server(('127.62.0.1', 80)); "
            "c = socket.create_connection(('127.62.0.1', 80), timeout=2); print('ok')")
    done = subprocess.run(["unshare", "--user", "--map-root-user", "--net", sys.executable,
                           "-c", code], capture_output=True, text=True, timeout=60)
    assert done.stdout.strip() == "ok", done.stderr
