"""Field readers for lab profile files: every problem is a ``RuleError`` naming file and line.

``Doc(filename)`` reads fields of the mappings ``yamlfile.load_yaml(..., key_lines=True)``
returns and fails at the line of the field's key, naming it as a dotted path
(``services[0].default.status``). Shared by ``profiles.py`` and ``specs.py``.
"""

from __future__ import annotations

from typing import Any, NoReturn

from camaudit.lab.render import template_names
from camaudit.rulefiles.where import line_of, rule_error, unknown_keys
from camaudit.yamlfile import META_KEYS


class Doc:
    """Field readers that raise ``RuleError`` naming file, line and field."""

    def __init__(self, filename: str) -> None:
        self.filename = filename

    def fail(self, node: Any, field: str, problem: str) -> NoReturn:
        """Raise naming the line of the field's key when known, else of its mapping."""
        line = line_of(node)
        if isinstance(node, dict):
            key = field.rsplit(".", 1)[-1].split("[", 1)[0]
            line = node.get("__lines__", {}).get(key, line)
        raise rule_error(self.filename, line, f"{field}: {problem}")

    def get(self, node: dict[str, Any], key: str, field: str, kind: type | tuple[type, ...],
            *, required: bool = True, default: Any = None) -> Any:
        if key not in node or node[key] is None:
            if required:
                self.fail(node, f"{field}{key}", "missing")
            return default
        value = node[key]
        if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
            self.fail(node, f"{field}{key}", f"expected {getattr(kind, '__name__', kind)}")
        return value

    def keys(self, node: Any, allowed: set[str], field: str) -> dict[str, Any]:
        if not isinstance(node, dict):
            self.fail(node, field or "(top)", "expected a mapping")
        unknown = unknown_keys(node, allowed)
        if unknown:
            self.fail(node, f"{field}{unknown[0]}", "unknown field")
        return node

    def text(self, node: dict[str, Any], value: str, field: str, names: set[str]) -> str:
        unknown = sorted(template_names(value) - names)
        if unknown:
            self.fail(node, field, f"unknown template {{{unknown[0]}}}")
        return value

    def fields(self, node: dict[str, Any], key: str, field: str, names: set[str]
               ) -> tuple[tuple[str, str], ...]:
        """An optional mapping of name -> text or number (templates checked), in order."""
        raw = self.get(node, key, field, dict, required=False, default={})
        out: list[tuple[str, str]] = []
        for name, value in ((k, v) for k, v in raw.items() if k not in META_KEYS):
            if isinstance(value, bool) or not isinstance(value, str | int):
                self.fail(raw, f"{field}{key}.{name}", "expected text or a number")
            out.append((str(name), self.text(raw, str(value), f"{field}{key}.{name}", names)))
        return tuple(out)
