"""Bounded JSON reading for the binary-framed vendor protocols (DHIP, DVRIP)."""

from __future__ import annotations

import json
from typing import Any

MAX_JSON = 64 * 1024


def load_object(payload: bytes) -> tuple[dict[str, Any] | None, str]:
    """The first JSON object in ``payload`` (NULs/newlines and trailing junk ignored)."""
    text = payload[:MAX_JSON].decode("utf-8", "replace").strip("\x00 \t\r\n")
    start = text.find("{")
    if start < 0:
        return None, "no JSON object"
    try:
        obj, _ = json.JSONDecoder().raw_decode(text, start)
    except (ValueError, RecursionError) as exc:
        return None, f"bad JSON: {str(exc)[:80]}"
    if not isinstance(obj, dict):
        return None, "JSON is not an object"
    return obj, ""


def scalar(value: object) -> str | None:
    """Text of a JSON string or number; None for objects, lists, null, booleans and ""."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, str):
        return value.strip() or None
    if isinstance(value, int | float):
        return str(value)
    return None
