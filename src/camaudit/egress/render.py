"""Egress results as a table (terminal), JSON (with the IP data's date, source and attribution)
or CSV (one row per finding; devices without findings get one row with empty finding columns).
"""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from camaudit.egress.analysis import Result
from camaudit.egress.geo import attribution

CSV_COLUMNS = ("device", "in_inventory", "maker", "destination", "ip", "country", "asn", "org",
               "kind", "rule", "proto", "port", "bytes_out", "bytes_in", "packets_out",
               "packets_in", "first_seen", "last_seen", "flagged", "reasons", "evidence")


def render_json(result: Result) -> str:
    from camaudit import __version__

    doc: dict[str, Any] = {"camaudit": __version__, "egress": result.meta(),
                           "devices": [d.to_dict() for d in result.devices]}
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"


def render_csv(result: Result) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(CSV_COLUMNS)
    for d in result.devices:
        maker = d.device.maker if d.device else None
        if not d.findings:
            w.writerow([d.ip, str(d.in_inventory).lower(), maker or "", *[""] * 18])
        for f in d.findings:
            w.writerow([d.ip, str(d.in_inventory).lower(), maker or "", f.destination, f.ip,
                        f.country or "", f.asn or "", f.org or "", f.kind, f.rule or "",
                        f.proto, f.port, f.bytes_out, f.bytes_in, f.packets_out, f.packets_in,
                        f.first_seen, f.last_seen, str(f.flagged).lower(),
                        "; ".join(f.reasons), " | ".join(f.evidence)])
    return buf.getvalue()


def render_table(result: Result) -> str:
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

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
            table.add_row(Text(label), Text(f"clean ({d.local_connections} local)"),
                          *[Text("")] * 10)
        for f in d.findings:
            table.add_row(Text(label), Text(f.destination), Text(f.ip), Text(f.country or "-"),
                          Text(f.asn or "-"), Text(f.kind), Text(f"{f.proto}/{f.port}"),
                          Text(str(f.bytes_out)), Text(str(f.bytes_in)), Text(f.first_seen),
                          Text(f.last_seen), Text("FLAG" if f.flagged else ""))
    out = io.StringIO()
    console = Console(file=out, width=200, color_system=None, force_terminal=False)
    console.print(table)
    for line in result.damage:
        console.print(Text(f"damage: {line}"))
    console.print(Text(attribution()))
    return out.getvalue()
