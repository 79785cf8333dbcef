"""The inventory's records and the ``Store`` protocol every backend implements.

A store keeps scans as history: each scan (time, site, targets, options) and, for each device
it found, the device record as it was then, with its evidence rows keyed by the scan id. Devices
are known by ``(site, ip)``: the same private address at two sites is two devices.

``diff_devices`` compares the devices of two scans (pure, no storage): what appeared, what
vanished, and per address what changed among maker, brand, model, firmware, MAC, ports and
verdicts.
"""

from __future__ import annotations

import dataclasses
import ipaddress
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from camaudit.model import Device
from camaudit.records import device_from_record

# Fields compared by ``diff``: name -> how to read it off a device as one comparable text.
DIFF_FIELDS = ("maker", "brand", "model", "firmware", "mac", "ports", "verdicts", "risks",
               "screening", "egress")


@dataclass(frozen=True, slots=True)
class ScanMeta:
    """What a scan was: when (ISO 8601 UTC), where (site), over what, with which options."""

    time: str
    targets: tuple[str, ...] = ()
    options: Mapping[str, Any] = field(default_factory=dict)
    site: str = ""
    finished: str | None = None


@dataclass(frozen=True, slots=True)
class ScanInfo:
    """A stored scan."""

    id: int
    time: str
    site: str
    targets: tuple[str, ...]
    options: Mapping[str, Any]
    finished: str | None
    device_count: int

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "time": self.time, "site": self.site,
                "targets": list(self.targets), "options": dict(self.options),
                "finished": self.finished, "devices": self.device_count}


@dataclass(frozen=True, slots=True)
class Sighting:
    """One device as one scan saw it. In ``Store.devices`` the device's ``first_seen`` and
    ``last_seen`` span every scan of its site that saw it."""

    scan_id: int
    time: str
    site: str
    device: Device

    def to_json(self) -> dict[str, Any]:
        return {"scan_id": self.scan_id, "time": self.time, "site": self.site,
                **self.device.to_json()}


@dataclass(frozen=True, slots=True)
class DeviceFilter:
    """Filters of ``Store.devices``; None means any. ``since`` compares with ``last_seen``
    (ISO 8601 text, a date alone works); ``subnet`` is a CIDR."""

    maker: str | None = None
    brand: str | None = None
    covered: bool | None = None
    subnet: str | None = None
    since: str | None = None
    site: str | None = None

    def network(self) -> ipaddress.IPv4Network | ipaddress.IPv6Network | None:
        """The parsed ``subnet``; ValueError names a bad one."""
        if self.subnet is None:
            return None
        return ipaddress.ip_network(self.subnet, strict=False)


@dataclass(frozen=True, slots=True)
class Change:
    field: str
    before: str | None
    after: str | None


@dataclass(frozen=True, slots=True)
class DeviceChange:
    ip: str
    changes: tuple[Change, ...]
    device: Device


@dataclass(frozen=True, slots=True)
class ScanDiff:
    """``scan_b`` compared with the earlier ``scan_a``."""

    scan_a: int
    scan_b: int
    appeared: tuple[Device, ...] = ()
    vanished: tuple[Device, ...] = ()
    changed: tuple[DeviceChange, ...] = ()

    @property
    def empty(self) -> bool:
        return not (self.appeared or self.vanished or self.changed)

    def to_json(self) -> dict[str, Any]:
        return {
            "from_scan": self.scan_a, "to_scan": self.scan_b,
            "appeared": [d.to_json() for d in self.appeared],
            "vanished": [d.to_json() for d in self.vanished],
            "changed": [{"ip": c.ip, "maker": c.device.maker, "brand": c.device.brand,
                         "changes": [dataclasses.asdict(x) for x in c.changes]}
                        for c in self.changed],
        }


class Store(Protocol):
    """An inventory backend (SQLite or PostgreSQL). Methods raise ``InventoryError`` on a
    store that cannot be read or written, and ``UsageError`` on an unknown scan id."""

    def save_scan(self, meta: ScanMeta, devices: Sequence[Device]) -> int:
        """Save one scan and its devices in one transaction; returns the new scan id."""
        ...

    def begin_scan(self, meta: ScanMeta) -> int:
        """Start a scan recorded as it runs (``finished`` stays empty); returns its id."""
        ...

    def add_devices(self, scan_id: int, devices: Sequence[Device], hosts_done: int) -> None:
        """Save a batch of a running scan's devices (one transaction; an address already saved
        in this scan is kept as it was) and how many of its hosts, in target order, are done."""
        ...

    def finish_scan(self, scan_id: int, finished: str) -> None:
        """Mark a running scan finished: from then on ``diff`` and reports compare it."""
        ...

    def unfinished(self, site: str, targets: Sequence[str],
                   options: Mapping[str, Any]) -> tuple[int, int, set[str]] | None:
        """The newest interrupted scan of ``site`` with these targets and options, as (its id,
        hosts done in target order, addresses saved), or None (``scan --resume``)."""
        ...

    def scans(self, site: str | None = None) -> list[ScanInfo]:
        """Stored scans, oldest first, of one site or all."""
        ...

    def scan(self, scan_id: int) -> ScanInfo:
        ...

    def scan_devices(self, scan_id: int) -> list[Device]:
        """The devices one scan found, by address."""
        ...

    def devices(self, filters: DeviceFilter | None = None) -> list[Sighting]:
        """The latest sighting of every device (per site and address) passing ``filters``."""
        ...

    def history(self, ip: str, site: str | None = None) -> list[Sighting]:
        """Every sighting of the device at ``ip``, oldest first."""
        ...

    def last_sighting(self, ip: str, site: str) -> Sighting | None:
        """The newest sighting of the device at ``ip`` at ``site`` (one row read, however long
        its history)."""
        ...

    def diff(self, scan_a: int | None = None, scan_b: int | None = None,
             site: str | None = None) -> ScanDiff:
        """Compare two scans (default: the last two, of ``site`` when given)."""
        ...

    def close(self) -> None:
        ...


