"""Records that flow through the pipeline (frozen dataclasses, no behaviour beyond (de)serialising).

targets -> probes -> Observation -> Match -> Device -> reports

* ``Observation``: one fact read off the wire or pasted by a user, keyed by what it is
  (``http.header.server``, ``rtsp.www_authenticate``, ``sadp.model`` ...). Keys are listed in
  ``rules/vocab/keys.txt``. ``source`` says where it came from (``tcp/80 GET /``).
* ``Match``: one rule that matched one observation, with the fields the rule set.
* ``Device``: everything known about one host, merged from its matches.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
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
    risks: tuple[dict[str, Any], ...] = field(default=())
    egress: tuple[dict[str, Any], ...] = field(default=())
    screening: tuple[dict[str, Any], ...] = field(default=())
    # what the device said that no rule matched (bounded; long values cut with "…")
    observations: tuple[Observation, ...] = ()

    def to_json(self) -> dict[str, Any]:
        d = asdict(self)
        d["hostnames"] = list(self.hostnames)
        d["ports"] = [asdict(p) for p in self.ports]
        d["evidence"] = [asdict(e) for e in self.evidence]
        d["errors"] = [asdict(e) for e in self.errors]
        d["verdicts"] = [
            {**asdict(v), "references": list(v.references)} for v in self.verdicts
        ]
        d["risks"] = list(self.risks)
        d["egress"] = list(self.egress)
        d["screening"] = list(self.screening)
        d["observations"] = [asdict(o) for o in self.observations]
        return d
