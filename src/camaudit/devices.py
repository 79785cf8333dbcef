"""Merge the matches of one host into a verdict: maker, brand, relabel flag, model, confidence.

Pure functions. The maker is the firmware's maker, decided by technical evidence: each maker's
matches combine as independent signals (1 - prod(1 - c)); the strongest maker wins and a
conflicting maker lowers the confidence. The brand is the label the device shows (``hw.brand``
evidence, else the maker's own name unless the firmware is an OEM build). Evidence of grade
``port`` (an open vendor port) and traits that third-party stacks share (rules with ``shared:``)
only corroborate: they never name a maker on their own, except when shared traits whose other
senders differ converge on one maker, which names it at low confidence
(``fingerprints.strength``).
``relabeled`` is true when brand and maker differ, or when the firmware is a brand-neutral OEM
build.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from camaudit.exposure import findings as exposure_findings
from camaudit.fingerprints.strength import (
    CONVERGENT_CONFIDENCE,
    combine,
    converging,
    names_alone,
)
from camaudit.model import GRADES, Device, Evidence, Match, Observation, Port, ProbeError

_GRADE_RANK = {g: i for i, g in enumerate(GRADES)}
MAX_EVIDENCE_VALUE = 300
MAX_CONFIDENCE = 0.99
# What a device said that no rule matched is kept, within these bounds, so a user can judge an
# unknown device and write a rule for it. Bodies and SDP are too long to keep; statuses and
# dates say nothing of the maker.
MAX_SAID_VALUE = 200
MAX_SAID_TOTAL = 4096
_SAID_SKIP = frozenset({"http.body", "rtsp.sdp", "http.status", "rtsp.status", "rtsp.date",
                        "mac.address", "tls.not_before", "tls.not_after", "tls.signature_hash",
                        "tls.public_key", "tls.self_signed", "sadp.activated",
                        "onvif.unauthenticated", "p2p.enabled"})  # exposure facts: docs/exposure.md


@dataclass(frozen=True)
class Identity:
    maker: str | None
    brand: str | None
    relabeled: bool
    model: str | None
    firmware: str | None
    serial: str | None
    mac: str | None
    device_type: str | None
    confidence: float
    matches: tuple[Match, ...]

    def to_json(self) -> dict[str, Any]:
        """The ``identify`` verdict (DESIGN.md): maker, brand, model ... and the evidence."""
        return {
            "maker": self.maker, "brand": self.brand, "relabeled": self.relabeled,
            "model": self.model, "firmware": self.firmware, "serial": self.serial,
            "mac": self.mac, "device_type": self.device_type, "confidence": self.confidence,
            "evidence": [{"rule": m.rule, "key": m.key, "value": _clip(m.value)}
                         for m in self.matches],
        }


def _clip(value: str) -> str:
    return value if len(value) <= MAX_EVIDENCE_VALUE else value[:MAX_EVIDENCE_VALUE] + "…"


def _best(matches: Sequence[Match], name: str) -> str | None:
    """The value of field ``name`` from the strongest match that sets it (grade, then order)."""
    best: tuple[int, float, int] | None = None
    value: str | None = None
    for i, m in enumerate(matches):
        v = m.get(name)
        if v is None:
            continue
        rank = (_GRADE_RANK.get(m.grade, len(GRADES)), -m.confidence, i)
        if best is None or rank < best:
            best, value = rank, v
    return value


def identity_of(matches: Sequence[Match]) -> Identity:
    """Merge ``matches`` (all from one host or one pasted observation) into an Identity."""
    scores: dict[str, list[float]] = {}
    named_alone: set[str] = set()
    for m in matches:
        named = m.get("hw.maker")
        if named is not None:
            scores.setdefault(named, []).append(m.confidence)
            if names_alone(m.grade, m.shared):
                named_alone.add(named)
    # Ports and shared traits only corroborate: a maker named by nothing else is not named.
    combined = {mk: combine(cs) for mk, cs in scores.items() if mk in named_alone}
    maker: str | None = None
    confidence = 0.0
    if combined:
        maker = max(combined, key=lambda mk: (combined[mk], -list(combined).index(mk)))
        rival = max((s for mk, s in combined.items() if mk != maker), default=0.0)
        # No amount of agreeing evidence makes a network verdict certain.
        confidence = min(MAX_CONFIDENCE, round(combined[maker] * (1.0 - 0.5 * rival), 2))
    elif (maker := converging(matches)) is not None:
        confidence = min(CONVERGENT_CONFIDENCE, round(combine(scores[maker]), 2))
    # Fields come only from matches that agree with the winning maker or name no maker.
    agreeing = [m for m in matches if m.get("hw.maker") in (None, maker)]
    oem = _best(agreeing, "hw.oem") == "true"
    brand = _best(agreeing, "hw.brand")
    if brand is None and maker is not None and not oem:
        brand = maker
    relabeled = maker is not None and (oem or (brand is not None and brand != maker))
    return Identity(
        maker=maker, brand=brand, relabeled=relabeled,
        model=_best(agreeing, "hw.model"), firmware=_best(agreeing, "hw.firmware"),
        serial=_best(agreeing, "hw.serial"), mac=_best(agreeing, "hw.mac"),
        device_type=_best(agreeing, "hw.device_type"), confidence=confidence,
        matches=tuple(matches),
    )


def unmatched(observations: Sequence[Observation], matches: Sequence[Match]
              ) -> tuple[Observation, ...]:
    """The observations no rule matched, each (key, value) once, values cut to
    ``MAX_SAID_VALUE`` characters and the whole kept under ``MAX_SAID_TOTAL``."""
    matched = {(m.key, m.value) for m in matches}
    seen: set[tuple[str, str]] = set()
    out: list[Observation] = []
    budget = MAX_SAID_TOTAL
    for o in observations:
        pair = (o.key, o.value)
        if o.key in _SAID_SKIP or pair in matched or pair in seen or not o.value.strip():
            continue
        seen.add(pair)
        value = o.value if len(o.value) <= MAX_SAID_VALUE else o.value[:MAX_SAID_VALUE] + "…"
        cost = len(o.key) + len(value) + len(o.source)
        if cost > budget:
            break
        budget -= cost
        out.append(Observation(o.key, value, o.source))
    return tuple(out)


def build_device(ip: str, ports: Sequence[Port], observations: Sequence[Observation],
                 matches: Sequence[Match], errors: Sequence[ProbeError] = (),
                 seen: str | None = None) -> Device:
    """The device record for one host from its ports, observations, matches and probe errors,
    with the exposure findings its observations show (docs/exposure.md)."""
    ident = identity_of(matches)
    mac = ident.mac or next((o.value for o in observations if o.key == "mac.address"), None)
    return Device(
        ip=ip, mac=mac, ports=tuple(ports), maker=ident.maker, brand=ident.brand,
        relabeled=ident.relabeled, model=ident.model, firmware=ident.firmware,
        serial=ident.serial, device_type=ident.device_type, confidence=ident.confidence,
        evidence=tuple(Evidence(source=m.source, key=m.key, value=_clip(m.value), rule=m.rule)
                       for m in matches),
        errors=tuple(errors), first_seen=seen, last_seen=seen,
        observations=unmatched(observations, matches),
        exposures=exposure_findings(observations, ports),
    )
