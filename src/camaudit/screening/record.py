"""Device screening findings into the inventory, as the ``screening`` field of the device record.

    scan_id = record_device_findings(None, "", "http://192.168.1.64", findings, started)

The device is the one at the URL host's address at ``site``: its latest stored record (or a bare
``Device(ip=...)`` when the inventory has none) with ``screening`` replaced by the findings,
saved as a new scan whose options are ``{"screen": URL}`` (the URL without credentials), so the
inventory's history keeps every screening. Findings in files and folders belong to no device and
are never recorded.
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import closing
from dataclasses import replace

from camaudit.model import Device, ScreeningFinding
from camaudit.screening.device import host_ip, public_url


def device_with_findings(previous: Device | None, ip: str,
                         findings: Sequence[ScreeningFinding]) -> Device:
    """``previous`` (or a bare device at ``ip``) with its screening replaced by ``findings``."""
    base = previous if previous is not None else Device(ip=ip)
    return replace(base, screening=tuple(findings))


def record_device_findings(db: str | None, site: str, url: str,
                           findings: Sequence[ScreeningFinding], started: str) -> int:
    """Save the device at ``url`` with ``findings`` as a new scan; returns the scan id.
    ``db`` as for ``camaudit.inventory.open_store`` (None: ``$CAMAUDIT_DB`` or the default)."""
    from camaudit.inventory import open_store, record_scan

    ip = host_ip(url)
    with closing(open_store(db)) as store:
        history = store.history(ip, site)
    previous = history[-1].device if history else None
    device = device_with_findings(previous, ip, findings)
    # A partial scan: one device's findings, not a survey of the site (see inventory.full_scans).
    return record_scan(db, started, [ip], {"screen": public_url(url), "partial": True}, site,
                       [device])
