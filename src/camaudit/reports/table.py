"""Plain-text tables for people (rich): ``render_rows``, the one table writer every command's
table output uses, and the scan table built on it, one line per device."""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from typing import Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

from camaudit.model import Device
from camaudit.reports.text import printable

_SEVERITY = {"covered": 3, "possible": 2, "unknown": 1, "not-covered": 0}


def render_rows(title: str, header: Sequence[str], rows: Iterable[Sequence[object]], *,
                width: int = 160, footer: Sequence[str] = ()) -> str:
    """A table with ``title`` above it, columns ``header`` (long cells fold) and one line per
    row, as plain text ``width`` columns wide; then each ``footer`` line. None is an empty cell.

    Every string goes through ``Text`` and ``printable``: Text() keeps device-controlled strings
    from being read as rich markup, printable() keeps them from reaching the terminal as escape
    sequences (rich strips CSI, not OSC)."""
    table = Table(title=Text(printable(title)), title_justify="left")
    for col in header:
        table.add_column(col, overflow="fold")
    for row in rows:
        table.add_row(*(Text(printable(v)) for v in row))
    out = io.StringIO()
    console = Console(file=out, width=width, color_system=None, force_terminal=False)
    console.print(table)
    for line in footer:
        console.print(Text(printable(line)))
    return out.getvalue()


def policy_summary(d: Device) -> str:
    """The most severe verdict status across the device's policies, e.g. 'covered (2)'."""
    if not d.verdicts:
        return ""
    worst = max(d.verdicts, key=lambda v: _SEVERITY.get(v.status, 1)).status
    count = sum(1 for v in d.verdicts if v.status == worst)
    return f"{worst} ({count})"


def render(devices: Sequence[Device], meta: dict[str, Any]) -> str:
    return render_rows(
        f"camaudit: {len(devices)} device(s)",
        ("IP", "Maker", "Brand", "Relabeled", "Model", "Firmware", "Type", "Conf.", "Ports",
         "Policy", "Exposure", "Errors"),
        ([_address(d), d.maker or "-", d.brand or "-", "yes" if d.relabeled else "",
          d.model or "-", _firmware(d), d.device_type or "-", f"{d.confidence:.2f}",
          ",".join(str(p.port) for p in d.ports), policy_summary(d),
          ",".join(x.id for x in d.exposures),
          str(len(d.errors)) if d.errors else ""] for d in devices),
        width=200)


def _address(d: Device) -> str:
    """The IP, or for a camera behind a recorder, '-> <recorder>/ch<N> @<segment address>'."""
    if d.recorder is None:
        return d.ip
    return f"-> {d.ip}" + (f" @{d.segment_ip}" if d.segment_ip else "")


def _firmware(d: Device) -> str:
    if not d.firmware:
        return "-"
    if d.currency is None or d.currency.status == "unknown":
        return d.firmware
    behind = (f", {d.currency.releases_behind} release(s)" if d.currency.releases_behind
              else "")
    return f"{d.firmware} ({d.currency.status}{behind})"


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
