"""A plain-text table for people (rich), one line per device."""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

from camaudit.model import Device


def render(devices: Sequence[Device], meta: dict[str, Any]) -> str:
    table = Table(title=f"camaudit: {len(devices)} device(s)", title_justify="left")
    for col in ("IP", "Maker", "Brand", "Relabeled", "Model", "Type", "Conf.", "Ports", "Errors"):
        table.add_column(col, overflow="fold")
    for d in devices:
        # Text() keeps device-controlled strings from being read as rich markup.
        table.add_row(
            Text(d.ip), Text(d.maker or "-"), Text(d.brand or "-"),
            "yes" if d.relabeled else "", Text(d.model or "-"), Text(d.device_type or "-"),
            f"{d.confidence:.2f}", Text(",".join(str(p.port) for p in d.ports)),
            str(len(d.errors)) if d.errors else "",
        )
    out = io.StringIO()
    Console(file=out, width=140, color_system=None, force_terminal=False).print(table)
    return out.getvalue()
