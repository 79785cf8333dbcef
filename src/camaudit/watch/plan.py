"""What each cycle scans and how: the options of ``camaudit scan``, fixed for the watcher's life.

    plan = ScanPlan(ips=("10.0.0.1",), ports=(80, 554), targets=("10.0.0.1",))
    devices = plan.run()                  # or plan.run(meters), e.g. cli.console.Progress

``run`` is ``scan.job.scan_devices`` (plus vendor discovery on ``iface`` when given, merged as
``scan --iface`` merges it); ``options`` are recorded with each scan, as ``scan`` records them.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator, Mapping
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from typing import Any, Protocol

from camaudit.credentials import CredentialSet
from camaudit.model import Device
from camaudit.net.transport import Transport


class Meter(Protocol):
    def advance(self, host: str) -> None:
        """One more host done."""
        ...


# How a scan shows progress: given the number of hosts, a context giving a ``Meter``.
Meters = Callable[[int], AbstractContextManager[Meter]]


class _Silent:
    def advance(self, host: str) -> None:
        return None


@contextlib.contextmanager
def silent(total: int) -> Iterator[Meter]:
    """No progress shown."""
    yield _Silent()


@dataclass(frozen=True)
class ScanPlan:
    ips: tuple[str, ...]
    ports: tuple[int, ...]
    targets: tuple[str, ...] = ()
    concurrency: int = 256
    timeout: float = 2.0
    host_timeout: float = 30.0
    banner_wait: float = 1.0
    rate: float | None = None
    depth: bool = True
    credentials: CredentialSet | None = None
    allow_plain_basic: bool = False
    iface: str | None = None
    wait: float = 3.0
    transport: Transport | None = None  # None: the network; tests pass a FakeTransport
    extra: Mapping[str, Any] = field(default_factory=dict)

    @property
    def options(self) -> dict[str, Any]:
        """The options recorded with each scan (those ``camaudit scan`` records, and
        ``watch``: true)."""
        return {"ports": list(self.ports), "iface": self.iface, "rate": self.rate,
                "depth": self.depth, "credentials": bool(self.credentials), "watch": True,
                **self.extra}

    def run(self, meters: Meters = silent) -> list[Device]:
        from camaudit.judge import judge
        from camaudit.scan.job import scan_devices

        ips = list(self.ips)
        found: list[Device] = []
        if self.iface:
            from camaudit.discovery.inventory import discover_devices

            found = discover_devices(self.iface, self.wait, 0.0, ips, policies=[])
            ips += [d.ip for d in found if d.ip not in ips]
        with meters(len(ips)) as meter:
            devices = scan_devices(ips, list(self.ports), self.transport,
                                   concurrency=self.concurrency, timeout=self.timeout,
                                   host_timeout=self.host_timeout,
                                   banner_wait=self.banner_wait, progress=meter.advance,
                                   policies=[] if found else None, rate=self.rate,
                                   credentials=self.credentials or None, depth=self.depth,
                                   allow_plain_basic=self.allow_plain_basic)
        if found:
            from camaudit.discovery.inventory import merge_devices

            devices = judge(merge_devices(found, devices))
        return devices
