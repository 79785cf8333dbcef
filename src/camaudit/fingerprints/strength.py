"""How strong the evidence for a maker is: the one place that decides naming and accusing.

Three tiers, used by ``devices.identity_of`` (may a maker be named?) and by the policy judge (may a
device be called covered?):

* a trait **names alone** unless it is an open port (``port`` grade) or a trait that third-party
  stacks share (a rule with ``shared:``, e.g. LIVE555's RTSP date format, which Hikvision firmware
  and many Reolink, Foscam and TP-Link cameras send alike). Shared traits may reinforce a maker
  that something else names; they never name one;
* a trait is **unique** to a maker's firmware when it names alone, is of grade ``protocol``
  (the vendor's own discovery protocol answered) or ``firmware`` (a realm, namespace, server
  string or certificate that only that firmware produces), and its rule's confidence is at least
  ``UNIQUE_CONFIDENCE``: a firmware trait the rule author rates lower (a method order, an API
  envelope that a standard also defines) names the maker but takes a second trait to accuse;
* a maker is **corroborated** when traits from at least two independent observations name it
  (an ONVIF manufacturer and a MAC OUI, say): two header fields of one reply are one observation
  family, and so are the fields of one discovery reply;
* shared traits **converge** on a maker when nothing names a maker alone, two of them from
  different observation families point at it, each rule says who else shows it
  (``shared_with``) with no one on both lists, and no evidence (an open port included) points
  at another maker. A Dahua RTSP header that HiSilicon's SDK server also sends, plus Dahua's
  private SDP packetization that only a relay would pass on: no single other sender explains
  both. Convergence names the maker at ``CONVERGENT_CONFIDENCE`` at most and is never unique or
  corroborated, so it can reach "possible" and never "covered".

A "covered" verdict needs a unique trait or corroboration; otherwise it is "possible".
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import combinations

from camaudit.model import Match

UNIQUE_GRADES = frozenset({"protocol", "firmware"})
UNIQUE_CONFIDENCE = 0.75
NEVER_ALONE_GRADES = frozenset({"port", "identity"})
CONVERGENT_CONFIDENCE = 0.5

# Keys read off one reply or one discovery message: several hits there are one piece of evidence.
_FAMILIES = {
    "http.www_authenticate": "http.auth", "http.realm": "http.auth",
    "rtsp.www_authenticate": "rtsp.auth", "rtsp.realm": "rtsp.auth",
    "wsd.scope": "onvif", "wsd.endpoint": "onvif", "wsd.fault": "onvif",
    "mac.address": "mac", "mac.org": "mac",
    "tls.subject": "tls", "tls.issuer": "tls", "tls.san": "tls",
    "http.favicon.md5": "favicon", "http.favicon.mmh3": "favicon",
}
_PREFIX_FAMILIES = ("sadp.", "dhip.", "dvrip.", "dhlegacy.", "isapi.", "onvif.", "dahua.",
                    "json.", "cgi.")


@dataclass(frozen=True, slots=True)
class Trait:
    """One piece of evidence naming a maker: the observation key, the rule's grade, whether the
    rule is a shared trait, and the rule id (for messages)."""

    key: str
    grade: str
    shared: bool
    rule: str
    confidence: float = 1.0


def combine(confidences: Iterable[float]) -> float:
    """Independent signals combined (noisy-OR): ``1 - prod(1 - c)``."""
    miss = 1.0
    for c in confidences:
        miss *= 1.0 - c
    return 1.0 - miss


def family(key: str) -> str:
    """The observation family of ``key``: hits within one family are not independent."""
    if key in _FAMILIES:
        return _FAMILIES[key]
    for prefix in _PREFIX_FAMILIES:
        if key.startswith(prefix):
            return prefix.rstrip(".")
    return key


def names_alone(grade: str, shared: bool) -> bool:
    return grade not in NEVER_ALONE_GRADES and not shared


def unique(trait: Trait) -> bool:
    return (trait.grade in UNIQUE_GRADES and not trait.shared
            and trait.confidence >= UNIQUE_CONFIDENCE)


def independent_families(traits: Iterable[Trait]) -> set[str]:
    return {family(t.key) for t in traits if names_alone(t.grade, t.shared)}


def converging(matches: Sequence[Match]) -> str | None:
    """The maker that shared traits converge on (see the module text), else None. The caller
    asks only when no trait names a maker alone."""
    pointing = {m.get("hw.maker") for m in matches if m.get("hw.maker")}
    if len(pointing) != 1:
        return None
    maker = pointing.pop()
    told = [m for m in matches if m.shared and m.shared_with and m.get("hw.maker") == maker]
    for a, b in combinations(told, 2):
        if family(a.key) != family(b.key) and not set(a.shared_with) & set(b.shared_with):
            return maker
    return None


def strength(traits: Iterable[Trait]) -> str:
    """``unique``, ``corroborated`` (two independent traits), ``single`` (one trait that may
    name the maker but is not unique to it) or ``weak`` (only shared traits or ports)."""
    traits = list(traits)
    if any(unique(t) for t in traits):
        return "unique"
    families = independent_families(traits)
    if len(families) >= 2:
        return "corroborated"
    return "single" if families else "weak"


def missing(traits: Iterable[Trait]) -> str:
    """What a maker's evidence lacks to support a covered verdict, in words."""
    traits = list(traits)
    shared = sorted({t.rule for t in traits if t.shared})
    single = sorted({t.rule for t in traits if names_alone(t.grade, t.shared)})
    parts = []
    if single:
        parts.append(f"only one independent trait ({', '.join(single)})")
    if shared:
        parts.append(f"traits that other makers' firmware shares ({', '.join(shared)})")
    if not parts:
        parts.append("no trait beyond open ports")
    return ("the evidence has " + " and ".join(parts)
            + "; a covered verdict needs a trait unique to the maker's firmware (vendor protocol"
            " or firmware grade) or two independent traits")
