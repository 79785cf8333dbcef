"""Records that flow through the pipeline (frozen dataclasses, no behaviour beyond (de)serialising).

targets -> probes -> Observation -> Match -> Device -> reports

* ``Observation``: one fact read off the wire or pasted by a user, keyed by what it is
  (``http.header.server``, ``rtsp.www_authenticate``, ``sadp.model`` ...). Keys are listed in
  ``rules/vocab/keys.txt``. ``source`` says where it came from (``tcp/80 GET /``).
* ``Match``: one rule that matched one observation, with the fields the rule set.
* ``Device``: everything known about one host, merged from its matches, with its typed parts:
  ``Verdict`` (policies), ``Risk`` (known vulnerabilities), ``EgressFinding`` (traffic to far
  ends) and ``ScreeningFinding`` (advertised ethnicity analytics). Every record part turns into
  JSON with ``to_json`` and back with ``from_json`` (``records.device_from_record``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any

# Evidence grades, strongest first, with the confidence a rule of that grade carries unless the
# rule sets its own. A vendor discovery protocol answering is near-proof of the firmware's maker;
# an open port alone is a weak hint.
GRADES: dict[str, float] = {
    "protocol": 0.95,  # SADP / DHIP / DVRIP answering, vendor binary banners
    "firmware": 0.85,  # firmware traits: server strings, realms, header layouts, certs, favicons
    "onvif": 0.7,  # ONVIF/WS-Discovery scopes, UPnP manufacturer fields
    "oui": 0.5,  # MAC OUI registered to the maker
    "model": 0.4,  # model-string patterns (DS-2CD..., IPC-HFW...)
    "port": 0.25,  # an open vendor port and nothing else
    "identity": 0.0,  # rules that only read model/serial/firmware out of a field, naming no maker
}

DEVICE_FIELDS = ("hw.maker", "hw.brand", "hw.model", "hw.firmware", "hw.serial", "hw.mac",
                 "hw.device_type", "hw.oem")


@dataclass(frozen=True, slots=True)
class Observation:
    """One fact about a host: ``key`` from the vocabulary, ``value`` as text."""

    key: str
    value: str
    source: str = ""


@dataclass(frozen=True, slots=True)
class Match:
    """A rule that matched an observation, and the fields it yields (``hw.maker`` ...)."""

    rule: str
    key: str
    value: str
    source: str
    grade: str
    confidence: float
    fields: tuple[tuple[str, str], ...]
    shared: bool = False  # the trait is shared with third-party stacks: it never names alone
    shared_with: tuple[str, ...] = ()  # who else shows it (rules/vocab/sharers.txt)

    def get(self, name: str) -> str | None:
        for k, v in self.fields:
            if k == name:
                return v
        return None


@dataclass(frozen=True, slots=True)
class Port:
    port: int
    proto: str = "tcp"
    service: str = ""


@dataclass(frozen=True, slots=True)
class Evidence:
    source: str
    key: str
    value: str
    rule: str


@dataclass(frozen=True, slots=True)
class ProbeError:
    """A probe that failed on a host: timeouts, resets, malformed replies. Never fatal."""

    source: str
    message: str


@dataclass(frozen=True, slots=True)
class Verdict:
    policy: str
    status: str  # covered | possible | not-covered | unknown
    reason: str
    references: tuple[str, ...] = ()


def _text(raw: Mapping[str, Any], name: str, default: str | None = "") -> str | None:
    value = raw.get(name, default)
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TypeError(f"'{name}' must be text, not {type(value).__name__}")
    return str(value)


def _count(raw: Mapping[str, Any], name: str) -> int:
    value = raw.get(name, 0)
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"'{name}' must be a whole number, not {value!r}")
    return value


def _texts(raw: Mapping[str, Any], name: str) -> tuple[str, ...]:
    value = raw.get(name) or ()
    if not isinstance(value, list | tuple):
        raise TypeError(f"'{name}' must be a list")
    return tuple(str(v) for v in value)


def _mapping(raw: object, what: str) -> Mapping[str, Any]:
    if not isinstance(raw, Mapping):
        raise TypeError(f"{what} entry must be a mapping, not {type(raw).__name__}")
    return raw


@dataclass(frozen=True, slots=True)
class Risk:
    """A known vulnerability of a device (docs/risks.md): ``affected`` when its model and
    firmware lie in a stated range, ``possible`` when the maker or model match but the firmware
    (or the facts) cannot tell."""

    cve: str
    status: str  # affected | possible | not-affected
    basis: str
    kev: str | None = None  # date CISA added the CVE to KEV
    title: str = ""
    grade: str = ""
    kev_grade: str | None = None
    source: str = ""

    def to_json(self) -> dict[str, Any]:
        return {"cve": self.cve, "kev": self.kev, "basis": self.basis, "status": self.status,
                "title": self.title, "grade": self.grade, "kev_grade": self.kev_grade,
                "source": self.source}

    @classmethod
    def from_json(cls, raw: object) -> Risk:
        m = _mapping(raw, "risk")
        return cls(cve=str(_text(m, "cve")), status=str(_text(m, "status")),
                   basis=str(_text(m, "basis")), kev=_text(m, "kev", None),
                   title=str(_text(m, "title")), grade=str(_text(m, "grade")),
                   kev_grade=_text(m, "kev_grade", None), source=str(_text(m, "source")))


@dataclass(frozen=True, slots=True)
class EgressFinding:
    """Traffic between one device and one far end (docs/egress.md); ``device`` is the device's
    address, left out of the record it belongs to."""

    destination: str
    ip: str
    kind: str
    bytes_out: int = 0
    bytes_in: int = 0
    first_seen: str = ""
    last_seen: str = ""
    country: str | None = None
    asn: str | None = None
    org: str | None = None
    rule: str | None = None
    vendor: str | None = None
    proto: str = ""
    port: int = 0
    packets_out: int = 0
    packets_in: int = 0
    names: tuple[str, ...] = ()
    flagged: bool = False
    reasons: tuple[str, ...] = ()
    evidence: tuple[str, ...] = ()
    device: str = ""

    def to_json(self) -> dict[str, Any]:
        return {"destination": self.destination, "ip": self.ip, "country": self.country,
                "asn": self.asn, "org": self.org, "kind": self.kind, "rule": self.rule,
                "vendor": self.vendor, "proto": self.proto, "port": self.port,
                "bytes_out": self.bytes_out, "bytes_in": self.bytes_in,
                "packets_out": self.packets_out, "packets_in": self.packets_in,
                "first_seen": self.first_seen, "last_seen": self.last_seen,
                "names": list(self.names), "flagged": self.flagged,
                "reasons": list(self.reasons), "evidence": list(self.evidence)}

    @classmethod
    def from_json(cls, raw: object, device: str = "") -> EgressFinding:
        m = _mapping(raw, "egress")
        return cls(destination=str(_text(m, "destination")), ip=str(_text(m, "ip")),
                   kind=str(_text(m, "kind")), bytes_out=_count(m, "bytes_out"),
                   bytes_in=_count(m, "bytes_in"), first_seen=str(_text(m, "first_seen")),
                   last_seen=str(_text(m, "last_seen")), country=_text(m, "country", None),
                   asn=_text(m, "asn", None), org=_text(m, "org", None),
                   rule=_text(m, "rule", None), vendor=_text(m, "vendor", None),
                   proto=str(_text(m, "proto")), port=_count(m, "port"),
                   packets_out=_count(m, "packets_out"), packets_in=_count(m, "packets_in"),
                   names=_texts(m, "names"), flagged=bool(m.get("flagged", False)),
                   reasons=_texts(m, "reasons"), evidence=_texts(m, "evidence"),
                   device=device)


@dataclass(frozen=True, slots=True)
class ScreeningFinding:
    """A term of ethnicity, race or "minority" analytics found in a document, firmware or a
    device's capability documents (docs/screening.md)."""

    path: str  # file, archive!member, or URL
    rule: str
    severity: str
    grade: str
    matched: str
    context: str
    near: str | None = None  # the face/attribute/alarm term that made a co-occurrence rule fire
    page: int | None = None  # PDF page (1-based)
    offset: int | None = None  # byte offset in the file or member
    encoding: str | None = None
    where: str | None = None  # paragraph, sheet and row, or XML element path
    source: str = ""

    def to_json(self) -> dict[str, Any]:
        return {"path": self.path, "page": self.page, "offset": self.offset,
                "encoding": self.encoding, "where": self.where, "rule": self.rule,
                "severity": self.severity, "grade": self.grade, "matched": self.matched,
                "near": self.near, "context": self.context, "source": self.source}

    @classmethod
    def from_json(cls, raw: object) -> ScreeningFinding:
        m = _mapping(raw, "screening")
        page, offset = m.get("page"), m.get("offset")
        for name, value in (("page", page), ("offset", offset)):
            if value is not None and (isinstance(value, bool) or not isinstance(value, int)):
                raise TypeError(f"'{name}' must be a whole number or null, not {value!r}")
        return cls(path=str(_text(m, "path")), rule=str(_text(m, "rule")),
                   severity=str(_text(m, "severity")), grade=str(_text(m, "grade")),
                   matched=str(_text(m, "matched")), context=str(_text(m, "context")),
                   near=_text(m, "near", None), page=page, offset=offset,
                   encoding=_text(m, "encoding", None), where=_text(m, "where", None),
                   source=str(_text(m, "source")))