def ports_text(d: Device) -> str:
    return ",".join(f"{p.port}/{p.proto}" for p in sorted(d.ports, key=lambda p: (p.proto,
                                                                                  p.port)))


def verdicts_text(d: Device) -> str:
    return ",".join(f"{v.policy}={v.status}" for v in sorted(d.verdicts, key=lambda v: v.policy))


def egress_text(d: Device) -> str:
    """Where the device sends data, as a set: ``destination (kind)`` (bytes and times left out,
    so a new capture of the same traffic is no change)."""
    return ",".join(sorted({f"{e.destination} ({e.kind})" for e in d.egress}))


def risks_text(d: Device) -> str:
    """Known vulnerabilities as a set: ``CVE status`` (a new firmware that leaves a range, or a
    CVE that became affected, is a change; the wording of the basis is not)."""
    return ",".join(sorted({f"{r.cve} {r.status}" for r in d.risks}))


def is_covered(d: Device) -> bool:
    return any(v.status == "covered" for v in d.verdicts)


def _field(d: Device, name: str) -> str | None:
    if name == "ports":
        return ports_text(d)
    if name == "verdicts":
        return verdicts_text(d)
    if name == "egress":
        return egress_text(d)
    if name == "risks":
        return risks_text(d)
    value = getattr(d, name)
    return None if value is None else str(value)


def diff_devices(scan_a: int, before: Sequence[Device], scan_b: int,
                 after: Sequence[Device]) -> ScanDiff:
    """What changed from ``before`` (scan ``scan_a``) to ``after`` (scan ``scan_b``)."""
    old = {d.ip: d for d in before}
    new = {d.ip: d for d in after}
    changed: list[DeviceChange] = []
    for ip in sorted(old.keys() & new.keys(), key=ip_sort_key):
        changes = tuple(Change(f, a, b) for f in DIFF_FIELDS
                        if (a := _field(old[ip], f)) != (b := _field(new[ip], f)))
        if changes:
            changed.append(DeviceChange(ip, changes, new[ip]))
    return ScanDiff(
        scan_a, scan_b,
        appeared=tuple(new[ip] for ip in sorted(new.keys() - old.keys(), key=ip_sort_key)),
        vanished=tuple(old[ip] for ip in sorted(old.keys() - new.keys(), key=ip_sort_key)),
        changed=tuple(changed),
    )


def ip_sort_key(ip: str) -> tuple[int, int, int, str]:
    """Addresses in numeric order (IPv4 before IPv6), each recorder's cameras
    (``<recorder>/ch<N>``) right after it by channel, anything else after them by text."""
    host, sep, channel = ip.partition("/ch")
    number = int(channel) if sep and channel.isdigit() and len(channel) <= 6 else -1
    if sep and number < 0:
        return (2, 0, 0, ip)
    try:
        addr = ipaddress.ip_address(host)
    except ValueError:
        return (2, 0, 0, ip)
    return (0 if addr.version == 4 else 1, int(addr), number, ip)


def full_scans(scans: Sequence[ScanInfo]) -> list[ScanInfo]:
    """Scans that surveyed their targets, without the partial ones (a ``screen --device`` run
    records one device) or the interrupted ones (``finished`` empty): defaults of diff and
    report compare full scans only."""
    return [s for s in scans if not s.options.get("partial") and s.finished is not None]


def device_from_json(record: Mapping[str, Any]) -> Device:
    """A stored device record back into a ``Device`` (the record schema of docs/records.md)."""
    return device_from_record(dict(record))


def scan_report(store: Store, scan_id: int | None = None,
                site: str | None = None) -> tuple[list[Device], dict[str, Any]]:
    """The devices of one scan (default: the latest, of ``site`` when given) and the reporters'
    ``meta`` for it, with ``changes`` against the scan before it at the same site."""
    from camaudit.errors import UsageError

    if scan_id is None:
        scans = full_scans(store.scans(site))
        if not scans:
            raise UsageError("no scans in the inventory" + (f" for site '{site}'" if site else ""))
        scan_id = scans[-1].id
    info = store.scan(scan_id)
    same_site = full_scans(store.scans(info.site))
    earlier = [s for s in same_site if (s.time, s.id) < (info.time, info.id)]
    meta: dict[str, Any] = {"scan_id": info.id, "time": info.time, "site": info.site,
                            "targets": list(info.targets), "options": dict(info.options)}
    if earlier:
        meta["changes"] = store.diff(earlier[-1].id, info.id).to_json()
    return store.scan_devices(info.id), meta


def rollup_report(store: Store) -> tuple[list[Device], dict[str, Any]]:
    """The latest full scan of every site, together (a roll-up over many sites): the devices,
    site by site, and the reporters' ``meta`` with ``sites`` (site, scan id, time, device
    count) and ``device_sites`` (each device's site, in the order of the devices)."""
    from camaudit.errors import UsageError

    latest: dict[str, ScanInfo] = {}
    for info in full_scans(store.scans()):
        latest[info.site] = info  # scans come oldest first: the last one wins
    if not latest:
        raise UsageError("no scans in the inventory")
    devices: list[Device] = []
    sites: list[str] = []
    listed = []
    for site in sorted(latest):
        info = latest[site]
        found = store.scan_devices(info.id)
        devices.extend(found)
        sites.extend([site] * len(found))
        listed.append({"site": site, "scan_id": info.id, "time": info.time,
                       "devices": len(found)})
    return devices, {"site": ", ".join(sorted(latest)), "sites": listed,
                     "device_sites": sites, "targets": []}
