"""JSON (one document with scan metadata) and JSONL (one device record per line)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from camaudit import __version__
from camaudit.model import Device


def render(devices: Sequence[Device], meta: dict[str, Any]) -> str:
    doc = {"camaudit": __version__, "scan": meta, "devices": [d.to_json() for d in devices]}
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"


def render_lines(devices: Sequence[Device], meta: dict[str, Any]) -> str:
    return "".join(json.dumps(d.to_json(), ensure_ascii=False) + "\n" for d in devices)