@dataclass(frozen=True, slots=True)
class Exposure:
    """A way the device is open to anyone, seen without guessing a password
    (docs/exposure.md): ``id`` from ``rules/exposure/``, its ``severity`` (high, medium, low)
    and one sentence of ``basis`` naming what was seen where."""

    id: str
    severity: str
    basis: str
    source: str = ""

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "severity": self.severity, "basis": self.basis,
                "source": self.source}

    @classmethod
    def from_json(cls, raw: object) -> Exposure:
        m = _mapping(raw, "exposure")
        return cls(id=str(_text(m, "id")), severity=str(_text(m, "severity")),
                   basis=str(_text(m, "basis")), source=str(_text(m, "source")))


@dataclass(frozen=True, slots=True)
class Currency:
    """Whether the device's firmware is the latest its maker released for its model series
    (docs/firmware.md): ``status`` current, behind or unknown, with the ``basis`` and the data's
    source and date."""

    status: str  # current | behind | unknown
    basis: str
    series: str | None = None
    latest: str | None = None
    latest_date: str | None = None
    releases_behind: int | None = None
    months_behind: int | None = None
    end_of_support: str | None = None
    data_as_of: str | None = None
    source: str = ""

    def to_json(self) -> dict[str, Any]:
        return {"status": self.status, "basis": self.basis, "series": self.series,
                "latest": self.latest, "latest_date": self.latest_date,
                "releases_behind": self.releases_behind, "months_behind": self.months_behind,
                "end_of_support": self.end_of_support, "data_as_of": self.data_as_of,
                "source": self.source}

    @classmethod
    def from_json(cls, raw: object) -> Currency:
        m = _mapping(raw, "currency")

        def whole(name: str) -> int | None:
            value = m.get(name)
            if value is not None and (isinstance(value, bool) or not isinstance(value, int)):
                raise TypeError(f"'{name}' must be a whole number or null, not {value!r}")
            return value

        return cls(status=str(_text(m, "status")), basis=str(_text(m, "basis")),
                   series=_text(m, "series", None), latest=_text(m, "latest", None),
                   latest_date=_text(m, "latest_date", None),
                   releases_behind=whole("releases_behind"), months_behind=whole("months_behind"),
                   end_of_support=_text(m, "end_of_support", None),
                   data_as_of=_text(m, "data_as_of", None), source=str(_text(m, "source")))


