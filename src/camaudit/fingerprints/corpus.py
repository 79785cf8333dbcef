"""The real-reply corpus: replies real devices sent, each with its maker, and the measure of rules.

A corpus directory holds YAML lists (``tests/corpus/README.md`` gives the format). Every entry
is identified exactly as ``camaudit identify --as KIND`` would, then judged by the default
policies. From that come, per rule, hits and false hits (the rule named a maker other than the
entry's), per maker, how many replies were named right, wrong or not at all, the precision of
each confidence band, and the false covered claims: a covered verdict on a device whose maker no
policy covers. ``camaudit rules verify --corpus DIR`` prints this and fails on any false hit.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from camaudit.devices import Identity
from camaudit.errors import RuleError, UsageError
from camaudit.fingerprints.matcher import Matcher, default_matcher
from camaudit.fingerprints.schema import Rule
from camaudit.model import Device, Evidence
from camaudit.yamlfile import load_yaml

_ID = re.compile(r"^[a-z0-9]+(?:[-_.][a-z0-9]+)*$")
_REQUIRED = ("id", "kind", "maker", "maker_basis", "source")
_FIELDS = {*_REQUIRED, "label", "stack", "device", "trimmed", "value", "value_base64", "note",
           "__line__"}
BANDS = ((0.9, 1.0), (0.75, 0.9), (0.5, 0.75), (0.0, 0.5))
COVERED_MAKERS_OF_INTEREST = ("Hikvision", "Dahua", "Xiongmai")


@dataclass(frozen=True)
class Entry:
    id: str
    kind: str
    maker: str
    label: str | None
    basis: str
    source: str
    stack: str | None
    data: bytes
    where: str


@dataclass(frozen=True)
class Outcome:
    entry: Entry
    named: str | None
    confidence: float
    rules: tuple[str, ...]  # rules that named a maker
    false_rules: tuple[str, ...]  # rules that alone named another maker than the entry's
    shared_false: tuple[str, ...]  # shared-trait rules that pointed at another maker
    covered: tuple[str, ...]  # policies that called the device covered
    possible: tuple[str, ...]  # policies that called it possibly covered
    error: str = ""

    @property
    def right(self) -> bool:
        return self.named == self.entry.maker

    @property
    def wrong(self) -> bool:
        return self.named is not None and self.named != self.entry.maker


@dataclass
class Report:
    outcomes: list[Outcome]
    covered_makers: frozenset[str]
    rule_hits: Counter[str] = field(default_factory=Counter)
    rule_false: Counter[str] = field(default_factory=Counter)
    shared_rules: frozenset[str] = frozenset()

    @property
    def false_covered(self) -> list[Outcome]:
        return [o for o in self.outcomes
                if o.covered and o.entry.maker not in self.covered_makers]

    def recall(self, makers: Sequence[str]) -> tuple[int, int]:
        mine = [o for o in self.outcomes if o.entry.maker in makers]
        return sum(o.right for o in mine), len(mine)

    def others_named(self) -> tuple[int, int]:
        others = [o for o in self.outcomes if o.entry.maker not in COVERED_MAKERS_OF_INTEREST]
        return sum(o.right for o in others), len(others)

    def band_precision(self) -> list[tuple[str, int, int]]:
        rows = []
        for lo, hi in BANDS:
            named = [o for o in self.outcomes
                     if o.named is not None and lo <= o.confidence < hi + (hi == 1.0)]
            rows.append((f"{lo:.2f}-{hi:.2f}", sum(o.right for o in named), len(named)))
        return rows

    def problems(self) -> list[str]:
        """A rule that names the wrong maker for a corpus reply fails verification."""
        out = []
        for o in self.outcomes:
            if o.error:
                out.append(f"{o.entry.where}: {o.entry.id}: identify failed: {o.error}")
            for rid in o.false_rules:
                out.append(f"{o.entry.where}: rule {rid} names {o.named or 'a maker'} for corpus "
                           f"reply {o.entry.id} of {o.entry.maker} ({o.entry.source})")
            if o.covered and o.entry.maker not in self.covered_makers:
                out.append(f"{o.entry.where}: corpus reply {o.entry.id} of {o.entry.maker} is "
                           f"called covered by {', '.join(o.covered)}")
        return out


def _entry(raw: object, path: Path, known_kinds: set[str]) -> Entry:
    if not isinstance(raw, dict):
        raise RuleError(f"{path}: every corpus entry must be a mapping")
    where = f"{path}:{raw.get('__line__', 0)}"
    for name in _REQUIRED:
        if not isinstance(raw.get(name), str) or not raw[name].strip():
            raise RuleError(f"{where}: corpus entry needs '{name}' (text)")
    unknown = set(raw) - _FIELDS
    if unknown:
        raise RuleError(f"{where}: unknown field(s) {', '.join(sorted(map(str, unknown)))}")
    if not _ID.match(raw["id"]):
        raise RuleError(f"{where}: id {raw['id']!r} must be lower-case words joined by -")
    if raw["kind"] not in known_kinds:
        raise RuleError(f"{where}: {raw['id']}: kind {raw['kind']!r} is not an identify kind")
    if ("value" in raw) == ("value_base64" in raw):
        raise RuleError(f"{where}: {raw['id']}: give exactly one of 'value' and 'value_base64'")
    if "value" in raw:
        data = str(raw["value"]).encode("utf-8")
    else:
        try:
            data = base64.b64decode(str(raw["value_base64"]), validate=False)
        except (binascii.Error, ValueError) as e:
            raise RuleError(f"{where}: {raw['id']}: value_base64 is not base64: {e}") from e
    if not data.strip():
        raise RuleError(f"{where}: {raw['id']}: empty value")
    return Entry(id=raw["id"], kind=raw["kind"], maker=raw["maker"].strip(),
                 label=raw.get("label"), basis=raw["maker_basis"], source=raw["source"],
                 stack=raw.get("stack"), data=data, where=where)


def load_corpus(directory: Path) -> list[Entry]:
    """Every entry of every ``*.yaml`` in ``directory``; ``RuleError`` names ``file:line``."""
    from camaudit.kinds import KINDS

    if not directory.is_dir():
        raise UsageError(f"corpus directory '{directory}' does not exist")
    entries: list[Entry] = []
    seen: dict[str, str] = {}
    for path in sorted(directory.glob("*.yaml")):
        doc = load_yaml(path.read_text(encoding="utf-8"), str(path))
        if doc is None:
            continue
        if not isinstance(doc, list):
            raise RuleError(f"{path}:1: a corpus file is a YAML list of entries")
        for raw in doc:
            e = _entry(raw, path, set(KINDS))
            if e.id in seen:
                raise RuleError(f"{e.where}: duplicate corpus id {e.id!r} (first at {seen[e.id]})")
            seen[e.id] = e.where
            entries.append(e)
    return entries


def device_of(ident: Identity) -> Device:
    """The device record ``identify`` output stands for, so policies can judge it."""
    return Device(
        ip="0.0.0.0", maker=ident.maker, brand=ident.brand, relabeled=ident.relabeled,  # noqa: S104
        model=ident.model, firmware=ident.firmware, serial=ident.serial,
        device_type=ident.device_type, confidence=ident.confidence,
        evidence=tuple(Evidence(m.source, m.key, m.value, m.rule) for m in ident.matches))


def run(entries: Sequence[Entry], rules: Sequence[Rule] | None = None,
        on: dt.date | None = None) -> Report:
    """Identify and judge every entry."""
    from camaudit.identify import identify_bytes
    from camaudit.policy import covered_makers, evaluate, load_policies

    matcher = Matcher(rules) if rules is not None else default_matcher()
    index = {r.id: r for r in (rules if rules is not None else _all(matcher))}
    policies = load_policies()
    report = Report([], frozenset().union(*(covered_makers(p, on) for p in policies)),
                    shared_rules=frozenset(r.id for r in index.values() if r.shared))
    for e in entries:
        try:
            ident = identify_bytes(e.kind, e.data, matcher)
        except UsageError as err:
            report.outcomes.append(Outcome(e, None, 0.0, (), (), (), (), (), str(err)))
            continue
        namers = [m for m in ident.matches if m.get("hw.maker") is not None]
        false = {m.rule for m in namers if m.get("hw.maker") != e.maker}
        for m in namers:
            report.rule_hits[m.rule] += 1
        for rid in false:
            report.rule_false[rid] += 1
        verdicts = evaluate(device_of(ident), policies, on=on, rules=index)
        report.outcomes.append(Outcome(
            e, ident.maker, ident.confidence, tuple(sorted({m.rule for m in namers})),
            tuple(sorted(r for r in false if not index[r].shared)),
            tuple(sorted(r for r in false if index[r].shared)),
            tuple(v.policy for v in verdicts if v.status == "covered"),
            tuple(v.policy for v in verdicts if v.status == "possible")))
    return report


def _all(matcher: Matcher) -> list[Rule]:
    return [r for rules in matcher.by_key.values() for r in rules]


def render(report: Report) -> str:
    """The corpus table: totals, per maker, per confidence band, per rule that fired."""
    lines = []
    hits, total = report.recall(COVERED_MAKERS_OF_INTEREST)
    others, n_others = report.others_named()
    lines.append(f"corpus: {len(report.outcomes)} replies; false covered claims: "
                 f"{len(report.false_covered)}")
    lines.append(f"recall of {', '.join(COVERED_MAKERS_OF_INTEREST)}: {hits}/{total} "
                 f"({_pct(hits, total)}); other makers named: {others}/{n_others} "
                 f"({_pct(others, n_others)})")
    lines.append("")
    lines.append(f"{'maker':<22}{'replies':>8}{'right':>7}{'wrong':>7}{'unnamed':>9}")
    by_maker: dict[str, list[Outcome]] = {}
    for o in report.outcomes:
        by_maker.setdefault(o.entry.maker, []).append(o)
    for maker in sorted(by_maker, key=lambda m: (-len(by_maker[m]), m)):
        os_ = by_maker[maker]
        right = sum(o.right for o in os_)
        wrong = sum(o.wrong for o in os_)
        lines.append(f"{maker[:21]:<22}{len(os_):>8}{right:>7}{wrong:>7}"
                     f"{len(os_) - right - wrong:>9}")
    lines.append("")
    lines.append(f"{'confidence':<12}{'named':>7}{'right':>7}{'precision':>11}")
    for band, right, named in report.band_precision():
        lines.append(f"{band:<12}{named:>7}{right:>7}{_pct(right, named):>11}")
    lines.append("")
    lines.append(f"{'rule':<44}{'hits':>6}{'false':>7}  (shared: reinforces only)")
    for rid, n in sorted(report.rule_hits.items(), key=lambda kv: (-kv[1], kv[0])):
        note = "  shared" if rid in report.shared_rules else ""
        lines.append(f"{rid:<44}{n:>6}{report.rule_false.get(rid, 0):>7}{note}")
    return "\n".join(lines)


def _pct(a: int, b: int) -> str:
    return f"{100.0 * a / b:.1f}%" if b else "-"
