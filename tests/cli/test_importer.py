"""``camaudit import nmap``, the report formats it shares with scan and report, and nmap itself
against the loopback lab."""

from __future__ import annotations

import csv
import io
import ipaddress
import json
import os
import shutil
import subprocess
from contextlib import closing
from pathlib import Path

import pytest
from click.testing import CliRunner

from camaudit.cli import cli
from camaudit.cli.check import REPORT_FORMATS
from camaudit.cli.importer import IMPORT_FORMATS
from camaudit.cli.scan import SCAN_FORMATS
from camaudit.reports import REPORTERS

FIXTURE = Path(__file__).parent.parent / "data" / "nmap" / "lab-sV-scripts.xml"
NEW_FORMATS = {"ocsf", "cyclonedx", "netbox"}


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_every_reporter_is_a_format_of_import_scan_and_report() -> None:
    assert IMPORT_FORMATS == tuple(REPORTERS)
    assert NEW_FORMATS <= set(SCAN_FORMATS) and NEW_FORMATS <= set(REPORT_FORMATS)
    assert set(SCAN_FORMATS) <= set(REPORTERS)
    assert set(REPORT_FORMATS) - {"far-889"} <= set(REPORTERS)


def test_import_judges_the_hosts_like_a_scan(tmp_path: Path) -> None:
    out = tmp_path / "import.json"
    code, _, err = run("import", "nmap", str(FIXTURE), "--no-db", "--format", "json",
                       "-o", str(out))
    assert code == 1, err  # the lab holds covered devices
    doc = json.loads(out.read_text())
    assert doc["scan"]["source"] == "nmap" and doc["scan"]["hosts"] == 15
    assert doc["scan"]["nmap"].startswith("nmap -sV")
    assert doc["scan"]["time"] == "2026-12-02T06:52:22Z"
    by_ip = {d["ip"]: d for d in doc["devices"]}
    hik = by_ip["127.72.0.8"]
    assert hik["maker"] == "Hikvision" and hik["last_seen"].startswith("2026-12-02T")
    assert {v["policy"]: v["status"] for v in hik["verdicts"]} == {
        "fcc-covered-list": "covered", "ndaa-889": "covered"}
    assert by_ip["127.72.0.6"]["brand"] == "Lorex" and by_ip["127.72.0.6"]["relabeled"]


@pytest.mark.parametrize("fmt", sorted(NEW_FORMATS))
def test_import_writes_the_new_formats(fmt: str) -> None:
    code, out, err = run("import", "nmap", str(FIXTURE), "--no-db", "--format", fmt)
    assert code == 1, err
    if fmt == "ocsf":
        assert [json.loads(line)["class_uid"] for line in out.splitlines()] == [5001] * 15
    elif fmt == "cyclonedx":
        assert len(json.loads(out)["components"]) == 15
    else:
        assert out.splitlines()[0].startswith("name,role,manufacturer,device_type,site")


def test_import_is_recorded_and_reported_like_a_scan(tmp_path: Path) -> None:
    from camaudit.inventory import open_store

    db = tmp_path / "inv.db"
    code, _, err = run("import", "nmap", str(FIXTURE), "--db", str(db), "--site", "lab",
                       "--format", "jsonl")
    assert code == 1, err
    with closing(open_store(str(db), create=False)) as store:
        (scan,) = store.scans("lab")
    assert scan.device_count == 15 and scan.options["source"] == "nmap"
    assert scan.options["nmap"].startswith("nmap -sV") and scan.targets == (str(FIXTURE),)
    code, out, err = run("report", "--format", "netbox", "--db", str(db), "--site", "lab")
    assert code == 0, err
    rows = list(csv.DictReader(io.StringIO(out, newline="")))
    assert len(rows) == 15 and {(r["site"], r["status"]) for r in rows} == {("lab", "active")}


def test_scan_writes_the_new_formats() -> None:
    code, out, err = run("scan", "127.0.0.251", "-p", "9", "--timeout", "0.3", "-q", "--no-db",
                         "--format", "cyclonedx")
    assert code == 0, err
    assert json.loads(out)["bomFormat"] == "CycloneDX"


