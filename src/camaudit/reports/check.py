"""``camaudit check`` output: one row per device and policy (verdict, reason, references), as a
table for people, CSV or JSON."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from camaudit.model import Device

CSV_COLUMNS = ("ip", "mac", "maker", "brand", "model", "relabeled", "confidence", "policy",
               "status", "reason", "references")


def render_table(devices: Sequence[Device]) -> str:
    from camaudit.reports.table import render_rows

    return render_rows(f"camaudit check: {len(devices)} device(s)",
                       ("IP", "Maker", "Brand", "Policy", "Status", "Reason"),
                       [(d.ip, d.maker or "-", d.brand or "-", v.policy, v.status, v.reason)
                        for d in devices for v in d.verdicts])


def render_csv(devices: Sequence[Device]) -> str:
    from camaudit.reports.text import csv_text

    return csv_text(((d.ip, d.mac, d.maker, d.brand, d.model, str(d.relabeled).lower(),
                      f"{d.confidence:.2f}", v.policy, v.status, v.reason,
                      "; ".join(v.references)) for d in devices for v in d.verdicts),
                    CSV_COLUMNS)


def render_json(devices: Sequence[Device], meta: dict[str, Any]) -> str:
    from camaudit import __version__

    doc = {"camaudit": __version__, "check": meta, "devices": [d.to_json() for d in devices]}
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"
