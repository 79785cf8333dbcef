"""The one rule verifier, run by ``camaudit rules verify`` and by the test suite.

For every rule it checks (each failure is a ``file:line: message`` string):

* ids are unique, lower-case and hyphenated;
* the file's key is in ``vocab/keys.txt``, set/capture fields in ``vocab/fields.txt``, makers,
  brands and device types in their vocabularies;
* capture groups: the groups named in ``capture`` are exactly the pattern's groups;
* every example matches its rule, **and no earlier rule for the same key** (shadowing; a shared
  rule shadows nothing, since matching goes on past it), and yields exactly the fields it
  expects;
* a rule that names a maker matches none of the generic negatives (plain web servers, bare RTSP
  replies, other vendors' banners), unless the negative entry is that maker's own.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from camaudit.fingerprints.matcher import apply
from camaudit.fingerprints.schema import Rule, load_rules
from camaudit.rulefiles.fields import Fields, id_problems
from camaudit.rulefiles.vocab import BRANDS, DEVICE_TYPES, FIELDS, KEYS, MAKERS, SHARERS, vocab
from camaudit.rulefiles.where import rule_error
from camaudit.yamlfile import load_yaml

_NEGATIVE_KEYS = {"key", "value", "maker", "note"}


@dataclass(frozen=True)
class Negative:
    key: str
    value: str
    maker: str | None
    where: str


def load_negatives(directory: Path) -> list[Negative]:
    """Negative corpus: YAML lists of ``{key, value, maker?, note?}`` in ``directory``.
    A malformed file or entry raises ``RuleError('file:line: ...')``."""
    out: list[Negative] = []
    for path in sorted(directory.glob("*.yaml")):
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as err:
            raise rule_error(path.name, 0, f"cannot read negatives file: {err}") from err
        entries = load_yaml(text, path.name)
        if entries is None:
            continue
        if not isinstance(entries, list):
            raise rule_error(path.name, 1, "a negatives file is a list of {key, value, maker?, "
                                           "note?}")
        for i, entry in enumerate(entries):
            f = Fields(entry, path.name, 0, f"negative #{i + 1}", _NEGATIVE_KEYS)
            out.append(Negative(key=f.text("key"), value=f.scalar("value"),
                                maker=f.text("maker") if f.has("maker") else None,
                                where=f"{path.name}#{i + 1}"))
    return out


def _check_vocab(rule: Rule, keys: set[str], fields: set[str], makers: set[str],
                 brands: set[str], types: set[str]) -> list[str]:
    problems: list[str] = []
    if rule.key not in keys:
        problems.append(f"{rule.where}: key '{rule.key}' is not in vocab/keys.txt")
    for name in list(rule.set) + list(rule.capture.values()):
        if name not in fields:
            problems.append(f"{rule.where}: rule {rule.id}: field '{name}' not in vocab/fields.txt")
    maker = rule.set.get("hw.maker")
    if maker is not None and maker not in makers:
        problems.append(f"{rule.where}: rule {rule.id}: maker '{maker}' not in vocab/makers.txt")
    brand = rule.set.get("hw.brand")
    if brand is not None and brand not in makers | brands:
        problems.append(f"{rule.where}: rule {rule.id}: brand '{brand}' not in vocab/brands.txt")
    for sharer in rule.shared_with:
        if sharer not in vocab(SHARERS):
            problems.append(f"{rule.where}: rule {rule.id}: sharer '{sharer}' not in "
                            "vocab/sharers.txt")
    dtype = rule.set.get("hw.device_type")
    if dtype is not None and dtype not in types:
        problems.append(f"{rule.where}: rule {rule.id}: device type '{dtype}' not in vocab")
    return problems


def verify(rules: list[Rule] | None = None, negatives: list[Negative] | None = None) -> list[str]:
    """All problems found in ``rules`` (default: the shipped rules); empty means verified."""
    rules = load_rules() if rules is None else rules
    keys, fields = vocab(KEYS), vocab(FIELDS)
    makers, brands, types = vocab(MAKERS), vocab(BRANDS), vocab(DEVICE_TYPES)
    problems: list[str] = []
    seen: dict[str, str] = {}
    earlier: dict[str, list[Rule]] = {}
    for rule in rules:
        problems += id_problems(rule.id, rule.where, seen)
        problems += _check_vocab(rule, keys, fields, makers, brands, types)
        groups = set(range(1, rule.pattern.groups + 1))
        if set(rule.capture) != groups:
            problems.append(
                f"{rule.where}: rule {rule.id}: pattern has {rule.pattern.groups} group(s) but "
                f"capture names {sorted(rule.capture)} (use (?:...) for groups you do not keep)")
        if not rule.examples:
            problems.append(f"{rule.where}: rule {rule.id}: needs at least one example")
        before = earlier.setdefault(rule.key, [])
        for ex in rule.examples:
            got = apply(rule, ex.value)
            at = f"{rule.file}:{ex.line}"
            if got is None:
                problems.append(f"{at}: rule {rule.id}: example {ex.value!r} does not match")
                continue
            for prior in before:
                if not prior.shared and apply(prior, ex.value) is not None:
                    problems.append(f"{at}: rule {rule.id}: example {ex.value!r} is shadowed by "
                                    f"earlier rule {prior.id} ({prior.where})")
                    break
            for name, want in ex.expect.items():
                if got.get(name) != want:
                    problems.append(f"{at}: rule {rule.id}: example {ex.value!r} gives "
                                    f"{name}={got.get(name)!r}, expected {want!r}")
        before.append(rule)
    for neg in negatives or []:
        for rule in earlier.get(neg.key, []):
            if not rule.names_maker:
                continue
            fields_ = apply(rule, neg.value)
            if fields_ is not None and fields_.get("hw.maker") != neg.maker:
                problems.append(f"{rule.where}: rule {rule.id} matches generic negative "
                                f"{neg.where} ({neg.key}={neg.value[:60]!r})")
    return problems
