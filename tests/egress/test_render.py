from __future__ import annotations

import csv
import io
import json

from tests.egress.test_analysis import CAM, NVR, _cap

from camaudit.egress.analysis import Result, analyse
from camaudit.egress.flows import Damage
from camaudit.egress.render import CSV_COLUMNS, render_csv, render_json, render_table
from camaudit.model import Device


def _result() -> Result:
    cap = _cap()
    cap.damage.append(Damage("x.pcap", 99, "truncated record"))
    return analyse(cap, [Device(ip=CAM, maker="Hikvision"), Device(ip="192.168.1.250")],
                   ("CN",))


def test_json_is_the_result_and_one_finding_per_line() -> None:
    res = _result()
    text = render_json(res)
    doc = json.loads(text)
    assert doc["devices"] == [d.to_json() for d in res.devices]
    assert doc["egress"] == res.meta() and doc["egress"]["damage"] == [
        "x.pcap: offset 99: truncated record"]
    finding_lines = [ln for ln in text.splitlines() if ln.lstrip().startswith('{"destination"')]
    assert len(finding_lines) == sum(len(d.findings) for d in res.devices)
    empty = Result((), (), (), 0, ())
    assert json.loads(render_json(empty))["devices"] == []


def test_csv_rows_and_clean_devices() -> None:
    rows = list(csv.DictReader(io.StringIO(render_csv(_result()))))
    assert tuple(rows[0]) == CSV_COLUMNS
    clean = [r for r in rows if r["device"] == "192.168.1.250"]
    assert len(clean) == 1 and clean[0]["destination"] == "" and clean[0]["in_inventory"] == "true"
    nvr = [r for r in rows if r["device"] == NVR]
    assert nvr[0]["in_inventory"] == "false" and nvr[0]["flagged"] == "true"
    assert nvr[0]["reasons"] == "country CN" and nvr[0]["bytes_out"] == "5000"
    cam = [r for r in rows if r["device"] == CAM]
    assert cam[0]["maker"] == "Hikvision" and " | " not in cam[0]["destination"]


def test_table_marks_flags_damage_and_attribution() -> None:
    text = render_table(_result())
    assert "2 flagged" in text and "FLAG" in text
    assert "clean (0 local)" in text and "(not in inventory)" in text
    assert "damage: x.pcap: offset 99: truncated record" in text
    assert "CC BY 4.0" in text


def test_json_survives_text_that_looks_like_a_finding_boundary() -> None:
    cap = _cap()
    cap.add_flow_name((CAM, "34.241.130.159", "tcp", 8555), 'x}, {"destination": "y',
                      'evidence }, {"destination": ')
    res = analyse(cap, None, ("CN",))
    doc = json.loads(render_json(res))
    assert doc["devices"] == [d.to_json() for d in res.devices]
