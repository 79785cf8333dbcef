"""From what the readers accumulated to per-device findings: which side is the device, what the
far end is called, where it is hosted, which AS announces it, what kind of destination it is and
whether the user's policy flags it.

The device of a connection is the side in the inventory (``--devices``); failing that the local
(private, link-local ...) side; failing that the client. Far ends inside the site are left out
unless ``include_local`` is set. A finding is flagged when a destination rule classifies it or
its hosting country is one of ``flag_countries``.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Any, Protocol

from camaudit.egress.flows import Capture, Key, is_local, parse_ip
from camaudit.egress.geo import GeoDB, Place, default_db, source
from camaudit.egress.rules import Classifier, Destination, load_destinations
from camaudit.model import Device, EgressFinding

EGRESS_KEYS = ("destination", "ip", "country", "asn", "kind", "bytes_out", "bytes_in",
               "first_seen", "last_seen")


def iso(ts: float) -> str:
    sec = math.floor(ts)  # what time.gmtime keeps of a float
    text = _ISO.get(sec)
    if text is None:
        text = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(sec))
        if len(_ISO) < 1 << 16:
            _ISO[sec] = text
    return text


_ISO: dict[int, str] = {}


@dataclass(frozen=True, slots=True)
class DeviceEgress:
    ip: str
    in_inventory: bool
    device: Device | None
    findings: tuple[EgressFinding, ...]
    local_connections: int

    @property
    def flagged(self) -> bool:
        return any(f.flagged for f in self.findings)

    def to_json(self) -> dict[str, Any]:
        d = self.device
        return {"ip": self.ip, "in_inventory": self.in_inventory,
                "maker": d.maker if d else None, "brand": d.brand if d else None,
                "model": d.model if d else None, "flagged": self.flagged,
                "local_connections": self.local_connections,
                "findings": [f.to_json() for f in self.findings]}


@dataclass(frozen=True, slots=True)
class Result:
    devices: tuple[DeviceEgress, ...]
    flag_countries: tuple[str, ...]
    files: tuple[str, ...]
    records: int
    damage: tuple[str, ...]

    @property
    def flagged(self) -> bool:
        return any(d.flagged for d in self.devices)

    def meta(self) -> dict[str, Any]:
        s = source()
        return {"files": list(self.files), "records": self.records,
                "flag_countries": list(self.flag_countries), "damage": list(self.damage),
                "flagged_devices": sum(d.flagged for d in self.devices),
                "ip_data": {"date": s["date"], "attribution": s["attribution"],
                            "country": s["country"], "asn": s["asn"]}}


def _sides(key: Key, inventory: set[str]) -> tuple[str, str, bool]:
    """(device, remote, device_is_client)."""
    client, server = key[0], key[1]
    if client in inventory:
        return client, server, True
    if server in inventory:
        return server, client, False
    if is_local(server) and not is_local(client):
        return server, client, False
    return client, server, True


def _name(names: list[str], hit: tuple[Destination, str] | None, ip: str, asn: int | None,
          org: str | None) -> str:
    if hit is not None and hit[1] in names:
        return hit[1]
    if names:
        return names[0]
    if asn is not None and (hit is None or hit[1] != ip):
        return f"AS{asn} {org}" if org else f"AS{asn}"
    return ip


@dataclass(frozen=True, slots=True)
class _Far:
    """What is said about a far end with a given set of names (shared by its connections)."""

    place: Place
    hit: tuple[Destination, str] | None
    reasons: tuple[str, ...]
    evidence: tuple[str, ...]
    destination: str
    kind: str


class Places(Protocol):
    """Where addresses are hosted: ``GeoDB``, or the Spark executors' broadcast tables."""

    def lookup(self, ip: str) -> Place: ...


def _far(remote: str, names: tuple[str, ...], geo: Places, cls: Classifier,
         flag: set[str]) -> _Far:
    place = geo.lookup(remote)
    hit = cls.classify(list(names), remote, place.asn)
    rule = hit[0] if hit else None
    reasons: list[str] = []
    evidence: list[str] = []
    if rule is not None:
        reasons.append(f"{rule.kind} ({rule.id}: {hit[1] if hit else ''})")
        evidence.append(f"rule {rule.id} [{rule.where}], grade {rule.grade}: {rule.source}")
    if place.country is not None and place.country in flag:
        reasons.append(f"country {place.country}")
    if place.country is not None or place.asn is not None:
        evidence.append(f"{remote}: country {place.country or '-'}, "
                        f"AS{place.asn if place.asn is not None else '-'} {place.org or ''}"
                        f" (IP data of {source()['date']})".replace("  ", " "))
    kind = rule.kind if rule else ("local" if is_local(remote) else "other")
    return _Far(place, hit, tuple(reasons), tuple(evidence),
                _name(list(names), hit, remote, place.asn, place.org), kind)


