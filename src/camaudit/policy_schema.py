"""Load policy files (YAML) into ``Policy`` records, keeping file and line for every error.

A policy file is named after the policy it defines (``ndaa-889.yaml``); the format is documented
in docs/policies.md with a complete example. Fields are read with ``rulefiles.fields.Fields`` and
makers checked against ``vocab/makers.txt`` (``rulefiles.vocab``). A policy of ``kind: exposure``
(``hygiene.yaml``) judges the device's exposures instead of its maker: it lists the exposure ids
(``rules/exposure/``) that fail a device, and its statuses are ``EXPOSURE_STATUSES``. Structural
problems raise ``RuleError`` whose message names ``file:line`` and the field; semantic checks
(examples give their expected status) live in ``policy.verify_policy_files``.
``device_from_record`` reads the documented device record (JSON) back into a ``Device``;
examples and ``camaudit check --input`` both use it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from camaudit.exposure import rule_ids
from camaudit.model import GRADES, Device
from camaudit.records import device_from_record
from camaudit.rulefiles.fields import RULE_ID, Fields
from camaudit.rulefiles.vocab import known_makers, suggest
from camaudit.rulefiles.where import short
from camaudit.yamlfile import load_yaml, read_text

STATUSES = ("covered", "possible", "not-covered", "unknown")
EXPOSURE_STATUSES = ("exposed", "not-exposed", "unknown")
KINDS = ("maker", "exposure")  # what a policy judges: the firmware's maker, or exposures
MAKER_GRADES = tuple(g for g in GRADES if g != "identity")
MAX_POLICY_BYTES = 1 << 20


@dataclass(frozen=True)
class Covered:
    """One covered entity: the makers (firmware makers) that stand for it, and its wording."""

    entity: str
    makers: tuple[str, ...]
    wording: str
    scope: str | None  # None: any use; else the use the rule is limited to
    affiliates: bool
    since: dt.date | None
    grade: str
    references: tuple[str, ...]


@dataclass(frozen=True)
class Review:
    """A maker this policy cannot decide from camaudit's sources: its devices are ``unknown``."""

    maker: str
    why: str


@dataclass(frozen=True)
class PolicyExample:
    name: str
    device: Device
    on: dt.date | None
    expect: str
    reason_contains: tuple[str, ...]
    line: int


@dataclass(frozen=True)
class Policy:
    id: str
    title: str
    jurisdiction: str
    summary: str
    grade: str
    references: tuple[str, ...]
    covers: tuple[Covered, ...]
    review: tuple[Review, ...]
    min_confidence: float
    min_grade: str
    examples: tuple[PolicyExample, ...]
    file: str
    line: int
    kind: str = "maker"
    exposures: tuple[str, ...] = ()  # kind exposure: the exposure ids that fail a device

    @property
    def statuses(self) -> tuple[str, ...]:
        """The verdict statuses this policy gives."""
        return EXPOSURE_STATUSES if self.kind == "exposure" else STATUSES

    @property
    def where(self) -> str:
        return f"{self.file}:{self.line}"


_POLICY_KEYS = {"policy", "title", "jurisdiction", "summary", "grade", "references", "covers",
                "review", "thresholds", "examples", "kind", "exposures"}
_MAKER_ONLY = ("covers", "review", "thresholds")
_COVER_KEYS = {"entity", "makers", "wording", "scope", "affiliates", "since", "grade", "references"}
_EXAMPLE_KEYS = {"name", "device", "date", "expect", "reason_contains"}


