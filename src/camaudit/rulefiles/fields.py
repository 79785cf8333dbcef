"""``Fields``: typed access to one YAML mapping of a rule file, every error naming file:line.

Policies, attribution links, risk rules, egress destinations and the negatives corpus read their
entries through it::

    f = Fields(raw, "x.yaml", 1, "link", {"brand", "maker", "grade"})
    f.text("brand")            # non-empty text, stripped; RuleError if missing
    f.grade("grade")           # an evidence grade (A, B, C, ?, A/B, B-)
    f.choice("relation", RELATIONS)

Errors read ``x.yaml:2: link: field 'grade' 'E' is not an evidence grade ...``. Rule ids (lower-
case words joined by -, unique) are checked by ``id_problems`` in every family's verifier.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from typing import Any

from camaudit.errors import RuleError
from camaudit.rulefiles.where import line_of, rule_error, short, unknown_keys, where

# Evidence grades of attribution links, policies, risks and destinations: A primary text,
# B reputable secondary, C weak lead, ? unverified; "A/B", "B-" and the like keep the facts' nuance.
EVIDENCE_GRADE = re.compile(r"^(?:\?|[ABC][-+]?(?:/[ABC][-+]?)?)$")
RULE_ID = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


class Fields:
    """Typed access to one YAML mapping; every error names file:line and the field."""

    def __init__(self, raw: Any, filename: str, line: int, what: str, allowed: set[str]) -> None:
        if not isinstance(raw, dict):
            raise rule_error(filename, line, f"{what} must be a mapping")
        self.raw = raw
        self.file = filename
        self.line = line_of(raw, line)
        self.what = what
        unknown = unknown_keys(raw, allowed)
        if unknown:
            raise RuleError(f"{self.where}: {what}: unknown field '{unknown[0]}' "
                            f"(allowed: {', '.join(sorted(allowed))})")

    @property
    def where(self) -> str:
        return where(self.file, self.line)

    def fail(self, name: str, message: str) -> RuleError:
        return RuleError(f"{self.where}: {self.what}: field '{name}' {message}")

    def has(self, name: str) -> bool:
        return self.raw.get(name) is not None

    def text(self, name: str, default: str | None = None) -> str:
        value = self.raw.get(name)
        if value is None:
            if default is None:
                raise self.fail(name, "is missing")
            return default
        if isinstance(value, dict | list) or str(value).strip() == "":
            raise self.fail(name, "must be non-empty text")
        return str(value).strip()

    def scalar(self, name: str) -> str:
        """A required text, number or date as written (not stripped: whitespace may matter)."""
        value = self.raw.get(name)
        if value is None:
            raise self.fail(name, "is missing")
        if isinstance(value, dict | list):
            raise self.fail(name, f"must be text, not {short(value)}")
        return str(value)

    def texts(self, name: str, required: bool = False) -> tuple[str, ...]:
        value = self.raw.get(name)
        if value is None:
            if required:
                raise self.fail(name, "is missing")
            return ()
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not value or any(
                isinstance(v, dict | list) or v is None for v in value):
            raise self.fail(name, "must be a non-empty list of texts")
        return tuple(str(v).strip() for v in value)

    def choice(self, name: str, choices: Iterable[str], default: str | None = None) -> str:
        """``text(name)``, which must be one of ``choices``."""
        value = self.text(name, default)
        options = tuple(choices)
        if value not in options:
            raise self.fail(name, f"'{value}' is not one of {', '.join(options)}")
        return value

    def date(self, name: str) -> dt.date | None:
        value = self.raw.get(name)
        if value is None:
            return None
        if isinstance(value, dt.datetime) or not isinstance(value, dt.date):
            raise self.fail(name, f"must be a date YYYY-MM-DD, not {short(value)}")
        return value

    def grade(self, name: str) -> str:
        value = self.text(name)
        if not EVIDENCE_GRADE.match(value):
            raise self.fail(name, f"'{value}' is not an evidence grade (A, B, C, ?, e.g. A/B, B-)")
        return value

    def items(self, name: str, required: bool = True) -> list[Any]:
        value = self.raw.get(name)
        if value is None:
            if required:
                raise self.fail(name, "is missing")
            return []
        if not isinstance(value, list) or (required and not value):
            raise self.fail(name, "must be a non-empty list")
        return value


def id_problems(rid: str, at: str, seen: dict[str, str]) -> list[str]:
    """A rule id's problems as ``file:line`` messages: it must be lower-case words joined by -
    and not given before (``seen``: id -> where it was first; updated here)."""
    problems: list[str] = []
    if not RULE_ID.match(rid):
        problems.append(f"{at}: id '{rid}' must be lower-case words joined by -")
    if rid in seen:
        problems.append(f"{at}: duplicate id '{rid}' (first at {seen[rid]})")
    seen[rid] = at
    return problems
