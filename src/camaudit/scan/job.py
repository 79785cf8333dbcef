"""The scan job end to end: targets -> probes -> observations -> matches -> device records."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from camaudit.clock import now_iso
from camaudit.devices import build_device
from camaudit.fingerprints.matcher import Matcher, default_matcher
from camaudit.judge import judge
from camaudit.model import Device
from camaudit.net.transport import Transport
from camaudit.policy import Policy
from camaudit.scan.stage import run_scan


def scan_devices(ips: Sequence[str], ports: Sequence[int], transport: Transport | None = None, *,
                 concurrency: int = 256, timeout: float = 2.0, host_timeout: float = 30.0,
                 banner_wait: float = 1.0, progress: Callable[[str], None] | None = None,
                 matcher: Matcher | None = None,
                 policies: Sequence[Policy] | None = None,
                 rate: float | None = None) -> list[Device]:
    """Scan ``ips`` on ``ports``: one device record per host that answered, with its verdicts
    under ``policies`` (default: the US federal ones) and its known vulnerabilities."""
    matcher = matcher or default_matcher()
    seen = now_iso()
    results = run_scan(list(ips), list(ports), transport, concurrency=concurrency,
                       timeout=timeout, host_timeout=host_timeout, banner_wait=banner_wait,
                       progress=progress, rate=rate)
    devices = [
        build_device(r.ip, r.ports, r.observations, matcher.match_all(r.observations),
                     r.errors, seen)
        for r in results
    ]
    return judge(devices, policies)
