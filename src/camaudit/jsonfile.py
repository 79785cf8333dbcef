"""JSON documents a user hands over (scan output read by ``check``, ``report`` and
``egress --devices``), read at the edge with bounds, so nothing hostile gets further.

    doc = parse(read_text(path, "scan file"), str(path))

``read_text`` reads at most ``MAX_JSON_BYTES`` (a device such as /dev/zero or a FIFO is read
no further) and accepts a UTF-8 byte-order mark. ``parse`` refuses what ``json`` lets through
or turns into a traceback: nesting deeper than ``MAX_DEPTH``, integers longer than
``MAX_DIGITS`` digits, numbers out of range (``1e400``), ``NaN`` and ``Infinity`` (not JSON, and
written back they would make invalid JSON), and lone surrogates (``"\\ud800"``), which no
UTF-8 writer can write back. Every refusal is a ``UsageError`` of one line naming the file, the
line or the field (``scan.json: devices[0].confidence: ...``): exit status 2.
"""

from __future__ import annotations

import json
import math
import re
from pathlib import Path
from typing import Any

from camaudit.errors import UsageError

MAX_JSON_BYTES = 256 << 20
MAX_DEPTH = 64
MAX_DIGITS = 40
_SURROGATE = re.compile(r"[\ud800-\udfff]")


class _Refused:
    """A number token json would have turned into something unusable; refused by the walk."""

    def __init__(self, token: str, why: str) -> None:
        self.token, self.why = token, why


def _int(token: str) -> int | _Refused:
    digits = len(token.lstrip("-"))
    return int(token) if digits <= MAX_DIGITS else _Refused(
        f"{token[:12]}... ({digits} digits)", f"is longer than {MAX_DIGITS} digits")


def _constant(token: str) -> _Refused:
    return _Refused(token, "is not a number JSON allows")


def read_text(path: Path, what: str = "file", limit: int = MAX_JSON_BYTES) -> str:
    """The UTF-8 text (a byte-order mark dropped) of a file the user named, up to ``limit``."""
    try:
        with path.open("rb") as fh:
            data = fh.read(limit + 1)
    except OSError as e:
        raise UsageError(f"cannot read '{path}': {e.strerror or e}") from e
    if len(data) > limit:
        raise UsageError(f"{path}: {what} is larger than {limit} bytes")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        line = data[:e.start].count(b"\n") + 1
        raise UsageError(f"{path}:{line}: not UTF-8 text (byte {e.start})") from e


def parse(text: str, where: str) -> Any:
    """One JSON document, checked (see the module docstring); ``json.JSONDecodeError`` is left
    to the caller, who knows whether the text may be JSON lines."""
    try:
        doc = json.loads(text, parse_int=_int, parse_constant=_constant)
    except RecursionError as e:
        raise UsageError(f"{where}: JSON nested deeper than {MAX_DEPTH} levels") from e
    check(doc, where)
    return doc


def check(doc: Any, where: str) -> None:
    """Walk a parsed document; the first value that cannot stand is a one-line UsageError."""
    _walk(doc, where, "", 0)


def _walk(value: Any, where: str, field: str, depth: int) -> None:
    if depth >= MAX_DEPTH and isinstance(value, dict | list):
        raise UsageError(f"{where}: JSON nested deeper than {MAX_DEPTH} levels")
    if isinstance(value, dict):
        for key, item in value.items():
            _text(key, where, field)
            _walk(item, where, _join(field, key), depth + 1)
    elif isinstance(value, list):
        for n, item in enumerate(value):
            _walk(item, where, f"{field}[{n}]", depth + 1)
    elif isinstance(value, str):
        _text(value, where, field)
    elif isinstance(value, _Refused):
        raise UsageError(f"{where}: {field or 'document'}: {value.token} {value.why}")
    elif isinstance(value, float) and not math.isfinite(value):
        raise UsageError(f"{where}: {field or 'document'}: number out of range")


def _text(value: str, where: str, field: str) -> None:
    m = _SURROGATE.search(value)
    if m is not None:
        raise UsageError(f"{where}: {field or 'document'}: text holds a lone surrogate "
                         f"(\\u{ord(m.group(0)):04x})")


def _join(field: str, key: str) -> str:
    if key.isidentifier():
        return f"{field}.{key}" if field else key
    shown = json.dumps(key[:40] if len(key) <= 40 else key[:40] + "...")
    return f"{field}[{shown}]"
