"""Egress findings into the inventory, as the ``egress`` field of the device records.

    scan_id = record_egress(None, "hq", result, started)

Each device with findings (in the inventory or known only by address) is saved as its latest
stored record at ``site`` (or a bare ``Device(ip=...)``) with ``egress`` replaced by
``analysis.attach``, in one new partial scan whose options are ``{"egress": [evidence files],
"partial": True}``. Network scans then carry these findings forward (``inventory.record_scan``)
until the next egress run replaces them.
"""

from __future__ import annotations

from contextlib import closing

from camaudit.egress.analysis import Result, attach
from camaudit.model import Device


def record_egress(db: str | None, site: str, result: Result, started: str) -> int | None:
    """Save the devices of ``result`` that have findings; returns the scan id, or None when no
    device has any (nothing is written). ``db`` as for ``camaudit.inventory.open_store``."""
    from camaudit.inventory import open_store, record_scan

    ips = [d.ip for d in result.devices if d.findings]
    if not ips:
        return None
    with closing(open_store(db)) as store:
        bases = []
        for ip in ips:
            history = store.history(ip, site)
            bases.append(history[-1].device if history else Device(ip=ip))
    # A partial scan: these devices' traffic, not a survey of the site (inventory.full_scans).
    return record_scan(db, started, ips, {"egress": list(result.files), "partial": True}, site,
                       attach(bases, result))