def test_unreadable_malformed_or_oversized_files_are_one_line_errors(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    code, _, err = run("import", "nmap", str(tmp_path / "missing.xml"), "--no-db")
    assert code == 2 and "missing.xml" in err and err.count("\n") == 1
    bad = tmp_path / "bad.xml"
    bad.write_text('<?xml version="1.0"?>\n<nmaprun>\n<host>\n</nmaprun>\n')
    code, _, err = run("import", "nmap", str(bad), "--no-db")
    assert code == 2 and err.count("\n") == 1
    assert f"{bad}:4: not well-formed XML: mismatched tag" in err
    from camaudit.formats import nmap_xml

    monkeypatch.setattr(nmap_xml, "MAX_BYTES", 1024)
    code, _, err = run("import", "nmap", str(FIXTURE), "--no-db")
    assert code == 2 and err.count("\n") == 1 and f"{FIXTURE}: larger than" in err


# --- nmap against the lab ------------------------------------------------------------------

LOOPBACK = ipaddress.ip_network("127.0.0.0/8")
LIVE_NET = "127.73.0.0/29"
# Two lab devices whose maker-naming reply nmap -sV keeps whole:
# * dahua-cgi, tcp/80: nmap cannot name the service, so its servicefp holds the device's reply
#   to GET / (a 401 with Digest realm "Login to <hex>"), the reply camaudit's scan reads on its
#   own GET /;
# * hikvision-ipc, tcp/8000: nmap names the service itself (no servicefp), and its banner script
#   prints the 16 bytes the port sends unprompted, which camaudit's scan reads as its banner.
# The other profiles answer nmap with replies it names without keeping them (or, like LIVE555's
# RTSP server, only to requests nmap never sends), so nmap and camaudit would not have seen the
# same replies; the committed run of the whole lab (tests/formats/test_nmap_xml.py) covers them.
LIVE_PROFILES = ["dahua-cgi", "hikvision-ipc"]
LIVE_PORTS = "80,8000"
# Fast and small: no version probes but the NULL probe and the port's own, banner reads of 1 s.
NMAP = ["nmap", "-sV", "-n", "-Pn", "-T5", "--version-intensity", "0", "--script", "banner",
        "--script-args", "banner.timeout=1s", "-p", LIVE_PORTS]


@pytest.mark.lab
@pytest.mark.skipif(os.geteuid() != 0, reason="the lab binds ports below 1024 (root)")
@pytest.mark.skipif(shutil.which("nmap") is None,
                    reason="nmap is not installed (Debian: apt-get install nmap)")
def test_import_of_a_live_nmap_run_names_the_makers_a_scan_names(tmp_path: Path) -> None:
    from camaudit.lab.control import down, up

    state, xml = tmp_path / "lab.json", tmp_path / "nmap.xml"
    truth = up(LIVE_NET, None, LIVE_PROFILES, None, state, background=True)
    try:
        ips = [t.ip for t in truth]
        assert ips and all(ipaddress.ip_address(ip) in LOOPBACK for ip in ips)
        subprocess.run([*NMAP, "-oX", str(xml), *ips], check=True, capture_output=True,
                       timeout=90)
        code_i, imported, err_i = run("import", "nmap", str(xml), "--no-db", "--format", "json")
        code_s, scanned, err_s = run("scan", *ips, "-p", LIVE_PORTS, "--no-db", "--format",
                                     "json", "-q")
    finally:
        down(state)
    assert (code_i, code_s) == (1, 1), (err_i, err_s)
    by_import = {d["ip"]: d for d in json.loads(imported)["devices"]}
    by_scan = {d["ip"]: d for d in json.loads(scanned)["devices"]}
    expected = {t.ip: t.maker for t in truth}
    assert expected == dict(zip(ips, ["Dahua", "Hikvision"], strict=True))
    assert {ip: d["maker"] for ip, d in by_import.items()} == expected
    assert {ip: d["maker"] for ip, d in by_scan.items()} == expected
    # the import named them from the replies nmap kept, and the scan saw the same traits
    dahua, hik = ips
    assert {(e["key"], e["source"]) for e in by_import[dahua]["evidence"]} >= {
        ("http.realm", "nmap tcp/80 GetRequest")}
    assert {(e["key"], e["source"]) for e in by_import[hik]["evidence"]} >= {
        ("banner.hex", "nmap tcp/8000 banner")}
    for ip in ips:
        imported_rules = {e["rule"] for e in by_import[ip]["evidence"]}
        assert imported_rules <= {e["rule"] for e in by_scan[ip]["evidence"]}, ip
