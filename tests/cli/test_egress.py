from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from click.testing import CliRunner
from tests.egress.pcapgen import AXIS, DAHUA, EZVIZ, HIK, XM, cameras, pcap_bytes

from camaudit.cli.egress import egress
from camaudit.errors import UsageError
from camaudit.inventory import open_store, record_scan
from camaudit.model import Device

# Scan metadata only: nothing is sent to these addresses.
SURVEYED = ["192.168.1.0/24"]

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
    doc = json.loads(r.stdout)
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


def _inventory(tmp_path: Path) -> tuple[str, int]:
    """An inventory whose one full scan at site hq found the Hikvision-like and Axis-like
    devices (addresses only as records: nothing is sent anywhere)."""
    db = str(tmp_path / "inv.db")
    scan = record_scan(db, "2026-01-01T00:00:00Z", SURVEYED, {}, "hq",
                       [Device(ip=HIK, maker="Hikvision", brand="LTS", model="DS-2CD2032"),
                        Device(ip=AXIS, maker="Axis")])
    return db, scan


def test_inventory_devices_get_their_findings_recorded(tmp_path: Path) -> None:
    cap, _ = _files(tmp_path)
    db, first = _inventory(tmp_path)
    r = CliRunner().invoke(egress, [str(cap), "--db", db, "--format", "json"])
    assert r.exit_code == 1, r.output
    devs = {d["ip"]: d for d in json.loads(r.stdout)["devices"]}
    assert devs[HIK]["in_inventory"] and devs[AXIS]["in_inventory"]
    assert devs[XM]["in_inventory"] is False
    assert "recorded the findings in the inventory" in r.stderr
    with open_store(db) as store:
        scans = store.scans("hq")
        assert [s.id for s in scans][0] == first and len(scans) == 2
        assert scans[1].options == {"egress": [str(cap)], "partial": True}
        hik = store.history(HIK, "hq")[-1].device
        # the record is the inventory's, with the findings added
        assert (hik.maker, hik.brand, hik.model) == ("Hikvision", "LTS", "DS-2CD2032")
        assert [e.destination for e in hik.egress] == [
            f["destination"] for f in devs[HIK]["findings"]]
        assert {e.destination for e in hik.egress} >= {"dev.hik-connect.com",
                                                       "litedev.hik-connect.com"}
        assert all(e.kind == "vendor-cloud" for e in hik.egress)
        assert hik.egress[0].bytes_out == devs[HIK]["findings"][0]["bytes_out"] > 0
        # a device found only in the evidence is recorded by address; a clean one is not
        assert store.history(XM, "hq")[-1].device.egress
        assert len(store.history(AXIS, "hq")) == 1
        recorded = set(store.scans("hq")[1].targets)
        assert HIK in recorded and XM in recorded and AXIS not in recorded


def test_no_db_writes_nothing(tmp_path: Path) -> None:
    cap, _ = _files(tmp_path)
    db, _ = _inventory(tmp_path)
    r = CliRunner().invoke(egress, [str(cap), "--db", db, "--no-db", "--format", "json"])
    assert r.exit_code == 1 and "recorded" not in r.stderr
    assert {d["ip"]: d for d in json.loads(r.stdout)["devices"]}[HIK]["in_inventory"]
    with open_store(db) as store:
        assert len(store.scans()) == 1 and not store.history(HIK)[-1].device.egress
    missing = tmp_path / "none.db"
    r = CliRunner().invoke(egress, [str(cap), "--db", str(missing), "--no-db"])
    assert r.exit_code == 1 and not missing.exists()


def test_without_inventory_devices_go_by_address_and_are_recorded(tmp_path: Path) -> None:
    cap, _ = _files(tmp_path)
    db = tmp_path / "new.db"
    for _ in range(2):  # the second run reads an inventory holding only partial scans
        r = CliRunner().invoke(egress, [str(cap), "--db", str(db), "--format", "json"])
        assert r.exit_code == 1, r.output
        assert not any(d["in_inventory"] for d in json.loads(r.stdout)["devices"])
    with open_store(str(db)) as store:
        assert [s.options["partial"] for s in store.scans("")] == [True, True]
        assert len(store.history(HIK, "")) == 2


