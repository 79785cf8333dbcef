"""``camaudit inventory`` through click, on a real SQLite store (the lead wires it into cli)."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from camaudit.cli import _Group
from camaudit.cli.inventory import inventory, parse_since
from camaudit.inventory import ScanMeta, open_store
from camaudit.model import Device, Evidence, Observation, Port, Verdict

# Scan metadata only: nothing is sent to these addresses.
SURVEYED = ("10.0.0.0/24",)


@click.group(cls=_Group)
def root() -> None:
    """camaudit, as the lead wires it."""


root.add_command(inventory)


def dev(ip: str, maker: str, brand: str, ports: tuple[int, ...] = (80,),
        covered: bool = True) -> Device:
    return Device(ip=ip, maker=maker, brand=brand, relabeled=maker != brand,
                  ports=tuple(Port(p) for p in ports), confidence=0.9,
                  evidence=(Evidence("tcp/80 GET /", "http.header.server", "=cmd|' /C calc'!A0",
                                     "hik-webs"),),
                  verdicts=(Verdict("ndaa-889", "covered" if covered else "not-covered", "r"),))


@pytest.fixture
def db(tmp_path: Path) -> str:
    path = str(tmp_path / "inv.db")
    store = open_store(path)
    store.save_scan(ScanMeta("2025-01-01T00:00:00Z", SURVEYED, {}, "hq"),
                    [dev("10.0.0.5", "Hikvision", "LTS"), dev("10.0.0.6", "Dahua", "Dahua")])
    store.save_scan(ScanMeta("2025-02-01T00:00:00Z", SURVEYED, {}, "hq"),
                    [dev("10.0.0.5", "Hikvision", "LTS", ports=(80, 554)),
                     dev("10.0.0.7", "Axis", "Axis", covered=False)])
    store.close()
    return path


def run(*args: str) -> tuple[int, str, str]:
    r = CliRunner().invoke(root, list(args))
    return r.exit_code, r.stdout, r.stderr


def test_list_filters_and_formats(db: str) -> None:
    code, out, _ = run("inventory", "list", "--db", db, "--format", "json")
    assert code == 0
    assert [d["ip"] for d in json.loads(out)["inventory"]["devices"]] == [
        "10.0.0.5", "10.0.0.6", "10.0.0.7"]
    code, out, _ = run("inventory", "list", "--db", db, "--covered", "--since", "2025-01-15",
                       "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(out)))
    assert [(r["ip"], r["maker"], r["first_seen"]) for r in rows] == [
        ("10.0.0.5", "Hikvision", "2025-01-01T00:00:00Z")]
    code, out, _ = run("inventory", "list", "--db", db, "--maker", "dahua")
    assert code == 0 and "10.0.0.6" in out and "10.0.0.5" not in out


def test_show_history_diff(db: str, tmp_path: Path) -> None:
    code, out, _ = run("inventory", "show", "10.0.0.5", "--db", db, "--format", "json")
    doc = json.loads(out)["device"]
    assert [s["scan_id"] for s in doc["sightings"]] == [1, 2]
    assert doc["evidence"][0]["scans"] == [1, 2] and doc["latest"]["ports"][1]["port"] == 554
    code, out, _ = run("inventory", "show", "10.0.0.5", "--db", db)
    assert code == 0 and "Evidence over time" in out
    code, out, _ = run("inventory", "history", "--db", db, "--format", "json")
    assert [s["id"] for s in json.loads(out)["scans"]] == [1, 2]
    code, out, _ = run("inventory", "history", "10.0.0.6", "--db", db, "--format", "csv")
    assert out.count("\n") == 2 and "'=cmd" not in out  # evidence is not in this listing
    code, out, _ = run("inventory", "diff", "--db", db, "--format", "csv")
    rows = list(csv.reader(io.StringIO(out)))
    assert rows[1:] == [["changed", "10.0.0.5", "ports", "80/tcp", "80/tcp,554/tcp"],
                        ["vanished", "10.0.0.6", "", "Dahua / Dahua", ""],
                        ["appeared", "10.0.0.7", "", "", "Axis / Axis"]]
    out_file = tmp_path / "d.json"
    code, _, err = run("inventory", "diff", "1", "2", "--db", db, "--format", "json", "-o",
                       str(out_file))
    assert code == 0 and "wrote" in err
    assert json.loads(out_file.read_text())["diff"]["to_scan"] == 2


def test_errors_are_one_line_exit_2(db: str, tmp_path: Path) -> None:
    for args, message in [
        (("list", "--db", str(tmp_path / "none.db")), "no inventory at"),
        (("show", "10.9.9.9", "--db", db), "no device 10.9.9.9"),
        (("diff", "1", "--db", db), "two scan ids"),
        (("diff", "1", "7", "--db", db), "no scan 7"),
        (("list", "--db", db, "--since", "yesterday"), "bad --since"),
        (("list", "--db", db, "--subnet", "10.0.0.0/99"), "bad subnet"),
    ]:
        code, _, err = run("inventory", *args)
        assert code == 2, args
        assert err.startswith("camaudit: error: ") and message in err and err.count("\n") == 1


def test_help_has_examples() -> None:
    for sub in ("list", "show", "history", "diff"):
        code, out, _ = run("inventory", sub, "--help")
        assert code == 0 and "Examples:" in out and "--db" in out


def test_parse_since() -> None:
    assert parse_since("2025-01-02") == "2025-01-02"
    assert parse_since("2025-01-02T10:00:00+02:00") == "2025-01-02T08:00:00Z"


def test_show_lists_what_an_unknown_device_said(tmp_path: Path) -> None:
    path = str(tmp_path / "said.db")
    unknown = Device(ip="10.0.0.9", ports=(Port(80),), observations=(
        Observation("http.header.server", "GoAhead-Webs", "tcp/80 GET /"),
        Observation("http.realm", "Surveillance Server", "tcp/80 GET /")))
    with open_store(path) as store:
        store.save_scan(ScanMeta("2025-03-01T00:00:00Z", SURVEYED, {}, "hq"), [unknown])
    code, out, _ = run("inventory", "show", "10.0.0.9", "--db", path)
    assert code == 0
    assert "no rule matched" in out and "GoAhead-Webs" in out and "Surveillance Server" in out
    code, out, _ = run("inventory", "show", "10.0.0.9", "--db", path, "--format", "json")
    said = json.loads(out)["device"]["latest"]["observations"]
    assert {"key": "http.realm", "value": "Surveillance Server", "source": "tcp/80 GET /"} in said


def test_terminal_output_strips_escapes_json_keeps_them(tmp_path: Path) -> None:
    path = str(tmp_path / "inv.db")
    store = open_store(path)
    page = "<title>\x1b]0;owned\x07Cam\x1b]8;;http://evil/\x1b\\x\x1b]8;;\x1b\\</title>"
    store.save_scan(ScanMeta("2025-01-01T00:00:00Z", SURVEYED, {}, "hq"), [
        Device(ip="10.0.0.5", maker="Hikvision", brand="\x9d52;c;ZXZpbA==\x9cLTS",
               evidence=(Evidence("tcp/80 GET /", "http.body", page, "hik-title"),))])
    store.close()
    for args in (("show", "10.0.0.5"), ("list",)):
        code, out, _ = run("inventory", *args, "--db", path)
        assert code == 0 and "\x1b" not in out and "\x9d" not in out and "\x07" not in out
    code, out, _ = run("inventory", "show", "10.0.0.5", "--db", path)
    assert "Cam" in out and "LTS" in out
    code, out, _ = run("inventory", "show", "10.0.0.5", "--db", path, "--format", "json")
    assert json.loads(out)["device"]["evidence"][0]["value"] == page


def test_a_corrupt_row_is_skipped_with_one_line(db: str) -> None:
    import sqlite3

    conn = sqlite3.connect(db)
    conn.execute("UPDATE sightings SET record = '[[[' WHERE ip = '10.0.0.7'")
    conn.commit()
    conn.close()
    code, out, err = run("inventory", "list", "--db", db, "--format", "csv")
    assert code == 0 and "10.0.0.5" in out and "10.0.0.7" not in out
    assert err.count("\n") == 1 and "10.0.0.7" in err and "corrupt record skipped" in err
    code, out, err = run("inventory", "show", "10.0.0.5", "--db", db)
    assert code == 0 and err == ""


def test_report_all_sites_is_a_rollup_with_a_site_column(tmp_path: Path) -> None:
    from camaudit.inventory import ScanMeta, open_store
    from camaudit.model import Device

    db = tmp_path / "inv.db"
    store = open_store(db)
    try:
        for site, ip in (("north", "10.0.0.1"), ("south", "10.0.0.1")):
            store.save_scan(ScanMeta("2026-01-01T00:00:00Z", (site,), {}, site),
                            [Device(ip=ip, maker="Axis", brand=f"brand-{site}")])
    finally:
        store.close()
    from camaudit.cli import cli

    def run(*args: str) -> tuple[int, str, str]:
        r = CliRunner().invoke(cli, list(args))
        return r.exit_code, r.stdout, r.stderr

    out = tmp_path / "all.html"
    code, _, err = run("report", "--format", "html", "--all-sites", "--db", str(db), "-o",
                       str(out))
    assert code == 0, err
    html = out.read_text(encoding="utf-8")
    assert html.count('<td data-key="site">north</td>') == 1
    assert html.count('<td data-key="site">south</td>') == 1
    assert "brand-north" in html and "brand-south" in html
    code, _, err = run("report", "--format", "html", "--all-sites", "--site", "north", "--db",
                       str(db))
    assert code == 2 and "--all-sites" in err
