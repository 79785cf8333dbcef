"""Egress results as a table (terminal), JSON (with the IP data's date, source and attribution)
or CSV (one row per finding; devices without findings get one row with empty finding columns).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from camaudit.egress.analysis import Result
from camaudit.egress.geo import attribution

CSV_COLUMNS = ("device", "in_inventory", "maker", "destination", "ip", "country", "asn", "org",
               "kind", "rule", "proto", "port", "bytes_out", "bytes_in", "packets_out",
               "packets_in", "first_seen", "last_seen", "flagged", "reasons", "evidence")


def render_json(result: Result) -> str:
    """One JSON document: the run's metadata indented, then one device per block and one
    finding per line (json's C encoder only runs without ``indent``; per-line findings keep
    large results fast to write and still easy to read and diff)."""
    from camaudit import __version__

    def one(x: Any) -> str:
        return json.dumps(x, ensure_ascii=False)

    meta = json.dumps(result.meta(), indent=2, ensure_ascii=False).replace("\n", "\n  ")
    parts = [f'{{\n  "camaudit": {one(__version__)},\n  "egress": {meta},\n  "devices": [']
    blocks = []
    for d in result.devices:
        doc = d.to_json()
        findings = doc.pop("findings")
        head = one(doc)[:-1]
        if findings:
            # one encoder call per device; '}, {"destination": ' only occurs between findings
            # (inside a string the quotes would be escaped)
            rows = one(findings)[1:-1].replace('}, {"destination": ',
                                                '},\n      {"destination": ')
            blocks.append(f'    {head}, "findings": [\n      {rows}\n    ]}}')
        else:
            blocks.append(f'    {head}, "findings": []}}')
    parts.append(("\n" + ",\n".join(blocks) + "\n  ]") if blocks else "]")
    return "".join(parts) + "\n}\n"


def render_csv(result: Result) -> str:
    """One row per finding; every cell defused against spreadsheet formulas and quoted when it
    holds CR or LF (``reports.text.csv_text``): names and evidence come from the traffic."""
    from camaudit.reports.text import csv_text

    return csv_text(_csv_rows(result), CSV_COLUMNS)


def _csv_rows(result: Result) -> Iterator[list[object]]:
    for d in result.devices:
        maker = d.device.maker if d.device else None
        if not d.findings:
            yield [d.ip, str(d.in_inventory).lower(), maker or "", *[""] * 18]
        for f in d.findings:
            yield [d.ip, str(d.in_inventory).lower(), maker or "", f.destination, f.ip,
                   f.country or "", f.asn or "", f.org or "", f.kind, f.rule or "",
                   f.proto, f.port, f.bytes_out, f.bytes_in, f.packets_out, f.packets_in,
                   f.first_seen, f.last_seen, str(f.flagged).lower(),
                   "; ".join(f.reasons), " | ".join(f.evidence)]


def render_table(result: Result) -> str:
    """One line per finding (a clean device gets one line saying so), then the damage read
    around and the IP data's attribution. Names and evidence come from the traffic: the table
    writer keeps terminal escapes out."""
    from camaudit.reports.table import render_rows

    flagged = sum(d.flagged for d in result.devices)
    rows: list[list[object]] = []
    for d in result.devices:
        label = d.ip if d.in_inventory else f"{d.ip} (not in inventory)"
        if d.device and d.device.maker:
            label += f" {d.device.maker}"
        if not d.findings:
            rows.append([label, f"clean ({d.local_connections} local)", *[""] * 10])
        rows.extend([label, f.destination, f.ip, f.country or "-", f.asn or "-", f.kind,
                     f"{f.proto}/{f.port}", f.bytes_out, f.bytes_in, f.first_seen,
                     f.last_seen, "FLAG" if f.flagged else ""] for f in d.findings)
    return render_rows(
        f"camaudit egress: {len(result.devices)} device(s), {flagged} flagged "
        f"(countries flagged: {', '.join(result.flag_countries) or 'none'})",
        ("Device", "Destination", "IP", "CC", "ASN", "Kind", "Port", "Out", "In", "First seen",
         "Last seen", "Flag"),
        rows, width=200,
        footer=[*(f"damage: {line}" for line in result.damage), attribution()])
