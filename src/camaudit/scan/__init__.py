"""Scanning: ``stage`` probes hosts and returns what each said; ``job`` turns that into judged
device records (the ``scan`` command's library)."""
