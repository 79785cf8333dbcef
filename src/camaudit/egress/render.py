"""Egress results as a table (terminal), JSON (with the IP data's date, source and attribution)
or CSV (one row per finding; devices without findings get one row with empty finding columns).
"""

from __future__ import annotations

import io
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
        doc = d.to_dict()
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
    holds CR or LF (``output.csv_text``): names and evidence come from the traffic."""
    from camaudit.output import csv_text

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
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    from camaudit.console import printable

    def t(value: object) -> Text:
        # names and evidence come from the traffic: no terminal escapes (rich strips CSI only)
        return Text(printable(value))

    flagged = sum(d.flagged for d in result.devices)
    table = Table(title=f"camaudit egress: {len(result.devices)} device(s), {flagged} flagged "
                        f"(countries flagged: {', '.join(result.flag_countries) or 'none'})",
                  title_justify="left")
    for col in ("Device", "Destination", "IP", "CC", "ASN", "Kind", "Port", "Out", "In",
                "First seen", "Last seen", "Flag"):
        table.add_column(col, overflow="fold")
    for d in result.devices:
        label = d.ip if d.in_inventory else f"{d.ip} (not in inventory)"
        if d.device and d.device.maker:
            label += f" {d.device.maker}"
        if not d.findings:
            table.add_row(t(label), t(f"clean ({d.local_connections} local)"),
                          *[Text("")] * 10)
        for f in d.findings:
            table.add_row(t(label), t(f.destination), t(f.ip), t(f.country or "-"),
                          t(f.asn or "-"), t(f.kind), t(f"{f.proto}/{f.port}"),
                          t(f.bytes_out), t(f.bytes_in), t(f.first_seen),
                          t(f.last_seen), t("FLAG" if f.flagged else ""))
    out = io.StringIO()
    console = Console(file=out, width=200, color_system=None, force_terminal=False)
    console.print(table)
    for line in result.damage:
        console.print(t(f"damage: {line}"))
    console.print(Text(attribution()))
    return out.getvalue()
