"""Plain-text API bodies that are neither HTML nor XML: ``key=value`` lines and JSON objects.

Camera CGI APIs answer in these forms (Dahua's ``magicBox.cgi`` and ``configManager.cgi`` give
``name=value`` lines, its RPC2 interface a JSON object). Each gives observations that rules can
match without knowing the request: one ``cgi.field`` per line (``updateSerial=IPC-HDW5830R-Z``),
and for JSON the sorted top-level member names (``json.keys``, ``id,params,result,session``) and
one ``json.field`` per scalar leaf (``error.code=268632079``). Bounded: 64 lines or leaves,
values cut to 200 characters, nesting followed 4 levels deep.
"""

from __future__ import annotations

import json
import re
from typing import Any

from camaudit.model import Observation

MAX_FIELDS = 64
MAX_VALUE = 200
MAX_DEPTH = 4
MAX_TEXT = 64 * 1024
_KV = re.compile(r"^[A-Za-z_][\w.\[\]-]{0,160}=")


def kv_observations(text: str, source: str) -> list[Observation]:
    """``cgi.field`` per line when every non-empty line of ``text`` is ``name=value``."""
    lines = [ln.strip() for ln in text[:MAX_TEXT].splitlines() if ln.strip()]
    if not lines or not all(_KV.match(ln) for ln in lines[:MAX_FIELDS]):
        return []
    return [Observation("cgi.field", ln[:MAX_VALUE], source) for ln in lines[:MAX_FIELDS]]


def _leaves(value: Any, path: str, depth: int, out: list[str]) -> None:
    if len(out) >= MAX_FIELDS:
        return
    if isinstance(value, dict):
        if depth >= MAX_DEPTH:
            return
        for k, v in list(value.items())[:MAX_FIELDS]:
            _leaves(v, f"{path}.{k}" if path else str(k), depth + 1, out)
    elif isinstance(value, list):
        if depth >= MAX_DEPTH:
            return
        for i, v in enumerate(value[:8]):
            _leaves(v, f"{path}[{i}]", depth + 1, out)
    elif value is None or isinstance(value, bool | int | float | str):
        text = json.dumps(value) if not isinstance(value, str) else value
        out.append(f"{path}={text}"[:MAX_VALUE])


def json_observations(text: str, source: str) -> list[Observation]:
    """``json.keys`` and ``json.field`` leaves of a JSON object body; [] for anything else."""
    body = text[:MAX_TEXT].strip()
    if not body.startswith("{"):
        return []
    try:
        obj = json.loads(body)
    except (ValueError, RecursionError):
        return []
    if not isinstance(obj, dict) or not obj:
        return []
    obs = [Observation("json.keys", ",".join(sorted(str(k) for k in obj)[:MAX_FIELDS]), source)]
    leaves: list[str] = []
    _leaves(obj, "", 0, leaves)
    obs.extend(Observation("json.field", leaf, source) for leaf in leaves)
    return obs
