"""A plain-text table for people (rich), one line per device."""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

from camaudit.console import printable
from camaudit.model import Device

_SEVERITY = {"covered": 3, "possible": 2, "unknown": 1, "not-covered": 0}


def policy_summary(d: Device) -> str:
    """The most severe verdict status across the device's policies, e.g. 'covered (2)'."""
    if not d.verdicts:
        return ""
    worst = max(d.verdicts, key=lambda v: _SEVERITY.get(v.status, 1)).status
    count = sum(1 for v in d.verdicts if v.status == worst)
    return f"{worst} ({count})"


def render(devices: Sequence[Device], meta: dict[str, Any]) -> str:
    table = Table(title=f"camaudit: {len(devices)} device(s)", title_justify="left")
    for col in ("IP", "Maker", "Brand", "Relabeled", "Model", "Type", "Conf.", "Ports", "Policy",
                "Errors"):
        table.add_column(col, overflow="fold")
    for d in devices:
        # Text() keeps device-controlled strings from being read as rich markup, printable()
        # from reaching the terminal as escape sequences (rich strips CSI, not OSC).
        table.add_row(
            Text(printable(d.ip)), Text(printable(d.maker or "-")),
            Text(printable(d.brand or "-")), "yes" if d.relabeled else "",
            Text(printable(d.model or "-")), Text(printable(d.device_type or "-")),
            f"{d.confidence:.2f}", Text(",".join(str(p.port) for p in d.ports)),
            policy_summary(d), str(len(d.errors)) if d.errors else "",
        )
    out = io.StringIO()
    Console(file=out, width=140, color_system=None, force_terminal=False).print(table)
    return out.getvalue()


def said(devices: Sequence[Device]) -> str:
    """For ``--verbose``: what each device said that no rule matched, one line per observation,
    so an unknown device can be judged (and a rule written for it)."""
    lines: list[str] = []
    for d in devices:
        if not d.observations:
            continue
        lines.append(f"{printable(d.ip)} said (no rule matched):")
        lines.extend(f"  {printable(o.key)} = {printable(o.value)}  [{printable(o.source)}]"
                     for o in d.observations)
    return "\n".join(lines) + ("\n" if lines else "")
