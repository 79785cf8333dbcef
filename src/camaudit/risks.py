"""Device -> known vulnerabilities (``Device.risks``) under the rules in ``rules/risks/``.

Only the CVEs in the facts are known (docs/risks.md). For each rule and device:

1. **Maker or label.** The device's maker must be the rule's maker; a rule that names a brand
   (the CVE names a label, e.g. Amcrest) needs that brand and a maker that is the rule's, the
   brand itself, or not determined. Otherwise no entry.
2. **Model.** A rule that lists model series needs the device's model to match one of them; a
   device whose model is unknown, or in no listed series, gets no entry for it.
3. **Firmware.** ``affected`` when the firmware falls within the series' range (Hikvision
   version and build) or was built before its date (a build date in the firmware string);
   ``possible`` when the firmware is unknown, unreadable, gives too little (a version that the
   range starts or ends in, without its build), or when the facts state no range at all
   (``range_unknown``, or a series with only a ``note``); ``not-affected`` when the firmware is
   read and lies outside the range (or was built on or after the date) of every listed series
   the model is in: the basis names the firmware and the ranges. Parsing never raises:
   unreadable firmware is "possible", never an error. A ``not-affected`` entry is a record of a
   check, not a vulnerability: reports neither list nor count it as one.

Each entry is ``{cve, kev, basis, status, title, grade, kev_grade, source}``; ``basis`` is one
sentence naming the fields that matched and how, so a reader can check it.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from camaudit.attribution import normalize
from camaudit.errors import RuleError
from camaudit.firmware import HikvisionFirmware, build_date, parse_hikvision, position
from camaudit.model import Device, Risk
from camaudit.risk_schema import RiskRule, Series, load_risk_rules, shipped_risk_rules
from camaudit.rulefiles.vocab import BRANDS, MAKERS, vocab

STATUS_RANK = {"affected": 0, "possible": 1, "not-affected": 2}
VULNERABLE = ("affected", "possible")  # statuses that are vulnerabilities; not-affected is not
MAX_SHOWN = 80  # characters of a device's firmware or model quoted in a basis

__all__ = ["VULNERABLE", "Assessment", "assess", "risks_of", "verify_risks", "with_risks"]


@dataclass(frozen=True)
class Assessment:
    """One risk rule's assessment of a device: its status, the basis, and the deciding series;
    ``record()`` is the ``model.Risk`` the device record keeps."""

    rule: RiskRule
    status: str  # affected | possible | not-affected
    basis: str
    series: Series | None  # the series that decided; None for a rule without ranges

    def record(self) -> Risk:
        r = self.rule
        return Risk(cve=r.id, status=self.status, basis=self.basis,
                    kev=r.kev.isoformat() if r.kev else None, title=r.title, grade=r.grade,
                    kev_grade=r.kev_grade, source=r.source)


def _shown(value: str) -> str:
    value = " ".join(value.split())
    return value if len(value) <= MAX_SHOWN else value[:MAX_SHOWN] + "…"


def _quoted(firmware: str) -> str:
    """The firmware as the basis quotes it: in double quotes when it holds a comma of its own."""
    shown = _shown(firmware)
    return f'"{shown}"' if "," in shown else shown


def _same(a: str | None, b: str | None) -> bool:
    return a is not None and b is not None and normalize(a) == normalize(b)


def _who(rule: RiskRule, d: Device) -> str | None:
    """The maker/brand part of the basis, or None when the device is not the rule's."""
    if rule.brand is not None:
        if not _same(d.brand, rule.brand):
            return None
        if d.maker is None:
            return f"brand {rule.brand} (maker not determined)"
        if not (_same(d.maker, rule.maker) or _same(d.maker, rule.brand)):
            return None
        return f"brand {rule.brand} (maker {d.maker})"
    if not _same(d.maker, rule.maker):
        return None
    label = f" (brand {_shown(d.brand)})" if d.brand and not _same(d.brand, d.maker) else ""
    return f"maker {rule.maker}{label}"


def _firmware_range(first: HikvisionFirmware, last: HikvisionFirmware, firmware: str | None
                    ) -> tuple[str | None, str]:
    span = f"{first.text} to {last.text}"
    if not firmware:
        return "possible", f"firmware unknown (affected: {span})"
    shown = _quoted(firmware)
    parsed = parse_hikvision(firmware)
    if parsed is None:
        return "possible", (f"firmware {shown} not readable as V<version> build <YYMMDD> "
                            f"(affected: {span})")
    where = position(parsed, first, last)
    if where == "outside":
        return None, f"firmware {shown} outside {span}"
    if where == "unsure":
        return "possible", (f"firmware {shown} gives no build, and the range {span} starts or "
                            f"ends within {parsed.version_text}")
    return "affected", f"firmware {shown} within {span}"


def _build_limit(before: dt.date, firmware: str | None) -> tuple[str | None, str]:
    limit = f"built before {before.isoformat()}"
    if not firmware:
        return "possible", f"firmware unknown (affected: {limit})"
    shown = _quoted(firmware)
    built = build_date(firmware)
    if built is None:
        return "possible", f"firmware {shown} carries no build date (affected: {limit})"
    if built < before:
        return "affected", f"firmware {shown} built {built.isoformat()}, before {before}"
    return None, f"firmware {shown} built {built.isoformat()}, not before {before}"


