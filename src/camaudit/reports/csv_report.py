"""CSV: one row per device, list fields joined with ';'. Spreadsheet-formula cells are defused.

``risks`` (the last column) lists each known vulnerability as ``CVE status``, e.g.
``CVE-2017-7921 affected;CVE-2021-36260 possible`` (docs/risks.md); ``not-affected`` entries
are no vulnerabilities and are left out. ``exposures`` lists ``id severity`` pairs
(docs/exposure.md); ``recorder``, ``channel`` and ``segment_ip`` are set on a camera behind a
recorder (docs/depth.md). Columns are only ever added at the end."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from camaudit.model import Device
from camaudit.reports.text import csv_cell, csv_text

COLUMNS = ("ip", "mac", "maker", "brand", "relabeled", "model", "firmware", "serial",
           "device_type", "confidence", "ports", "evidence_rules", "errors", "first_seen",
           "last_seen", "risks", "firmware_currency", "exposures", "recorder", "channel",
           "segment_ip")


# A device controls these strings: ``reports.text.csv_cell`` defuses formulas (kept under this
# name for the callers that imported it from here).
_cell = csv_cell


def row(d: Device) -> list[str]:
    values: dict[str, object] = {
        "ip": d.ip, "mac": d.mac, "maker": d.maker, "brand": d.brand,
        "relabeled": "true" if d.relabeled else "false", "model": d.model,
        "firmware": d.firmware, "serial": d.serial, "device_type": d.device_type,
        "confidence": f"{d.confidence:.2f}",
        "ports": ";".join(f"{p.port}/{p.proto}" for p in d.ports),
        "evidence_rules": ";".join(dict.fromkeys(e.rule for e in d.evidence)),
        "errors": ";".join(f"{e.source}: {e.message}" for e in d.errors),
        "first_seen": d.first_seen, "last_seen": d.last_seen,
        "risks": ";".join(f"{r.cve} {r.status}" for r in d.risks if r.status != "not-affected"),
        "firmware_currency": d.currency.status if d.currency is not None else None,
        "exposures": ";".join(f"{x.id} {x.severity}" for x in d.exposures),
        "recorder": d.recorder, "channel": d.channel, "segment_ip": d.segment_ip,
    }
    return [_cell(values[c]) for c in COLUMNS]


def render(devices: Sequence[Device], meta: dict[str, Any]) -> str:
    return csv_text((row(d) for d in devices), COLUMNS)