def _finding(key: Key, v: Sequence[float], flow_names: Mapping[str, str],
             dns_names: Mapping[str, str], device: str, remote: str, out: bool,
             far_of: Callable[[str, tuple[str, ...]], _Far]) -> EgressFinding:
    names = (*flow_names, *(n for n in dns_names if n not in flow_names))
    far = far_of(remote, names)
    place, rule = far.place, far.hit[0] if far.hit else None
    evidence = (*flow_names.values(), *(dns_names[n] for n in dns_names if n not in flow_names),
                *far.evidence)
    b_out, b_in, p_out, p_in = (v[0], v[1], v[2], v[3]) if out else (v[1], v[0], v[3], v[2])
    return EgressFinding(
        device=device, destination=far.destination, ip=remote, country=place.country,
        asn=f"AS{place.asn}" if place.asn is not None else None, org=place.org, kind=far.kind,
        rule=rule.id if rule else None, vendor=rule.vendor if rule else None,
        proto=key[2], port=key[3], bytes_out=int(b_out), bytes_in=int(b_in),
        packets_out=int(p_out), packets_in=int(p_in), first_seen=iso(v[4]),
        last_seen=iso(v[5]), names=names, flagged=bool(far.reasons), reasons=far.reasons,
        evidence=evidence)


# What the judge says about one endpoint: None (neither side is a device of the site), or
# (device, its finding), where a finding of None is a connection to a far end inside the site.
Verdict = tuple[str, EgressFinding | None] | None


class Judge:
    """The per-endpoint half of ``analyse``: which side is the device, and its finding. It
    needs only the endpoint, its names and the lookup tables, so the Spark engine runs this
    same code on its executors (``egress.sparkjudge``); far ends are described once per
    (address, names)."""

    def __init__(self, inventory: Iterable[str], flag: set[str], include_local: bool,
                 geo: Places, cls: Classifier) -> None:
        self.inv = set(inventory)
        self.flag = flag
        self.include_local = include_local
        self.geo = geo
        self.cls = cls
        self._fars: dict[tuple[str, tuple[str, ...]], _Far] = {}

    def far(self, remote: str, names: tuple[str, ...]) -> _Far:
        f = self._fars.get((remote, names))
        if f is None:
            f = self._fars[(remote, names)] = _far(remote, names, self.geo, self.cls, self.flag)
        return f

    def endpoint(self, key: Key, v: Sequence[float], flow_names: Mapping[str, str],
                 names: Mapping[str, Mapping[str, str]]) -> Verdict:
        """``v`` as in ``Capture.conns``; ``flow_names`` the names seen on the connection
        (name -> evidence), ``names`` the DNS names of addresses (address -> name ->
        evidence)."""
        device, remote, out = _sides(key, self.inv)
        if device not in self.inv and not is_local(device):
            return None
        if is_local(remote) and not self.include_local:
            return device, None
        return device, _finding(key, v, flow_names, names.get(remote, {}), device, remote,
                                out, self.far)


def flag_set(flag_countries: Iterable[str]) -> set[str]:
    return {c.strip().upper() for c in flag_countries if c.strip()}


def analyse(cap: Capture, devices: Sequence[Device] | None = None,
            flag_countries: Iterable[str] = ("CN",), include_local: bool = False,
            geo: GeoDB | None = None, rules: list[Destination] | None = None) -> Result:
    """Per-device findings for everything in ``cap``. With ``devices`` (the inventory), every
    inventory device is listed, clean or not, and other devices are listed by address."""
    flag = flag_set(flag_countries)
    judge = Judge((d.ip for d in devices or ()), flag, include_local, geo or default_db(),
                  Classifier(load_destinations() if rules is None else rules))
    verdicts = (judge.endpoint(key, v, cap.flow_names.get(key, {}), cap.names)
                for key, v in cap.conns.items())
    return assemble(devices, verdicts, flag, cap.files, cap.records,
                    [d.line() for d in cap.damage])


def assemble(devices: Sequence[Device] | None, verdicts: Iterable[Verdict], flag: set[str],
             files: Sequence[str], records: int, damage: Sequence[str]) -> Result:
    """The ``Result`` of the judge's verdicts: every inventory device (clean or not), every
    other device with a verdict, by address; findings flagged first, then by bytes out."""
    inventory = {d.ip: d for d in devices or ()}
    found: dict[str, list[EgressFinding]] = {ip: [] for ip in inventory}
    local: dict[str, int] = dict.fromkeys(inventory, 0)
    for verdict in verdicts:
        if verdict is None:
            continue
        device, finding = verdict
        found.setdefault(device, [])
        local.setdefault(device, 0)
        if finding is None:
            local[device] += 1
        else:
            found[device].append(finding)
    out_devices = []
    for ip in sorted(found, key=_ip_sort):
        fs = sorted(found[ip], key=lambda f: (not f.flagged, -f.bytes_out, _ip_sort(f.ip),
                                              f.proto, f.port))
        out_devices.append(DeviceEgress(ip=ip, in_inventory=ip in inventory,
                                        device=inventory.get(ip), findings=tuple(fs),
                                        local_connections=local.get(ip, 0)))
    return Result(devices=tuple(out_devices), flag_countries=tuple(sorted(flag)),
                  files=tuple(files), records=records, damage=tuple(damage))


@lru_cache(maxsize=1 << 16)
def _ip_sort(ip: str) -> tuple[int, int]:
    a = parse_ip(ip)
    if a is None:
        return (9, 0)
    return (a.version, int(a))


def attach(devices: Sequence[Device], result: Result) -> list[Device]:
    """``devices`` with ``Device.egress`` set from ``result`` (the documented keys first, then
    proto, port, org, rule, flagged, reasons and evidence)."""
    by_ip = {d.ip: d for d in result.devices}
    out = []
    for dev in devices:
        de = by_ip.get(dev.ip)
        egress = de.findings if de else ()
        out.append(replace(dev, egress=egress))
    return out