@dataclass(frozen=True, slots=True)
class Device:
    """One host as the reports show it. ``to_json`` gives the documented device record."""

    ip: str
    mac: str | None = None
    hostnames: tuple[str, ...] = ()
    ports: tuple[Port, ...] = ()
    maker: str | None = None
    brand: str | None = None
    relabeled: bool = False
    model: str | None = None
    firmware: str | None = None
    serial: str | None = None
    device_type: str | None = None
    confidence: float = 0.0
    evidence: tuple[Evidence, ...] = ()
    errors: tuple[ProbeError, ...] = ()
    verdicts: tuple[Verdict, ...] = ()
    first_seen: str | None = None
    last_seen: str | None = None
    risks: tuple[Risk, ...] = ()
    egress: tuple[EgressFinding, ...] = ()
    screening: tuple[ScreeningFinding, ...] = ()
    # what the device said that no rule matched (bounded; long values cut with "…")
    observations: tuple[Observation, ...] = ()
    exposures: tuple[Exposure, ...] = ()
    currency: Currency | None = None
    # A camera behind a recorder (read from the recorder's channel list): ``ip`` is then
    # "<recorder ip>/ch<channel>", ``segment_ip`` its address on the recorder's own segment.
    recorder: str | None = None
    channel: int | None = None
    segment_ip: str | None = None

    def to_json(self) -> dict[str, Any]:
        d = asdict(self)
        d["hostnames"] = list(self.hostnames)
        d["ports"] = [asdict(p) for p in self.ports]
        d["evidence"] = [asdict(e) for e in self.evidence]
        d["errors"] = [asdict(e) for e in self.errors]
        d["verdicts"] = [
            {**asdict(v), "references": list(v.references)} for v in self.verdicts
        ]
        d["risks"] = [r.to_json() for r in self.risks]
        d["egress"] = [e.to_json() for e in self.egress]
        d["screening"] = [f.to_json() for f in self.screening]
        d["observations"] = [asdict(o) for o in self.observations]
        d["exposures"] = [x.to_json() for x in self.exposures]
        d["currency"] = None if self.currency is None else self.currency.to_json()
        return d
