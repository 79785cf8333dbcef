"""Load screening rules (YAML in ``rules/screening/``) into records, keeping file:line for errors.

Four kinds of file, told apart by their top-level key (docs/screening.md has the format)::

    groups:        # groups.yaml: named term lists, used in rules as @name
      uyghur: {description: ..., source: ..., terms: ["Uyghur*", "维族"]}
    rules:         # any other file: rules
      - id: uyghur-face-analytics
        terms: ["@uyghur"]            # what the rule looks for
        near: ["@face-analytics"]     # optional: must stand within `window` characters
        window: 40
        grade: B                      # evidence grade of the source: A, A-, B, C, ?
        severity: high                # high, medium, low
        source: "facts §7: ..."
        examples:
          - {text: "...", expect: match}
          - {text: "...", expect: clean}
    benign:        # texts no rule may flag
      - {note: school admission form, text: "..."}
    device_paths:  # capability documents fetched by `screen --device`
      - {path: /ISAPI/Smart/capabilities, maker: Hikvision, source: ...}

Term syntax: literal text; a trailing ``*`` lets the word go on, a leading ``*`` lets it follow
other letters; otherwise ASCII words must stand alone. Structural problems raise ``RuleError``
naming ``file:line``; examples and benign texts are checked by ``screening.verify``.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from camaudit.errors import RuleError
from camaudit.rulefiles.where import line_of, rule_error, unknown_keys, where
from camaudit.yamlfile import load_yaml

EVIDENCE_GRADES = ("A", "A-", "B", "C", "?")
SEVERITIES = ("high", "medium", "low")
EXPECTS = ("match", "clean")
MAX_WINDOW = 400
_RULE_KEYS = {"id", "description", "terms", "near", "window", "case_sensitive", "grade",
              "severity", "source", "examples"}
_GROUP_KEYS = {"description", "source", "terms"}


@dataclass(frozen=True)
class Example:
    text: str
    expect: str  # "match" or "clean"
    line: int


@dataclass(frozen=True)
class ScreenRule:
    id: str
    description: str
    terms: tuple[str, ...]  # groups expanded
    near: tuple[str, ...]  # empty: the terms stand alone
    window: int
    case_sensitive: bool
    grade: str
    severity: str
    source: str
    examples: tuple[Example, ...]
    file: str
    line: int

    @property
    def where(self) -> str:
        return f"{self.file}:{self.line}"


@dataclass(frozen=True)
class Benign:
    note: str
    text: str
    where: str


@dataclass(frozen=True)
class DevicePath:
    path: str
    maker: str
    source: str


@dataclass(frozen=True)
class RuleSet:
    rules: tuple[ScreenRule, ...]
    benign: tuple[Benign, ...]
    device_paths: tuple[DevicePath, ...]




def _load(text: str, filename: str) -> dict[str, Any]:
    doc = load_yaml(text, filename)
    if not isinstance(doc, dict):
        raise rule_error(filename, 1, "expected a mapping with groups, rules, benign or "
                                      "device_paths")
    return doc


def _terms(raw: Any, at: str, what: str, groups: dict[str, tuple[str, ...]]) -> tuple[str, ...]:
    if not isinstance(raw, list) or not raw:
        raise RuleError(f"{at}: '{what}' must be a non-empty list of terms or @groups")
    out: list[str] = []
    for item in raw:
        term = str(item)
        if term.startswith("@"):
            if term[1:] not in groups:
                raise RuleError(f"{at}: unknown group '{term}' in '{what}'")
            out.extend(groups[term[1:]])
        elif not term.strip("*").strip():
            raise RuleError(f"{at}: empty term in '{what}'")
        else:
            out.append(term)
    return tuple(dict.fromkeys(out))


def parse_groups(text: str, filename: str) -> dict[str, tuple[str, ...]]:
    doc = _load(text, filename)
    raw = doc.get("groups")
    if not isinstance(raw, dict):
        raise rule_error(filename, 1, "'groups' must be a mapping of name -> group")
    out: dict[str, tuple[str, ...]] = {}
    for name, body in raw.items():
        if name == "__line__":
            continue
        if not isinstance(body, dict):
            raise rule_error(filename, line_of(raw), f"group '{name}' must be a mapping")
        at = where(filename, line_of(body))
        unknown = unknown_keys(body, _GROUP_KEYS)
        if unknown:
            raise RuleError(f"{at}: group {name}: unknown field(s) {', '.join(unknown)}")
        if not body.get("source"):
            raise RuleError(f"{at}: group {name} needs 'source'")
        out[str(name)] = _terms(body.get("terms"), at, "terms", {})
    return out


def parse_rules(text: str, filename: str, groups: dict[str, tuple[str, ...]]) -> list[ScreenRule]:
    doc = _load(text, filename)
    raw_rules = doc.get("rules")
    if not isinstance(raw_rules, list) or not raw_rules:
        raise rule_error(filename, 1, "'rules' must be a non-empty list")
    return [_parse_rule(raw, filename, groups) for raw in raw_rules]


def _parse_rule(raw: Any, filename: str, groups: dict[str, tuple[str, ...]]) -> ScreenRule:
    if not isinstance(raw, dict):
        raise rule_error(filename, 0, "every entry of 'rules' must be a mapping")
    line = line_of(raw)
    at = where(filename, line)
    unknown = unknown_keys(raw, _RULE_KEYS)
    if unknown:
        raise RuleError(f"{at}: unknown field(s) {', '.join(unknown)}")
    for required in ("id", "terms", "grade", "severity", "source", "examples"):
        if not raw.get(required):
            raise RuleError(f"{at}: rule needs '{required}'")
    rid = str(raw["id"])
    grade, severity = str(raw["grade"]), str(raw["severity"])
    if grade not in EVIDENCE_GRADES:
        raise RuleError(f"{at}: rule {rid}: grade '{grade}' is not one of "
                        f"{', '.join(EVIDENCE_GRADES)}")
    if severity not in SEVERITIES:
        raise RuleError(f"{at}: rule {rid}: severity '{severity}' is not one of "
                        f"{', '.join(SEVERITIES)}")
    near = _terms(raw["near"], at, "near", groups) if "near" in raw else ()
    window = raw.get("window", 40)
    if not isinstance(window, int) or not 1 <= window <= MAX_WINDOW:
        raise RuleError(f"{at}: rule {rid}: window must be an integer in 1..{MAX_WINDOW}")
    examples: list[Example] = []
    if not isinstance(raw["examples"], list):
        raise RuleError(f"{at}: rule {rid}: 'examples' must be a list")
    for ex in raw["examples"]:
        if not isinstance(ex, dict) or "text" not in ex or ex.get("expect") not in EXPECTS:
            raise RuleError(f"{at}: rule {rid}: each example needs 'text' and "
                            "'expect: match|clean'")
        examples.append(Example(text=str(ex["text"]), expect=str(ex["expect"]),
                                line=line_of(ex, line)))
    return ScreenRule(
        id=rid, description=str(raw.get("description", "")),
        terms=_terms(raw["terms"], at, "terms", groups), near=near, window=window,
        case_sensitive=bool(raw.get("case_sensitive", False)), grade=grade, severity=severity,
        source=str(raw["source"]), examples=tuple(examples), file=filename, line=line,
    )


def parse_benign(text: str, filename: str) -> list[Benign]:
    raw = _load(text, filename).get("benign")
    if not isinstance(raw, list):
        raise rule_error(filename, 1, "'benign' must be a list of {note, text}")
    out: list[Benign] = []
    for entry in raw:
        if not isinstance(entry, dict) or not isinstance(entry.get("text"), str):
            raise rule_error(filename, line_of(entry), "every benign entry needs 'text'")
        out.append(Benign(note=str(entry.get("note", "")), text=entry["text"],
                          where=where(filename, line_of(entry))))
    return out


def parse_device_paths(text: str, filename: str) -> list[DevicePath]:
    raw = _load(text, filename).get("device_paths")
    if not isinstance(raw, list):
        raise rule_error(filename, 1, "'device_paths' must be a list")
    out: list[DevicePath] = []
    for entry in raw:
        if not isinstance(entry, dict) or not str(entry.get("path", "")).startswith("/"):
            raise rule_error(filename, line_of(entry), "each device path needs 'path: /...'")
        if not entry.get("source"):
            raise rule_error(filename, line_of(entry), "device path needs 'source'")
        out.append(DevicePath(path=str(entry["path"]), maker=str(entry.get("maker", "")),
                              source=str(entry["source"])))
    return out


def rules_dir() -> Path:
    return Path(str(resources.files("camaudit") / "rules" / "screening"))


def load_ruleset(directory: Path | None = None) -> RuleSet:
    """Every group, rule, benign text and device path in ``directory`` (default: shipped)."""
    directory = directory or rules_dir()
    files = {p.name: p.read_text(encoding="utf-8") for p in sorted(directory.glob("*.yaml"))}
    groups: dict[str, tuple[str, ...]] = {}
    if "groups.yaml" in files:
        groups = parse_groups(files.pop("groups.yaml"), "groups.yaml")
    rules: list[ScreenRule] = []
    benign: list[Benign] = []
    paths: list[DevicePath] = []
    for name, text in files.items():
        doc = _load(text, name)
        if "rules" in doc:
            rules.extend(parse_rules(text, name, groups))
        elif "benign" in doc:
            benign.extend(parse_benign(text, name))
        elif "device_paths" in doc:
            paths.extend(parse_device_paths(text, name))
        else:
            raise rule_error(name, 1, "expected one of groups, rules, benign, device_paths")
    if not rules:
        raise RuleError(f"{directory}: no screening rules found")
    return RuleSet(rules=tuple(rules), benign=tuple(benign), device_paths=tuple(paths))