def _judge(s: Series, firmware: str | None) -> tuple[str | None, str]:
    """(status or None for "not affected", the firmware part of the basis)."""
    if s.first is not None and s.last is not None:
        return _firmware_range(s.first, s.last, firmware)
    if s.built_before is not None:
        return _build_limit(s.built_before, firmware)
    return "possible", f"the facts give no firmware limit for this series ({s.note})"


def assess(d: Device, rule: RiskRule) -> Assessment | None:
    """The risk ``rule`` finds on ``d``, or None (not its maker or model): ``not-affected`` when
    the firmware is read and outside the limit of every listed series the model is in."""
    who = _who(rule, d)
    if who is None:
        return None
    if not rule.affected:
        return Assessment(rule, "possible", f"{who}; affected models and firmware versions "
                          f"are not known to camaudit ({rule.range_unknown})", None)
    best: Assessment | None = None
    outside: list[tuple[Series, str]] = []  # matched series whose limit the firmware is past
    for s in rule.affected:
        if not s.covers(d.model):
            continue
        status, text = _judge(s, d.firmware)
        if status is None:
            outside.append((s, text))
            continue
        found = Assessment(rule, status,
                           f"{who}, model {_shown(str(d.model))} in series {s.name}, {text}", s)
        if best is None or STATUS_RANK[status] < STATUS_RANK[best.status]:
            best = found
    if best is None and outside:
        each = "; ".join(f"in series {s.name}, {text}" for s, text in outside)
        return Assessment(rule, "not-affected", f"{who}, model {_shown(str(d.model))} {each}",
                          outside[0][0])
    return best


def risks_of(d: Device, rules: Sequence[RiskRule] | None = None) -> tuple[Risk, ...]:
    """The ``risks`` entries of ``d`` under ``rules`` (default: the shipped rules), in rule
    order."""
    found = (assess(d, r) for r in (shipped_risk_rules() if rules is None else rules))
    return tuple(r.record() for r in found if r is not None)


def with_risks(devices: Sequence[Device], rules: Sequence[RiskRule] | None = None
               ) -> list[Device]:
    """``devices`` with their ``risks`` replaced by what ``rules`` find (default: shipped)."""
    chosen = shipped_risk_rules() if rules is None else rules
    return [dataclasses.replace(d, risks=risks_of(d, chosen)) for d in devices]


def _check_rule(rule: RiskRule) -> list[str]:
    problems: list[str] = []
    decided: set[int] = set()
    for ex in rule.examples:
        at = f"{rule.file}:{ex.line}"
        got = assess(ex.device, rule)
        status = "none" if got is None else got.status
        if status != ex.expect:
            why = f": {got.basis}" if got is not None else ""
            problems.append(f"{at}: example of {rule.id} is {status}, expected {ex.expect}{why}")
            continue
        if got is None:
            continue
        if got.series is not None:
            decided.add(got.series.line)
        for text in ex.basis_contains:
            if text not in got.basis:
                problems.append(f"{at}: example of {rule.id}: basis lacks {text!r}: {got.basis}")
    expects = {ex.expect for ex in rule.examples}
    if not expects & set(VULNERABLE):
        problems.append(f"{rule.where}: {rule.id}: needs an example device that matches")
    if "none" not in expects:
        problems.append(f"{rule.where}: {rule.id}: needs an example device that must not match")
    if any(s.first or s.built_before for s in rule.affected):
        problems += [f"{rule.where}: {rule.id}: needs an example device that is {status}"
                     for status in ("affected", "not-affected") if status not in expects]
    for s in rule.affected:
        if s.line not in decided:
            problems.append(f"{rule.file}:{s.line}: {rule.id}: series {s.name} has no example "
                            "device that matches it")
    return problems


def verify_risks(directory: Path | None = None, makers: set[str] | None = None,
                 brands: set[str] | None = None) -> list[str]:
    """Problems in the risk rules of ``directory`` (default: the shipped ones) as
    ``file:line: message`` strings; empty means verified. Every example must give its expected
    status, every series must be exercised, makers and brands must be in the vocabulary."""
    try:
        rules = load_risk_rules(directory)
    except RuleError as e:
        return [str(e)]
    makers = vocab(MAKERS) if makers is None else makers
    labels = makers | (vocab(BRANDS) if brands is None else brands)
    problems: list[str] = []
    seen: dict[str, str] = {}
    for rule in rules:
        if rule.maker not in makers:
            problems.append(f"{rule.where}: {rule.id}: maker '{rule.maker}' not in "
                            "vocab/makers.txt")
        if rule.brand is not None and rule.brand not in labels:
            problems.append(f"{rule.where}: {rule.id}: brand '{rule.brand}' not in "
                            "vocab/brands.txt or makers.txt")
        if rule.id in seen:
            problems.append(f"{rule.where}: {rule.id} is given twice (first at {seen[rule.id]})")
        seen.setdefault(rule.id, rule.where)
        problems += _check_rule(rule)
    return problems
