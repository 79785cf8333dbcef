"""Load fingerprint rule files (YAML) into ``Rule`` records, keeping file and line for errors.

A rule file is named after the observation key it matches (``http.header.server.yaml``)::

    matches: http.header.server
    description: Server header of HTTP replies
    rules:
      - id: hikvision-webs
        description: Hikvision embedded web server names
        pattern: '^(?:Hikvision|DNVRS|DVRDVS)-Webs$'
        grade: firmware            # protocol|firmware|onvif|oui|model|port|identity
        confidence: 0.9            # optional; defaults to the grade's weight
        shared: ''                 # optional: why other makers' firmware shows this trait too
        shared_with: [live555]     # optional, with shared: who else shows it (vocab/sharers.txt)
        source: rapid7/recog xml/http_servers.xml
        set: {hw.maker: Hikvision}
        capture: {1: hw.firmware}  # optional; regex group -> field
        examples:
          - value: Hikvision-Webs
            expect: {hw.maker: Hikvision}

Structural problems raise ``RuleError`` naming ``file:line`` (``rulefiles.where``); semantic
checks (examples, shadowing, vocabulary from ``rulefiles.vocab``, negatives) live in
``verify.py``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from camaudit.errors import RuleError
from camaudit.model import GRADES
from camaudit.rulefiles.where import line_of, rule_error, unknown_keys
from camaudit.rulefiles.where import where as at
from camaudit.yamlfile import load_yaml


@dataclass(frozen=True)
class Example:
    value: str
    expect: dict[str, str]
    line: int


@dataclass(frozen=True)
class Rule:
    id: str
    key: str
    description: str
    pattern: re.Pattern[str]
    grade: str
    confidence: float
    source: str
    set: dict[str, str]
    capture: dict[int, str]
    examples: tuple[Example, ...]
    file: str
    line: int
    shared: str = ""  # non-empty: third-party stacks show this trait too (it never names alone)
    shared_with: tuple[str, ...] = ()  # who else shows it (vocab/sharers.txt); see strength.py

    @property
    def where(self) -> str:
        return f"{self.file}:{self.line}"

    @property
    def names_maker(self) -> bool:
        return "hw.maker" in self.set or "hw.maker" in self.capture.values()



_RULE_KEYS = {"id", "description", "pattern", "ignore_case", "grade", "confidence", "source",
              "set", "capture", "examples", "shared", "shared_with"}


def _str_map(raw: Any, where: str, what: str) -> dict[str, str]:
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise RuleError(f"{where}: '{what}' must be a mapping")
    return {str(k): str(v) for k, v in raw.items() if k != "__line__"}


def parse_rule_file(text: str, filename: str) -> list[Rule]:
    """Parse one rule file's text. ``filename`` is used in messages and for the key check."""
    doc = load_yaml(text, filename)
    if not isinstance(doc, dict) or not isinstance(doc.get("matches"), str):
        raise rule_error(filename, 1, "a rule file needs a top-level 'matches: <key>'")
    key: str = doc["matches"]
    stem = Path(filename).name.removesuffix(".yaml")
    if stem != key:
        raise rule_error(filename, 1, f"file for 'matches: {key}' must be named {key}.yaml")
    raw_rules = doc.get("rules")
    if not isinstance(raw_rules, list) or not raw_rules:
        raise rule_error(filename, 1, "'rules' must be a non-empty list")
    out: list[Rule] = []
    for raw in raw_rules:
        out.append(_parse_rule(raw, key, filename))
    return out


def _parse_rule(raw: Any, key: str, filename: str) -> Rule:
    if not isinstance(raw, dict):
        raise rule_error(filename, 0, "every entry of 'rules' must be a mapping")
    line = line_of(raw)
    where = at(filename, line)
    unknown = unknown_keys(raw, _RULE_KEYS)
    if unknown:
        raise RuleError(f"{where}: unknown field(s) {', '.join(unknown)}")
    for required in ("id", "pattern", "grade", "source", "examples"):
        if not raw.get(required):
            raise RuleError(f"{where}: rule needs '{required}'")
    rid = str(raw["id"])
    grade = str(raw["grade"])
    if grade not in GRADES:
        raise RuleError(f"{where}: rule {rid}: grade '{grade}' is not one of {', '.join(GRADES)}")
    flags = re.IGNORECASE if raw.get("ignore_case") else 0
    try:
        pattern = re.compile(str(raw["pattern"]), flags)
    except re.error as e:
        raise RuleError(f"{where}: rule {rid}: bad pattern: {e}") from e
    capture: dict[int, str] = {}
    for k, v in _str_map(raw.get("capture"), where, "capture").items():
        if not k.isdigit():
            raise RuleError(f"{where}: rule {rid}: capture keys are group numbers, not '{k}'")
        capture[int(k)] = v
    examples: list[Example] = []
    raw_examples = raw["examples"]
    if not isinstance(raw_examples, list):
        raise RuleError(f"{where}: rule {rid}: 'examples' must be a list")
    for ex in raw_examples:
        if not isinstance(ex, dict) or "value" not in ex:
            raise RuleError(f"{where}: rule {rid}: each example needs 'value'")
        examples.append(Example(
            value=str(ex["value"]),
            expect=_str_map(ex.get("expect"), where, "expect"),
            line=line_of(ex, line),
        ))
    shared_with = raw.get("shared_with") or []
    if not isinstance(shared_with, list) or not all(isinstance(w, str) for w in shared_with):
        raise RuleError(f"{where}: rule {rid}: 'shared_with' must be a list of sharer names")
    if shared_with and not raw.get("shared"):
        raise RuleError(f"{where}: rule {rid}: 'shared_with' needs 'shared' (why others show it)")
    confidence = float(raw.get("confidence", GRADES[grade]))
    if not 0.0 <= confidence <= 1.0:
        raise RuleError(f"{where}: rule {rid}: confidence must be within 0..1")
    return Rule(
        id=rid, key=key, description=str(raw.get("description", "")), pattern=pattern,
        grade=grade, confidence=confidence, source=str(raw["source"]),
        set=_str_map(raw.get("set"), where, "set"), capture=capture,
        examples=tuple(examples), file=filename, line=line,
        shared=str(raw.get("shared") or ""), shared_with=tuple(shared_with),
    )


def rules_dir() -> Path:
    return Path(str(resources.files("camaudit") / "rules" / "fingerprints"))


def rule_files(directory: Path) -> list[Path]:
    """The rule files of ``directory`` in matching order: its own ``*.yaml`` (the surveillance
    makers of the ban lists), then each sub-folder's, folders in name order (``cameras/``: other
    camera makers; ``it/``: routers, printers, NAS and servers)."""
    return [*sorted(directory.glob("*.yaml")), *sorted(directory.glob("*/*.yaml"))]


def load_rules(directory: Path | None = None) -> list[Rule]:
    """Every rule of every rule file in ``directory`` (default: the shipped rules, followed by
    the rules generated from the vocabulary for devices that name their maker,
    ``fingerprints.selfnamed``)."""
    shipped = directory is None
    directory = directory or rules_dir()
    rules: list[Rule] = []
    for path in rule_files(directory):
        name = path.name if path.parent == directory else f"{path.parent.name}/{path.name}"
        rules.extend(parse_rule_file(path.read_text(encoding="utf-8"), name))
    if shipped:
        from camaudit.fingerprints.selfnamed import generated_rules

        rules.extend(generated_rules(rules))
    return rules
