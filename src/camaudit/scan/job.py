"""The scan job end to end: targets -> probes -> observations -> matches -> device records."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from camaudit.clock import now_iso
from camaudit.credentials import CredentialSet, scrub
from camaudit.depth.recorded import channel_devices
from camaudit.depth.run import Depth, deepen
from camaudit.devices import build_device
from camaudit.fingerprints.matcher import Matcher, default_matcher
from camaudit.judge import judge
from camaudit.model import Device, Observation, Port
from camaudit.net.transport import Transport
from camaudit.policy import Policy
from camaudit.scan.stage import Deepen, HostResult, run_scan, scan


def depth_step(matcher: Matcher, credentials: CredentialSet | None = None, *,
               timeout: float = 5.0, allow_plain_basic: bool = False) -> Deepen:
    """The scan stage's depth hook: ``depth.run.deepen`` with these options."""
    async def step(ip: str, ports: tuple[Port, ...], observations: tuple[Observation, ...],
                   transport: Transport) -> Depth:
        return await deepen(ip, ports, observations, transport, matcher, credentials,
                            timeout=timeout, allow_plain_basic=allow_plain_basic)
    return step


def devices_of(r: HostResult, matcher: Matcher, seen: str,
               credentials: CredentialSet | None = None) -> list[Device]:
    """The device record of one host's result, then one per camera behind it (unjudged)."""
    device = build_device(r.ip, r.ports, r.observations, matcher.match_all(r.observations),
                          r.errors, seen)
    devices = [device, *channel_devices(device, r.channels, matcher, seen)]
    if credentials:
        devices = [scrub(d, credentials.secrets()) for d in devices]
    return devices


def scan_stream(ips: Sequence[str], ports: Sequence[int],
                on_devices: Callable[[list[Device]], None],
                transport: Transport | None = None, *, concurrency: int = 256,
                timeout: float = 2.0, host_timeout: float = 30.0, banner_wait: float = 1.0,
                progress: Callable[[str], None] | None = None, matcher: Matcher | None = None,
                policies: Sequence[Policy] | None = None, rate: float | None = None,
                credentials: CredentialSet | None = None, depth: bool = True,
                allow_plain_basic: bool = False) -> None:
    """``scan_devices``, streamed: each host's judged devices go to ``on_devices`` as soon as
    the host is done (``progress`` follows for every host), and nothing is kept, so memory
    stays flat over a /16."""
    import asyncio

    from camaudit.net.transport import AsyncioTransport
    from camaudit.policy import load_policies

    matcher = matcher or default_matcher()
    chosen = load_policies() if policies is None else policies
    seen = now_iso()
    step = (depth_step(matcher, credentials, timeout=max(timeout, 2.0),
                       allow_plain_basic=allow_plain_basic) if depth else None)

    def one(r: HostResult) -> None:
        on_devices(judge(devices_of(r, matcher, seen, credentials), chosen))

    asyncio.run(scan(list(ips), list(ports), transport or AsyncioTransport(),
                     concurrency=concurrency, timeout=timeout, host_timeout=host_timeout,
                     banner_wait=banner_wait, progress=progress, rate=rate, deepen=step,
                     on_result=one))


def scan_devices(ips: Sequence[str], ports: Sequence[int], transport: Transport | None = None, *,
                 concurrency: int = 256, timeout: float = 2.0, host_timeout: float = 30.0,
                 banner_wait: float = 1.0, progress: Callable[[str], None] | None = None,
                 matcher: Matcher | None = None,
                 policies: Sequence[Policy] | None = None,
                 rate: float | None = None, credentials: CredentialSet | None = None,
                 depth: bool = True, allow_plain_basic: bool = False) -> list[Device]:
    """Scan ``ips`` on ``ports``: one device record per host that answered, with its verdicts
    under ``policies`` (default: the US federal ones) and its known vulnerabilities; with
    ``depth`` (docs/depth.md), what each host says of itself, with ``credentials`` after login,
    and the cameras behind each recorder as devices of their own, right after it."""
    matcher = matcher or default_matcher()
    seen = now_iso()
    step = (depth_step(matcher, credentials, timeout=max(timeout, 2.0),
                       allow_plain_basic=allow_plain_basic) if depth else None)
    results = run_scan(list(ips), list(ports), transport, concurrency=concurrency,
                       timeout=timeout, host_timeout=host_timeout, banner_wait=banner_wait,
                       progress=progress, rate=rate, deepen=step)
    devices = [d for r in results for d in devices_of(r, matcher, seen, credentials)]
    return judge(devices, policies)
