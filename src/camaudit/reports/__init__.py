"""Reporters: one module each, listed in one registry. ``render(devices, meta) -> str``."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from camaudit.formats import cyclonedx, netbox, ocsf
from camaudit.model import Device
from camaudit.reports import csv_report, html, json_report, table

Reporter = Callable[[Sequence[Device], dict[str, Any]], str]

REPORTERS: dict[str, Reporter] = {
    "table": table.render,
    "json": json_report.render,
    "jsonl": json_report.render_lines,
    "csv": csv_report.render,
    "html": html.render,
    "ocsf": ocsf.render,
    "cyclonedx": cyclonedx.render,
    "netbox": netbox.render,
}
