"""``camaudit scan``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from camaudit.cli import cli


def run(*args: str, stdin: str | bytes | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args), input=stdin)
    return result.exit_code, result.stdout, result.stderr


def test_scan_loopback_with_nothing_listening_prints_empty_json(tmp_path: Path) -> None:
    out_file = tmp_path / "scan.json"
    code, _, _ = run("scan", "127.0.0.251", "-p", "9", "--timeout", "0.3", "--format", "json",
                     "-o", str(out_file), "-q")
    assert code == 0
    doc = json.loads(out_file.read_text())
    assert doc["devices"] == [] and doc["scan"]["hosts"] == 1


def test_scan_rate_is_checked_and_used(tmp_path: Path) -> None:
    code, _, err = run("scan", "127.0.0.1", "--rate", "0")
    assert code == 2 and "Invalid value for '--rate'" in err
    out_file = tmp_path / "scan.json"
    code, _, _ = run("scan", "127.0.0.251", "-p", "9,10,11", "--timeout", "0.3", "--rate", "40",
                     "--format", "json", "-o", str(out_file), "-q", "--no-db")
    assert code == 0 and json.loads(out_file.read_text())["devices"] == []


def test_scan_refuses_an_unusable_inventory_before_the_work(tmp_path: Path) -> None:
    code, _, err = run("scan", "127.0.0.251", "-p", "9", "--timeout", "0.3", "-q",
                       "--db", str(tmp_path))
    assert code == 2 and "is not a file" in err and err.count("\n") == 1


def test_scan_results_survive_an_inventory_that_fails_when_recording(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from camaudit.errors import InventoryError
    from camaudit.inventory.sqlstore import SqlStore

    def broken(*_: object, **__: object) -> int:
        raise InventoryError("inventory x: disk full")

    monkeypatch.setattr(SqlStore, "add_devices", broken)
    out_file = tmp_path / "scan.json"
    code, _, err = run("scan", "127.0.0.251", "-p", "9", "--timeout", "0.3", "--format", "json",
                       "-o", str(out_file), "-q", "--db", str(tmp_path / "inv.db"))
    assert code == 2
    assert json.loads(out_file.read_text())["devices"] == []
    assert "disk full" in err and f"they are in {out_file}" in err
