"""Device records from scan files (every form ``scan`` writes) and from the inventory."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from tests.cli.test_check import RECORDS

from camaudit.devicefile import load_devices, read_devices
from camaudit.errors import InventoryError, UsageError
from camaudit.inventory import record_scan


@pytest.fixture
def scan(tmp_path: Path) -> Path:
    path = tmp_path / "scan.json"
    doc = {"camaudit": "0.1.0", "scan": {"targets": ["127.0.0.0/24"]}, "devices": RECORDS}
    path.write_text(json.dumps(doc, indent=2), encoding="utf-8")
    return path


@pytest.mark.parametrize(("content", "message"), [
    ("", "in.json:1: empty input"),
    ('{"devices": [\n  {"ip": "x",}\n]}', "in.json:2: invalid JSON"),
    ('{"ip": "a"}\n{"ip": \n', "in.json:2: invalid JSON line"),
    ('{"devices": [{"maker": "Dahua"}]}', "in.json: devices[0]: device record lacks field 'ip'"),
    ('{"devices": {"ip": "a"}}', "in.json:1: field 'devices' must be a list"),
    ('[{"ip": "a", "confidence": "high"}]', "in.json: [0]: not a device record"),
    ("42", "in.json:1: expected a scan document"),
])
def test_bad_input_names_file_and_line(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "in.json"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(UsageError) as e:
        read_devices(path)
    assert str(e.value).startswith(f"{tmp_path}/{message}"), str(e.value)


def test_input_forms_give_the_same_devices(scan: Path, tmp_path: Path) -> None:
    jsonl = tmp_path / "scan.jsonl"
    jsonl.write_text("".join(json.dumps(r) + "\n\n" for r in RECORDS), encoding="utf-8")
    listed = tmp_path / "list.json"
    listed.write_text(json.dumps(RECORDS), encoding="utf-8")
    one = tmp_path / "one.json"
    one.write_text(json.dumps(RECORDS[0]), encoding="utf-8")
    assert read_devices(scan) == read_devices(jsonl) == read_devices(listed)
    assert read_devices(one) == read_devices(scan)[:1]
    with pytest.raises(UsageError, match="cannot read"):
        read_devices(tmp_path / "absent.json")


def test_load_devices_from_a_file_or_the_inventory(scan: Path, tmp_path: Path) -> None:
    devices, meta = load_devices(scan, None, None, None)
    assert devices == read_devices(scan) and meta == {"input": str(scan)}
    db = tmp_path / "inv.db"
    record_scan(str(db), "2025-06-01T10:00:00Z", ["127.0.0.0/24"], {}, "hq", devices)
    stored, meta = load_devices(None, str(db), "hq", None)
    assert [d.ip for d in stored] == [d.ip for d in devices] and meta["site"] == "hq"
    with pytest.raises(InventoryError, match="absent.db"):
        load_devices(None, str(tmp_path / "absent.db"), None, None)
