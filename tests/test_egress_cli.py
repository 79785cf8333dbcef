from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from click.testing import CliRunner
from tests.egress.pcapgen import AXIS, DAHUA, EZVIZ, HIK, XM, cameras, pcap_bytes

from camaudit.egress_cli import egress
from camaudit.errors import UsageError


def _files(tmp_path: Path) -> tuple[Path, Path]:
    cap = tmp_path / "cams.pcap"
    cap.write_bytes(pcap_bytes(cameras().packets))
    scan = tmp_path / "scan.json"
    scan.write_text(json.dumps({"devices": [
        {"ip": HIK, "maker": "Hikvision"}, {"ip": DAHUA, "maker": "Dahua"},
        {"ip": EZVIZ, "maker": "Hikvision"}, {"ip": AXIS, "maker": "Axis"}]}))
    return cap, scan


def test_json_output_and_exit_1(tmp_path: Path) -> None:
    cap, scan = _files(tmp_path)
    r = CliRunner().invoke(egress, [str(cap), "--devices", str(scan), "--format", "json"])
    assert r.exit_code == 1, r.output
    doc = json.loads(r.output)
    devs = {d["ip"]: d for d in doc["devices"]}
    assert devs[AXIS]["findings"] == [] and devs[AXIS]["flagged"] is False
    assert devs[XM]["in_inventory"] is False and devs[XM]["flagged"] is True
    assert devs[HIK]["maker"] == "Hikvision"
    assert doc["egress"]["ip_data"]["date"] == "2026-06-17"
    assert "CC BY 4.0" in doc["egress"]["ip_data"]["attribution"]
    f = devs[EZVIZ]["findings"][0]
    for key in ("destination", "ip", "country", "asn", "kind", "bytes_out", "bytes_in",
                "first_seen", "last_seen", "evidence"):
        assert key in f


def test_clean_device_exit_0_and_csv(tmp_path: Path) -> None:
    cap = tmp_path / "axis.pcap"
    t = cameras()
    cap.write_bytes(pcap_bytes(t.packets[-2:]))
    r = CliRunner().invoke(egress, [str(cap), "--format", "csv"])
    assert r.exit_code == 0, r.output
    rows = list(csv.DictReader(io.StringIO(r.output)))
    assert len(rows) == 1 and rows[0]["destination"] == ""


def test_flag_country_none_still_flags_rules(tmp_path: Path) -> None:
    cap, _ = _files(tmp_path)
    r = CliRunner().invoke(egress, [str(cap), "--flag-country", "", "--format", "json"])
    assert r.exit_code == 1
    doc = json.loads(r.output)
    reasons = [x for d in doc["devices"] for f in d["findings"] for x in f["reasons"]]
    assert reasons and not any(x.startswith("country") for x in reasons)


def test_table_and_output_file(tmp_path: Path) -> None:
    cap, scan = _files(tmp_path)
    out = tmp_path / "o.txt"
    r = CliRunner().invoke(egress, [str(cap), "--devices", str(scan), "-o", str(out)])
    assert r.exit_code == 1
    text = out.read_text()
    assert "dev.hik-connect.com" in text and "clean" in text and "IP data of" in text


def test_bad_input_is_usage_error(tmp_path: Path) -> None:
    bad = tmp_path / "bad.bin"
    bad.write_bytes(b"\x00" * 64)
    r = CliRunner().invoke(egress, [str(bad)])
    assert isinstance(r.exception, UsageError)
    assert str(r.exception).startswith(f"{bad}: offset 0:")
    r = CliRunner().invoke(egress, [str(bad), "--flag-country", "CHN"])
    assert isinstance(r.exception, UsageError)


def test_truncated_capture_warns_and_keeps(tmp_path: Path) -> None:
    cap, _ = _files(tmp_path)
    cap.write_bytes(cap.read_bytes()[:-30])
    r = CliRunner().invoke(egress, [str(cap), "--format", "json"])
    assert r.exit_code == 1
    assert "warning" in r.stderr and "offset" in r.stderr
    doc = json.loads(r.stdout)
    assert doc["egress"]["damage"] and doc["devices"]


def test_help_has_examples() -> None:
    r = CliRunner().invoke(egress, ["--help"])
    assert r.exit_code == 0 and "camaudit egress conn.log dns.log" in r.output
