"""``file:line`` locations and the ``RuleError`` that names them, for every YAML rule family.

A location is ``<file>:<line>`` with the 1-based line the YAML loader stored under ``__line__``
(``yamlfile.load_yaml``); line 0 means "the file as a whole" (it cannot be read, or the entry is
not a mapping and carries no line). Values quoted in messages go through ``short``: a hostile
value may be huge or deeply nested.
"""

from __future__ import annotations

import reprlib
from typing import Any

from camaudit.errors import RuleError
from camaudit.yamlfile import META_KEYS

_SHORT = reprlib.Repr()
_SHORT.maxstring, _SHORT.maxother, _SHORT.maxlist, _SHORT.maxdict, _SHORT.maxlevel = 60, 60, 4, 4, 2


def short(value: Any) -> str:
    """``repr`` of a value for a message, bounded (a hostile value may be huge or nested)."""
    return _SHORT.repr(value)


def where(filename: str, line: int) -> str:
    """``file:line``, the prefix of every rule-file message."""
    return f"{filename}:{line}"


def rule_error(filename: str, line: int, message: str) -> RuleError:
    """``RuleError('file:line: message')``, to raise."""
    return RuleError(f"{where(filename, line)}: {message}")


def line_of(node: Any, default: int = 0) -> int:
    """The line a mapping starts on (``__line__``), else ``default`` (a list or scalar entry
    carries no line of its own)."""
    if isinstance(node, dict):
        line = node.get("__line__", default)
        return line if isinstance(line, int) and not isinstance(line, bool) else default
    return default


def unknown_keys(raw: dict[Any, Any], allowed: set[str] | frozenset[str]) -> list[str]:
    """The keys of ``raw`` that are neither ``allowed`` nor the loader's line keys, sorted."""
    return sorted(str(k) for k in raw if k not in allowed and k not in META_KEYS)
