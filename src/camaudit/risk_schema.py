"""Load vulnerability rules (``rules/risks/*.yaml``) into ``RiskRule`` records.

One file per vendor; the format is documented in docs/risks.md::

    risks:
      - id: CVE-2017-7921
        maker: Hikvision              # as rules/vocab/makers.txt spells it
        brand: Amcrest                # optional: the CVE names a label, not a maker
        title: Hikvision IP cameras, improper authentication (CWE-287)
        grade: A                      # evidence grade of the CVE facts (A, B, C, ?)
        source: CVEProject/cvelistV5 cves/2017/7xxx/CVE-2017-7921.json
        kev: 2026-03-05               # date CISA added it to KEV, or null
        kev_grade: B                  # optional: grade of the KEV date, when not ``grade``
        affected:                     # the series the facts list ...
          - series: DS-2CD2xx2F-I     # the facts' spelling
            model: '^DS-2CD2\\d\\d2F-I' # regex, case-insensitive, from the model's start
            firmware: {from: V5.2.0 build 140721, to: V5.4.0 build 160530}
          - {series: IPC-HX3xxx, model: '^IPC-H[A-Z]{1,4}3', built_before: 2021-06-01}
          - {series: NVR1xxx, model: '^NVR1', note: why the facts give no limit}
        range_unknown: why            # ... or, instead of affected: no range is known
        examples:                     # affected | possible | not-affected | none
          - {device: {maker: Hikvision, model: DS-2CD2142FWD-I}, expect: possible}

Structural problems raise ``RuleError`` naming ``file:line`` and the field; the examples are
checked by ``risks.verify_risks``.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from camaudit.errors import RuleError
from camaudit.firmware import HikvisionFirmware, parse_hikvision
from camaudit.model import Device
from camaudit.policy_schema import example_device
from camaudit.rulefiles.fields import Fields
from camaudit.yamlfile import load_yaml

CVE_ID = re.compile(r"^CVE-\d{4}-\d{4,}$")
EXPECTS = ("affected", "possible", "not-affected", "none")

_RULE_KEYS = {"id", "maker", "brand", "title", "grade", "source", "kev", "kev_grade", "affected",
              "range_unknown", "examples"}
_SERIES_KEYS = {"series", "model", "firmware", "built_before", "note"}
_EXAMPLE_KEYS = {"device", "expect", "basis_contains"}


@dataclass(frozen=True)
class Series:
    """One model series the facts list, and its limit: a firmware range (``first``..``last``,
    inclusive), a build date (``built_before``, exclusive), or neither (``note`` says why)."""

    name: str
    model: re.Pattern[str]
    first: HikvisionFirmware | None
    last: HikvisionFirmware | None
    built_before: dt.date | None
    note: str
    line: int

    def covers(self, model: str | None) -> bool:
        return bool(model) and self.model.match(str(model).strip()) is not None


@dataclass(frozen=True)
class RiskExample:
    device: Device
    expect: str  # affected | possible | not-affected | none
    basis_contains: tuple[str, ...]
    line: int


@dataclass(frozen=True)
class RiskRule:
    id: str
    maker: str
    brand: str | None
    title: str
    grade: str
    source: str
    kev: dt.date | None
    kev_grade: str | None
    affected: tuple[Series, ...]  # empty: the facts give no range (``range_unknown`` says why)
    range_unknown: str
    examples: tuple[RiskExample, ...]
    file: str
    line: int

    @property
    def where(self) -> str:
        return f"{self.file}:{self.line}"


def parse_risk_file(text: str, filename: str) -> list[RiskRule]:
    """The rules of one risk file's text; ``filename`` names it in messages."""
    doc = load_yaml(text, filename)
    top = Fields(doc, filename, 1, "risk file", {"risks"})
    return [_rule(raw, filename, top.line) for raw in top.items("risks")]


def _rule(raw: Any, filename: str, line: int) -> RiskRule:
    f = Fields(raw, filename, line, "risk rule", _RULE_KEYS)
    rid = f.text("id")
    if not CVE_ID.match(rid):
        raise f.fail("id", f"'{rid}' is not a CVE id (CVE-YYYY-NNNN)")
    kev = f.date("kev")
    kev_grade = f.grade("kev_grade") if f.has("kev_grade") else None
    if kev_grade is not None and kev is None:
        raise f.fail("kev_grade", "needs a 'kev' date")
    has_series, has_unknown = f.has("affected"), f.has("range_unknown")
    if has_series == has_unknown:
        raise f.fail("affected", "or 'range_unknown' must be given, and not both")
    return RiskRule(
        id=rid, maker=f.text("maker"), brand=f.text("brand") if f.has("brand") else None,
        title=f.text("title"), grade=f.grade("grade"), source=f.text("source"), kev=kev,
        kev_grade=(kev_grade or f.grade("grade")) if kev else None,
        affected=tuple(_series(s, filename, f.line) for s in f.items("affected", False)),
        range_unknown=f.text("range_unknown", ""),
        examples=tuple(_example(e, filename, f.line) for e in f.items("examples")),
        file=filename, line=f.line,
    )


def _firmware(f: Fields, name: str, value: Any) -> HikvisionFirmware:
    parsed = parse_hikvision(str(value)) if isinstance(value, str) else None
    if parsed is None or parsed.build is None:
        raise f.fail("firmware", f"'{name}' must read 'V<version> build <YYMMDD>', not {value!r}")
    return parsed


def _series(raw: Any, filename: str, line: int) -> Series:
    f = Fields(raw, filename, line, "affected series", _SERIES_KEYS)
    pattern = f.text("model")
    try:
        model = re.compile(pattern, re.IGNORECASE)
    except re.error as e:
        raise f.fail("model", f"is not a regular expression: {e}") from e
    first = last = None
    if f.has("firmware"):
        span = Fields(f.raw["firmware"], filename, f.line, "firmware range", {"from", "to"})
        first = _firmware(f, "from", span.raw.get("from"))
        last = _firmware(f, "to", span.raw.get("to"))
        if (last.version, last.build) < (first.version, first.build):
            raise f.fail("firmware", f"range ends ({last.text}) before it starts ({first.text})")
    before = f.date("built_before")
    limits = [n for n in ("firmware", "built_before", "note") if f.has(n)]
    if len(limits) != 1:
        raise f.fail("firmware", "or 'built_before' or 'note' (why there is no limit) must be "
                                 "given, exactly one")
    return Series(name=f.text("series"), model=model, first=first, last=last,
                  built_before=before, note=f.text("note", ""), line=f.line)


def _example(raw: Any, filename: str, line: int) -> RiskExample:
    f = Fields(raw, filename, line, "example", _EXAMPLE_KEYS)
    expect = f.choice("expect", EXPECTS)
    device = example_device(f)
    return RiskExample(device=device, expect=expect,
                       basis_contains=f.texts("basis_contains"), line=f.line)


def risks_dir() -> Path:
    return Path(str(resources.files("camaudit") / "rules" / "risks"))


def load_risk_rules(directory: Path | None = None) -> list[RiskRule]:
    """Every rule of every ``*.yaml`` in ``directory`` (default: the shipped rules), in file
    name order. Raises ``RuleError`` naming file:line and field."""
    directory = directory or risks_dir()
    rules: list[RiskRule] = []
    for path in sorted(directory.glob("*.yaml")):
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as e:
            raise RuleError(f"{path.name}:0: cannot read risk file: {e}") from e
        rules += parse_risk_file(text, path.name)
    return rules


@lru_cache(maxsize=1)
def shipped_risk_rules() -> tuple[RiskRule, ...]:
    return tuple(load_risk_rules())
