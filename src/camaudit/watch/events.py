"""What changed between two scans of one site, as events (pure: devices in, events out).

    events = scan_events(ScanRef(11, "2025-01-31T12:00:00Z", "hq"), before,
                         ScanRef(12, "2025-01-31T12:05:00Z", "hq"), after)

Kinds, per device (matched by address, as ``inventory diff`` matches them):

    new        a device the earlier scan did not see (or there is no earlier scan)
    vanished   a device the earlier scan saw and this one did not
    changed    maker, brand, model, firmware, MAC, ports or certificate differ
    covered    a policy covers the device that did not before (also on a new device)
    exposure   an exposure finding (id and where) the device did not have (also when new)
    egress     an egress destination the device did not have (also on a new device)

Every event's ``id`` is a hash of the site, the scan (id and time), the address, the kind and
what the event is about (the policy, finding or destination): the same scan always gives the
same ids, so a receiver that sees an id twice knows it is a redelivery. docs/watch.md documents
the JSON shape; fields are only ever added to it.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from camaudit.inventory.store import diff_devices, ip_sort_key, ports_text
from camaudit.model import Device, EgressFinding

KINDS = ("new", "vanished", "changed", "covered", "exposure", "egress")
# Fields a ``changed`` event compares, in this order.
CHANGE_FIELDS = ("maker", "brand", "model", "firmware", "mac", "ports", "certificate")
CERT_KEYS = ("tls.subject", "tls.issuer")
# Device strings are hostile and events travel in syslog datagrams: every text is cut here
# (an event stays under MAX_EVENT bytes whatever the device sent).
MAX_TEXT = 256
MAX_NAME = 64  # a policy's name
MAX_ITEMS = 32
MAX_NAMES = 16  # the policies covering a device
MAX_REFERENCES = 8
MAX_EVENT = 60000  # so that a syslog message of it fits one UDP datagram


@dataclass(frozen=True, slots=True)
class ScanRef:
    """One stored scan: its inventory id, its time (ISO 8601 UTC) and its site."""

    id: int
    time: str
    site: str


@dataclass(frozen=True, slots=True)
class Event:
    """One event; ``to_json`` is the documented object."""

    kind: str
    id: str
    time: str
    site: str
    ip: str
    scan_id: int
    previous_scan_id: int | None
    device: Mapping[str, Any] = field(default_factory=dict)
    details: Mapping[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {"event": self.kind, "id": self.id, "time": self.time, "site": self.site,
                "ip": self.ip, "scan_id": self.scan_id,
                "previous_scan_id": self.previous_scan_id, "device": dict(self.device),
                "details": dict(self.details)}


def encode(event: Event) -> bytes:
    """The event as sinks send it: one line of compact ASCII JSON (no newline)."""
    return json.dumps(event.to_json(), ensure_ascii=True, separators=(",", ":")).encode()


def event_id(scan: ScanRef, ip: str, kind: str, key: str = "") -> str:
    """The deterministic id of one event: 32 hex digits of SHA-256 over what identifies it."""
    text = "\n".join(("camaudit-watch/1", scan.site, str(scan.id), scan.time, ip, kind, key))
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:32]


def cut(value: str | None, limit: int = MAX_TEXT) -> str | None:
    """``value`` cut to ``limit`` characters (ending in "…" when cut)."""
    if value is None or len(value) <= limit:
        return value
    return value[:limit - 1] + "…"


def certificate_text(d: Device) -> str | None:
    """The TLS subjects and issuers the device showed, as one sorted text (None: no TLS)."""
    pairs = [(e.key, e.value) for e in d.evidence] + [(o.key, o.value) for o in d.observations]
    facts = {f"{key.removeprefix('tls.')}={value}" for key, value in pairs if key in CERT_KEYS}
    return "; ".join(sorted(facts)) if facts else None


def _field(d: Device, name: str) -> str | None:
    if name == "ports":
        return ports_text(d) or None
    if name == "certificate":
        return certificate_text(d)
    value = getattr(d, name)
    return None if value is None else str(value)


def covered_policies(d: Device) -> list[str]:
    return sorted({v.policy for v in d.verdicts if v.status == "covered"})


def summary(d: Device) -> dict[str, Any]:
    """The ``device`` object of an event: who the device is, as this scan saw it."""
    return {"maker": cut(d.maker), "brand": cut(d.brand), "model": cut(d.model),
            "firmware": cut(d.firmware), "device_type": cut(d.device_type),
            "mac": cut(d.mac), "relabeled": d.relabeled,
            "covered": [cut(p, MAX_NAME) for p in covered_policies(d)[:MAX_NAMES]]}


def _egress_key(e: EgressFinding) -> str:
    return f"{e.destination} ({e.kind})"


class _Builder:
    def __init__(self, before: ScanRef | None, after: ScanRef) -> None:
        self.before = before
        self.after = after
        self.events: list[Event] = []

    def add(self, kind: str, d: Device, key: str, details: dict[str, Any]) -> None:
        self.events.append(Event(kind, event_id(self.after, d.ip, kind, key), self.after.time,
                                 self.after.site, d.ip, self.after.id,
                                 None if self.before is None else self.before.id,
                                 summary(d), details))

    def device(self, old: Device | None, new: Device) -> None:
        """Every event of one device seen by the later scan (``old``: None when new)."""
        if old is None:
            ports = [f"{p.port}/{p.proto}" for p in new.ports][:MAX_ITEMS]
            self.add("new", new, "", {"ports": ports})
        else:
            changes = [{"field": f, "before": cut(a), "after": cut(b)} for f in CHANGE_FIELDS
                       if (a := _field(old, f)) != (b := _field(new, f))]
            if changes:
                self.add("changed", new, "", {"changes": changes})
        was = {v.policy: v.status for v in old.verdicts} if old is not None else {}
        for v in sorted(new.verdicts, key=lambda v: v.policy)[:MAX_ITEMS]:
            if v.status == "covered" and was.get(v.policy) != "covered":
                self.add("covered", new, v.policy, {
                    "policy": cut(v.policy, MAX_NAME), "reason": cut(v.reason),
                    "before": cut(was.get(v.policy)),
                    "references": [cut(r) for r in v.references[:MAX_REFERENCES]]})
        had = {(x.id, x.source) for x in old.exposures} if old is not None else set()
        for x in new.exposures[:MAX_ITEMS]:
            if (x.id, x.source) not in had:
                had.add((x.id, x.source))
                self.add("exposure", new, f"{x.id} {x.source}", {
                    "finding": cut(x.id), "severity": cut(x.severity),
                    "source": cut(x.source), "basis": cut(x.basis)})
        sent = {_egress_key(e) for e in old.egress} if old is not None else set()
        for e in sorted(new.egress, key=_egress_key)[:MAX_ITEMS]:
            if (key := _egress_key(e)) not in sent:
                sent.add(key)
                self.add("egress", new, key, {
                    "destination": cut(e.destination), "address": cut(e.ip),
                    "kind": cut(e.kind), "country": cut(e.country), "asn": cut(e.asn),
                    "org": cut(e.org),
                    "vendor": cut(e.vendor), "flagged": e.flagged})


def scan_events(before: ScanRef | None, old: Sequence[Device], after: ScanRef,
                new: Sequence[Device]) -> list[Event]:
    """The events of scan ``after`` (devices ``new``) against the earlier scan ``before``
    (devices ``old``; None and [] when the site has no earlier scan), ordered by address and,
    per address, by kind as ``KINDS`` lists them."""
    diff = diff_devices(before.id if before else 0, old, after.id, new)
    by_ip = {d.ip: d for d in old}
    out = _Builder(before, after)
    for d in diff.vanished:
        out.add("vanished", d, "", {"last_seen": before.time if before else None})
    for d in {d.ip: d for d in new}.values():
        out.device(by_ip.get(d.ip), d)
    order = {k: i for i, k in enumerate(KINDS)}
    return sorted(out.events, key=lambda e: (ip_sort_key(e.ip), order[e.kind]))
