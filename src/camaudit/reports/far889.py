"""FAR 52.204-25(d)(2)(i) worksheet (CSV): one row per device covered under ``ndaa-889``.

Columns follow the clause's order: contract number, order number, supplier name, UEI, CAGE code
(left empty for the user), brand, model number (OEM number, manufacturer part number or
wholesaler number), item description and mitigation, then what camaudit saw (maker, address,
serial, firmware, evidence summary, verdict). The first rows are a note, each one cell starting
with ``#``: the scan supports but does not replace the reasonable inquiry. Every cell a device
controls is defused against spreadsheet formulas.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from camaudit.model import Device, Verdict
from camaudit.reports.text import csv_cell, csv_text

POLICY = "ndaa-889"
COLUMNS = (
    "contract_number", "order_number", "supplier_name", "supplier_uei", "supplier_cage_code",
    "brand", "model_number", "oem_number", "manufacturer_part_number", "wholesaler_number",
    "item_description", "mitigation",
    "maker", "ip", "mac", "serial", "firmware", "evidence_summary", "verdict_reason",
)
NOTE = (
    "# camaudit worksheet for FAR 52.204-25(d)(2)(i): devices whose firmware maker is covered "
    "under NDAA FY2019 sec. 889 (policy ndaa-889).",
    "# This scan supports, but does not replace, the reasonable inquiry (FAR 52.204-25(a)): "
    "confirm brand and model from each item's label and purchase records, fill in the contract, "
    "order and supplier fields (name, UEI, CAGE) and the mitigation, and report to the "
    "Contracting Officer (DoD: https://dibnet.dod.mil) within one business day of "
    "identification; further mitigation within 10 business days (FAR 52.204-25(d)(2)(ii)).",
    "# Coverage of Hikvision, Dahua and Hytera equipment depends on its use (public safety, "
    "security of Government facilities, physical security surveillance of critical "
    "infrastructure, other national security purposes); exceptions and waivers: FAR 4.2104, "
    "52.204-25(c).",
)
MAX_EVIDENCE = 8


def covered_verdict(d: Device, policy: str = POLICY) -> Verdict | None:
    return next((v for v in d.verdicts if v.policy == policy and v.status == "covered"), None)


def description(d: Device) -> str:
    kind = (d.device_type or "network video device").replace("-", " ")
    text = f"{kind} with {d.maker or 'unknown'} firmware"
    if d.brand and d.brand != d.maker:
        text += f", labelled {d.brand}"
    elif d.relabeled:
        text += ", brand-neutral OEM build (check the label)"
    return text


def evidence_summary(d: Device) -> str:
    items = list(dict.fromkeys(f"{e.rule} ({e.key or 'evidence'} via {e.source or 'record'})"
                               for e in d.evidence if e.rule))
    extra = len(items) - MAX_EVIDENCE
    text = "; ".join(items[:MAX_EVIDENCE])
    return text + (f"; and {extra} more" if extra > 0 else "")


def row(d: Device, verdict: Verdict) -> list[str]:
    values: dict[str, object] = dict.fromkeys(COLUMNS, "")
    values.update({
        "brand": d.brand, "model_number": d.model, "item_description": description(d),
        "maker": d.maker, "ip": d.ip, "mac": d.mac, "serial": d.serial, "firmware": d.firmware,
        "evidence_summary": evidence_summary(d), "verdict_reason": verdict.reason,
    })
    return [csv_cell(values[c]) for c in COLUMNS]


def render(devices: Sequence[Device], meta: dict[str, Any]) -> str:
    """The worksheet for ``devices`` (which must carry their ``ndaa-889`` verdicts)."""
    rows = [(d, v) for d in devices if (v := covered_verdict(d)) is not None]
    source = meta.get("input") or "scan"
    head = [[line] for line in NOTE]
    head.append([f"# {len(rows)} covered device(s) of {len(devices)} in {source}, "
                 f"evaluated as of {meta.get('date', 'today')}."])
    return csv_text([*head, COLUMNS, *(row(d, v) for d, v in rows)])
