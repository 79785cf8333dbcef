"""FAR 52.204-25(d)(2)(i) worksheet: the clause's fields, covered devices only, defused cells."""

from __future__ import annotations

import csv
import io

from camaudit.model import Device, Evidence, Verdict
from camaudit.reports.far889 import COLUMNS, NOTE, description, evidence_summary, render

COVERED = Verdict("ndaa-889", "covered", "maker Dahua ... covered", ("FAR 52.204-25",))


def _device(ip: str, status: str = "covered", **kw: object) -> Device:
    verdict = Verdict("ndaa-889", status, "why", ())
    return Device(ip=ip, verdicts=(Verdict("fcc-covered-list", "covered", "x", ()), verdict),
                  **kw)  # type: ignore[arg-type]


def _parse(text: str) -> tuple[list[str], list[dict[str, str]]]:
    lines = text.splitlines()
    notes = [r[0] for r in csv.reader(lines) if r and r[0].startswith("#")]
    body = [ln for ln in lines if not ln.startswith(("#", '"#'))]
    return notes, list(csv.DictReader(io.StringIO("\n".join(body))))


def test_columns_follow_the_clause_with_supplier_fields_left_empty() -> None:
    assert COLUMNS[:12] == (
        "contract_number", "order_number", "supplier_name", "supplier_uei", "supplier_cage_code",
        "brand", "model_number", "oem_number", "manufacturer_part_number", "wholesaler_number",
        "item_description", "mitigation")
    d = _device("127.0.0.31", maker="Dahua", brand="Lorex", relabeled=True, model="N841",
                serial="ND0118", firmware="V4.0", device_type="nvr", mac="00:1f:54:00:00:01",
                evidence=(Evidence("udp/37810", "dhip.present", "1", "dahua-dhip"),))
    notes, rows = _parse(render([d], {"input": "scan.json", "date": "2025-09-01"}))
    (row,) = rows
    assert all(row[c] == "" for c in COLUMNS[:5]) and row["mitigation"] == ""
    assert row["brand"] == "Lorex" and row["model_number"] == "N841"
    assert row["item_description"] == "nvr with Dahua firmware, labelled Lorex"
    assert row["evidence_summary"] == "dahua-dhip (dhip.present via udp/37810)"
    assert (row["maker"], row["ip"], row["serial"], row["firmware"]) == (
        "Dahua", "127.0.0.31", "ND0118", "V4.0")
    assert row["verdict_reason"] == "why"
    assert notes[:3] == list(NOTE)
    assert notes[3] == "# 1 covered device(s) of 1 in scan.json, evaluated as of 2025-09-01."


def test_only_devices_covered_under_ndaa_889_get_a_row() -> None:
    devices = [_device("a"), _device("b", "not-covered"), _device("c", "unknown"),
               Device(ip="d", verdicts=(Verdict("fcc-covered-list", "covered", "x", ()),))]
    _, rows = _parse(render(devices, {}))
    assert [r["ip"] for r in rows] == ["a"]


def test_device_controlled_cells_are_defused() -> None:
    d = _device("127.0.0.32", maker="Hikvision", brand="=cmd|' /C calc'!A0", model="+1+1",
                serial="@SUM(A1)", firmware="-2")
    _, (row,) = _parse(render([d], {}))
    assert row["brand"] == "'=cmd|' /C calc'!A0" and row["model_number"] == "'+1+1"
    assert row["serial"] == "'@SUM(A1)" and row["firmware"] == "'-2"


def test_description_and_evidence_summary() -> None:
    assert description(Device(ip="x", maker="Hikvision", relabeled=True)) == (
        "network video device with Hikvision firmware, brand-neutral OEM build (check the label)")
    many = Device(ip="x", evidence=tuple(Evidence("s", "k", "v", f"r{i}") for i in range(11)))
    assert evidence_summary(many).endswith("r7 (k via s); and 3 more")


def test_a_carriage_return_cannot_start_a_formula_row() -> None:
    text = render([_device("10.0.0.1", maker="Dahua", brand="x\r=cmd|' /C calc'!A0")], {})
    rows = list(csv.reader(io.StringIO(text, newline="")))
    assert len(rows) == len(NOTE) + 3
    assert not any(cell.startswith(("=", "+", "-", "@")) for row in rows for cell in row)
    assert rows[-1][COLUMNS.index("brand")] == "x\r=cmd|' /C calc'!A0"