def test_clean_evidence_records_nothing(tmp_path: Path) -> None:
    cap = tmp_path / "axis.pcap"
    cap.write_bytes(pcap_bytes(cameras().packets[-2:]))
    db, _ = _inventory(tmp_path)
    r = CliRunner().invoke(egress, [str(cap), "--db", db])
    assert r.exit_code == 0, r.output
    with open_store(db) as store:
        assert len(store.scans()) == 1


def test_devices_file_excludes_inventory_options(tmp_path: Path) -> None:
    cap, scan = _files(tmp_path)
    for extra in (["--db", str(tmp_path / "x.db")], ["--site", "hq"], ["--no-db"]):
        r = CliRunner().invoke(egress, [str(cap), "--devices", str(scan), *extra])
        assert isinstance(r.exception, UsageError), extra
    assert not (tmp_path / "x.db").exists()


def test_an_unusable_inventory_is_refused_before_the_work(tmp_path: Path) -> None:
    from camaudit.errors import InventoryError

    cap, _ = _files(tmp_path)
    bad = tmp_path / "bad.db"
    bad.write_bytes(b"not a database at all " * 100)
    missing = tmp_path / "never-read.pcap"  # would be a UsageError if it were reached
    r = CliRunner().invoke(egress, [str(missing), "--db", str(bad)])
    assert isinstance(r.exception, InventoryError), r.exception
    blocker = tmp_path / "file"
    blocker.write_text("x")
    r = CliRunner().invoke(egress, [str(cap), "--db", str(blocker / "inv.db")])
    assert isinstance(r.exception, InventoryError) and "not a writable directory" in str(
        r.exception)


def test_results_are_written_when_recording_fails(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import camaudit.egress.record as record
    from camaudit.errors import InventoryError

    def broken(*args: object) -> int:
        raise InventoryError("inventory x.db: database is locked")

    monkeypatch.setattr(record, "record_egress", broken)
    cap, _ = _files(tmp_path)
    out = tmp_path / "egress.json"
    r = CliRunner().invoke(egress, [str(cap), "--db", str(tmp_path / "inv.db"), "--format",
                                    "json", "-o", str(out)])
    assert isinstance(r.exception, InventoryError)
    assert f"the results are in {out}" in str(r.exception)
    assert json.loads(out.read_text())["devices"]


def test_csv_cells_are_defused_and_table_has_no_escapes(tmp_path: Path) -> None:
    from tests.egress.pcapgen import client_hello, ipv4, tcp

    sni = "=cmd|' /C calc'!A0.example.com"
    osc = "\x1b]0;owned\x07x.example.com"
    cap = tmp_path / "evil.pcap"
    cap.write_bytes(pcap_bytes([(1_700_000_000.0, ipv4(HIK, "47.88.1.1", 6,
                                                       tcp(40000, 443, client_hello(sni)))),
                                (1_700_000_001.0, ipv4(HIK, "47.88.1.2", 6,
                                                       tcp(40001, 443, client_hello(osc))))]))
    r = CliRunner().invoke(egress, [str(cap), "--no-db", "--format", "csv"])
    rows = list(csv.DictReader(io.StringIO(r.stdout, newline="")))
    assert rows and not any(v.startswith(("=", "+", "-", "@")) for row in rows
                            for v in row.values())
    assert any(row["destination"] == "'" + sni.lower() for row in rows)
    r = CliRunner().invoke(egress, [str(cap), "--no-db"])
    assert "\x1b" not in r.stdout and "\x07" not in r.stdout and "x.example.com" in r.stdout


def test_devices_that_are_not_addresses_are_bad_input(tmp_path: Path) -> None:
    cap, _ = _files(tmp_path)
    scan = tmp_path / "scan.json"
    scan.write_text(json.dumps({"devices": [{"ip": HIK}, {"ip": "camera-1"}]}))
    r = CliRunner().invoke(egress, [str(cap), "--devices", str(scan)])
    assert isinstance(r.exception, UsageError)
    assert str(r.exception) == f"{scan}: device 1: field ip: 'camera-1' is not an IP address"