def parse_policy_file(text: str, filename: str) -> Policy:
    """Parse one policy file's text; ``filename`` names it in messages and must match the id."""
    doc = load_yaml(text, filename)
    top = Fields(doc, filename, 1, "policy file", _POLICY_KEYS)
    pid = top.text("policy")
    if not RULE_ID.match(pid):
        raise top.fail("policy", f"'{pid}' must be lower-case words joined by -")
    stem = Path(filename).name.removesuffix(".yaml")
    if stem != pid:
        raise top.fail("policy", f"'{pid}' must match the file name ({stem}.yaml)")
    kind = top.choice("kind", KINDS, "maker")
    exposure = kind == "exposure"
    if exposure:
        given = next((k for k in _MAKER_ONLY if top.has(k)), None)
        if given:
            raise top.fail(given, "is for maker policies, not a policy of kind exposure")
    elif top.has("exposures"):
        raise top.fail("exposures", "needs 'kind: exposure'")
    thresholds = Fields(top.raw.get("thresholds") or {}, filename, top.line, "thresholds",
                        {"min_confidence", "min_grade"})
    min_confidence = _confidence(thresholds)
    min_grade = thresholds.choice("min_grade", MAKER_GRADES, "onvif")
    statuses = EXPOSURE_STATUSES if exposure else STATUSES
    return Policy(
        id=pid, title=top.text("title"), jurisdiction=top.text("jurisdiction"),
        summary=top.text("summary"), grade=top.grade("grade"),
        references=top.texts("references", required=True),
        covers=() if exposure else tuple(_covered(c, filename, top.line)
                                         for c in top.items("covers")),
        review=tuple(_review(r, filename, top.line) for r in top.items("review", required=False)),
        min_confidence=min_confidence, min_grade=min_grade,
        examples=tuple(_example(e, filename, top.line, statuses) for e in top.items("examples")),
        file=filename, line=top.line, kind=kind,
        exposures=_exposure_ids(top) if exposure else (),
    )


def _exposure_ids(f: Fields) -> tuple[str, ...]:
    ids = f.texts("exposures", required=True)
    known = rule_ids()
    for x in ids:
        if x not in known:
            near = suggest(x, frozenset(known))
            hint = f" (did you mean '{near}'?)" if near else ""
            raise f.fail("exposures", f"'{x}' is not an exposure id in rules/exposure{hint}")
    return ids


def _confidence(f: Fields) -> float:
    value = f.raw.get("min_confidence", 0.5)
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 1:
        raise f.fail("min_confidence", f"must be a number within 0..1, not {short(value)}")
    return float(value)


def _covered(raw: Any, filename: str, line: int) -> Covered:
    f = Fields(raw, filename, line, "covers entry", _COVER_KEYS)
    affiliates = f.raw.get("affiliates", False)
    if not isinstance(affiliates, bool):
        raise f.fail("affiliates", f"must be true or false, not {short(affiliates)}")
    return Covered(
        entity=f.text("entity"), makers=known_makers(f, "makers"),
        wording=f.text("wording"), scope=f.text("scope") if f.has("scope") else None,
        affiliates=affiliates, since=f.date("since"), grade=f.grade("grade"),
        references=f.texts("references"),
    )


def _review(raw: Any, filename: str, line: int) -> Review:
    f = Fields(raw, filename, line, "review entry", {"maker", "why"})
    return Review(maker=known_makers(f, "maker")[0], why=f.text("why"))


def example_device(f: Fields) -> Device:
    """The ``device`` of a rule example: a device record mapping (docs/records.md)."""
    if not isinstance(f.raw.get("device"), dict):
        raise f.fail("device", "must be a device record mapping (see docs/records.md)")
    try:
        return device_from_record(f.raw["device"], example=True)
    except (TypeError, ValueError) as e:
        raise f.fail("device", f"is not a device record: {e}") from e


def _example(raw: Any, filename: str, line: int,
             statuses: tuple[str, ...] = STATUSES) -> PolicyExample:
    f = Fields(raw, filename, line, "example", _EXAMPLE_KEYS)
    expect = f.text("expect")
    if expect not in statuses:
        raise f.fail("expect", f"'{expect}' is not a status ({', '.join(statuses)})")
    device = example_device(f)
    return PolicyExample(name=f.text("name"), device=device, on=f.date("date"), expect=expect,
                         reason_contains=f.texts("reason_contains"), line=f.line)


def policies_dir() -> Path:
    return Path(str(resources.files("camaudit") / "rules" / "policies"))


def policy_names() -> list[str]:
    """Ids of the shipped policies, sorted."""
    return sorted(p.name.removesuffix(".yaml") for p in policies_dir().glob("*.yaml"))


def read_policy(path: Path) -> Policy:
    """A user's policy file, read up to ``MAX_POLICY_BYTES`` (``RuleError`` beyond)."""
    return parse_policy_file(read_text(path, "policy file", MAX_POLICY_BYTES), str(path))
