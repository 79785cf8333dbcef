"""Brands and sub-brands -> the makers behind them, with source, evidence grade and dates.

Data lives in ``rules/attribution/*.yaml`` (one file per family, plus the relabelers)::

    links:
      - brand: Lorex
        maker: Dahua
        relation: subsidiary        # subsidiary | brand | affiliate | relabel
        until: 2022-11-23           # optional since/until: ownership changed
        grade: A                    # A | B | C | ? (facts' nuance kept: A/B, B-, C/B-)
        source: Dahua announcement 2022-094 (sale to Skywatch)
    examples:
      - {brand: LOREX, date: 2021-06-01, expect: [Dahua]}

Technical evidence decides a device's maker (``Device.maker``); these links only explain and
corroborate it, and their grade is quoted in verdict reasons.
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
from camaudit.rulefiles.fields import Fields
from camaudit.rulefiles.vocab import MAKERS, vocab
from camaudit.yamlfile import load_yaml

RELATIONS = {
    "subsidiary": "{maker} subsidiary",
    "brand": "{maker} brand",
    "affiliate": "{maker} affiliate",
    "relabel": "reported to relabel {maker} products",
}
OWNED = ("subsidiary", "brand", "affiliate")
_GRADE_ORDER = {"A": 0, "B": 1, "C": 2, "?": 3}


@dataclass(frozen=True)
class BrandLink:
    brand: str
    aliases: tuple[str, ...]
    maker: str
    relation: str
    since: dt.date | None
    until: dt.date | None
    grade: str
    source: str
    note: str
    file: str
    line: int

    @property
    def where(self) -> str:
        return f"{self.file}:{self.line}"

    def valid_on(self, day: dt.date) -> bool:
        started = self.since is None or self.since <= day
        return started and (self.until is None or day < self.until)

    def describe(self) -> str:
        """``brand Lorex: Dahua subsidiary until 2022-11-23 (grade A)``."""
        text = RELATIONS[self.relation].format(maker=self.maker)
        if self.since is not None:
            text += f" from {self.since.isoformat()}"
        if self.until is not None:
            text += f" until {self.until.isoformat()}"
        return f"brand {self.brand}: {text} (grade {self.grade})"


@dataclass(frozen=True)
class AttributionExample:
    brand: str
    on: dt.date | None
    expect: tuple[str, ...]
    file: str
    line: int


def normalize(brand: str) -> str:
    """Comparison key for brand names: ``CP_PLUS``, ``cp plus`` and ``CPPlus`` are one brand."""
    return re.sub(r"[\W_]+", "", brand).casefold()


_LINK_KEYS = {"brand", "aliases", "maker", "relation", "since", "until", "grade", "source", "note"}


def parse_attribution_file(text: str, filename: str
                           ) -> tuple[list[BrandLink], list[AttributionExample]]:
    doc = load_yaml(text, filename)
    top = Fields(doc, filename, 1, "attribution file", {"links", "examples"})
    links: list[BrandLink] = []
    for raw in top.items("links"):
        f = Fields(raw, filename, top.line, "link", _LINK_KEYS)
        relation = f.choice("relation", RELATIONS)
        since, until = f.date("since"), f.date("until")
        if since and until and until <= since:
            raise f.fail("until", "must come after 'since'")
        links.append(BrandLink(
            brand=f.text("brand"), aliases=f.texts("aliases"), maker=f.text("maker"),
            relation=relation, since=since, until=until, grade=f.grade("grade"),
            source=f.text("source"), note=f.text("note", ""), file=filename, line=f.line))
    examples: list[AttributionExample] = []
    for raw in top.items("examples"):
        f = Fields(raw, filename, top.line, "example", {"brand", "date", "expect"})
        expect: Any = f.raw.get("expect")
        if not isinstance(expect, list):
            raise f.fail("expect", "must be a list of makers (may be empty)")
        examples.append(AttributionExample(brand=f.text("brand"), on=f.date("date"),
                                           expect=tuple(str(m) for m in expect),
                                           file=filename, line=f.line))
    return links, examples


def attribution_dir() -> Path:
    return Path(str(resources.files("camaudit") / "rules" / "attribution"))


def load_attribution(directory: Path | None = None
                     ) -> tuple[list[BrandLink], list[AttributionExample]]:
    """Every link and example of every ``*.yaml`` in ``directory`` (default: the shipped data)."""
    directory = directory or attribution_dir()
    links: list[BrandLink] = []
    examples: list[AttributionExample] = []
    for path in sorted(directory.glob("*.yaml")):
        ls, es = parse_attribution_file(path.read_text(encoding="utf-8"), path.name)
        links += ls
        examples += es
    return links, examples


@lru_cache(maxsize=1)
def _shipped() -> tuple[BrandLink, ...]:
    return tuple(load_attribution()[0])


def _matches(link: BrandLink, key: str) -> bool:
    return key in {normalize(link.brand), *(normalize(a) for a in link.aliases)}


def brand_makers(brand: str, on: dt.date | None = None,
                 links: tuple[BrandLink, ...] | list[BrandLink] | None = None) -> list[BrandLink]:
    """Links from ``brand`` (any spelling) to makers, strongest grade first; with ``on``, only the
    links valid that day (ownership dates)."""
    key = normalize(brand)
    if not key:
        return []
    found = [lk for lk in (_shipped() if links is None else links)
             if _matches(lk, key) and (on is None or lk.valid_on(on))]
    return sorted(found, key=lambda lk: (_GRADE_ORDER.get(lk.grade[0], 9), lk.maker))


def maker_brands(maker: str, links: tuple[BrandLink, ...] | list[BrandLink] | None = None
                 ) -> list[BrandLink]:
    """Every link that names ``maker`` (its subsidiaries, brands and reported relabelers)."""
    return [lk for lk in (_shipped() if links is None else links) if lk.maker == maker]


def explain(brand: str | None, maker: str | None, on: dt.date | None = None,
            links: tuple[BrandLink, ...] | list[BrandLink] | None = None) -> list[str]:
    """What the attribution data says about ``brand`` (for verdict reasons): links to ``maker``
    first, then links to other makers; ownership that ended before ``on`` is still quoted with
    its dates, since a device may predate a sale."""
    if not brand or (maker is not None and normalize(brand) == normalize(maker)):
        return []
    found = brand_makers(brand, links=links)
    ordered = [lk for lk in found if lk.maker == maker] + [lk for lk in found if lk.maker != maker]
    return [lk.describe() for lk in ordered]


def verify_attribution(directory: Path | None = None, makers: set[str] | None = None) -> list[str]:
    """Problems in the attribution data as ``file:line: message`` strings; empty means verified."""
    try:
        links, examples = load_attribution(directory)
    except RuleError as e:
        return [str(e)]
    makers = vocab(MAKERS) if makers is None else makers
    problems: list[str] = []
    seen: dict[tuple[str, str, str], str] = {}
    for lk in links:
        if lk.maker not in makers:
            problems.append(f"{lk.where}: maker '{lk.maker}' not in vocab/makers.txt")
        ident = (normalize(lk.brand), lk.maker, lk.relation)
        if ident in seen:
            problems.append(f"{lk.where}: duplicate link {lk.brand} -> {lk.maker} "
                            f"(first at {seen[ident]})")
        seen.setdefault(ident, lk.where)
    for ex in examples:
        got = sorted({lk.maker for lk in brand_makers(ex.brand, ex.on, links)})
        if got != sorted(ex.expect):
            day = f" on {ex.on.isoformat()}" if ex.on else ""
            problems.append(f"{ex.file}:{ex.line}: example brand {ex.brand!r}{day} gives "
                            f"{got}, expected {sorted(ex.expect)}")
    return problems
