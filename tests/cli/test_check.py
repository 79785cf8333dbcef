"""``camaudit check`` and ``camaudit report``: input forms, output formats, exit codes, errors."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from camaudit.cli import _Group
from camaudit.cli.check import check, report
from camaudit.errors import InventoryError, RuleError
from camaudit.model import Device, Evidence, Exposure, Port, Risk

DATA = Path(__file__).parent.parent / "data" / "policies"


def _record(ip: str, maker: str | None, rule: str | None, brand: str | None = None,
            confidence: float = 0.85, model: str | None = None) -> dict[str, object]:
    ev = (Evidence("tcp/80 GET /", "http.header.server", "", rule),) if rule else ()
    return Device(ip=ip, maker=maker, brand=brand, relabeled=bool(brand and brand != maker),
                  model=model, confidence=confidence, evidence=ev).to_json()


RECORDS = [
    _record("127.0.0.21", "Hikvision", "hikvision-webs", brand="EZVIZ", model="=HYPERLINK(1)"),
    _record("127.0.0.22", "Dahua", "dahua-dhip", brand="Lorex", confidence=0.95),
    _record("127.0.0.23", "Axis", "axis-device-cert-subject"),
    _record("127.0.0.24", None, None),
]


@pytest.fixture
def scan(tmp_path: Path) -> Path:
    path = tmp_path / "scan.json"
    doc = {"camaudit": "0.1.0", "scan": {"targets": ["127.0.0.0/24"]}, "devices": RECORDS}
    path.write_text(json.dumps(doc, indent=2), encoding="utf-8")
    return path


def _group() -> click.Group:
    """The commands under the CLI group class, as camaudit.cli registers them."""
    group = _Group("camaudit")
    group.add_command(check)
    group.add_command(report)
    return group


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(_group(), list(args))
    return result.exit_code, result.stdout, result.stderr


def test_check_prints_a_table_and_exits_1_when_a_device_is_covered(scan: Path) -> None:
    code, out, _ = run("check", "--input", str(scan), "--date", "2025-09-01")
    assert code == 1
    assert "127.0.0.21" in out and "fcc-covered-list" in out and "ndaa-889" in out
    assert "not-covered" in out and "unknown" in out


def test_check_exits_0_when_nothing_is_covered(tmp_path: Path) -> None:
    path = tmp_path / "clean.jsonl"
    path.write_text(json.dumps(RECORDS[2]) + "\n" + json.dumps(RECORDS[3]) + "\n",
                    encoding="utf-8")
    code, out, _ = run("check", "--input", str(path), "--format", "json")
    assert code == 0
    doc = json.loads(out)
    assert doc["check"]["policies"] == ["fcc-covered-list", "ndaa-889"]
    assert doc["check"]["covered_devices"] == 0 and doc["check"]["exposed_devices"] == 0
    statuses = [[v["status"] for v in d["verdicts"]] for d in doc["devices"]]
    assert statuses == [["not-covered", "not-covered"], ["unknown", "unknown"]]


def test_check_json_and_csv_carry_verdicts(scan: Path, tmp_path: Path) -> None:
    out_file = tmp_path / "v.csv"
    code, _, err = run("check", "--input", str(scan), "--policy", "all", "--format", "csv",
                       "-o", str(out_file), "--date", "2025-09-01")
    assert code == 1 and f"wrote {out_file}" in err
    rows = list(csv.DictReader(io.StringIO(out_file.read_text(encoding="utf-8"))))
    assert len(rows) == 4 * 8  # every shipped policy, hygiene too
    lorex = [r for r in rows if r["ip"] == "127.0.0.22" and r["policy"] == "ndaa-889"]
    assert lorex[0]["status"] == "covered" and "brand Lorex" in lorex[0]["reason"]
    assert "FAR 52.204-25" in lorex[0]["references"]
    assert {r["model"] for r in rows if r["ip"] == "127.0.0.21"} == {"'=HYPERLINK(1)"}


def test_policy_file_alone_replaces_the_defaults(scan: Path, tmp_path: Path) -> None:
    doc = (Path(__file__).parent.parent.parent / "docs" / "policies.md").read_text(encoding="utf-8")
    policy = doc.split("<!-- user-policy-example -->")[1].split("```yaml\n")[1].split("```")[0]
    path = tmp_path / "our-policy.yaml"
    path.write_text(policy, encoding="utf-8")
    code, out, _ = run("check", "--input", str(scan), "--policy-file", str(path),
                       "--format", "json")
    assert code == 1
    assert json.loads(out)["check"]["policies"] == ["our-policy"]
    code, out, _ = run("check", "--input", str(scan), "--policy-file", str(path),
                       "--policy", "uk-sensitive-sites", "--format", "json")
    assert json.loads(out)["check"]["policies"] == ["uk-sensitive-sites", "our-policy"]


def test_bad_policy_file_is_exit_2_naming_file_line_and_field(scan: Path) -> None:
    bad = DATA / "unknown-field.yaml"
    code, _, err = run("check", "--input", str(scan), "--policy-file", str(bad))
    assert code == 2
    assert err.strip() == (f"camaudit: error: {bad}:8: covers entry: unknown field 'afiliates' "
                           "(allowed: affiliates, entity, grade, makers, references, scope, "
                           "since, wording)")


def test_commands_raise_camaudit_errors_for_the_cli_group(scan: Path) -> None:
    result = CliRunner().invoke(check, ["--input", str(scan), "--policy", "nope"])
    assert isinstance(result.exception, RuleError)
    result = CliRunner().invoke(check, ["--db", "/nonexistent/inventory.db"])
    assert isinstance(result.exception, InventoryError)
    assert "no inventory at /nonexistent/inventory.db" in str(result.exception)


def test_verify_and_list_policies() -> None:
    code, out, err = run("check", "--verify-policies")
    assert (code, out) == (0, "") and "0 problem(s)" in err
    code, out, _ = run("check", "--verify-policies", "--policy-file",
                       str(DATA / "failing-examples.yaml"))
    assert code == 1 and "failing-examples.yaml:11: example 'Axis said to be covered'" in out
    code, out, _ = run("check", "--list-policies")
    assert code == 0 and out.count("\n") == 8 and out.startswith("au-government\t")
    assert "\nhygiene\t" in out


def test_report_far_889_writes_one_row_per_covered_device(scan: Path, tmp_path: Path) -> None:
    out_file = tmp_path / "far.csv"
    code, _, _ = run("report", "--format", "far-889", "--input", str(scan), "-o", str(out_file),
                     "--date", "2025-09-01")
    assert code == 0
    lines = out_file.read_text(encoding="utf-8").splitlines()
    assert "does not replace, the reasonable inquiry" in lines[1]
    data = [r for r in csv.reader(lines) if not r[0].startswith("#")]
    assert [r[data[0].index("ip")] for r in data[1:]] == ["127.0.0.21", "127.0.0.22"]


def test_report_json_and_required_options(scan: Path) -> None:
    code, out, _ = run("report", "--format", "json", "--input", str(scan))
    assert code == 0 and len(json.loads(out)["devices"][0]["verdicts"]) == 2
    code, _, err = run("report", "--input", str(scan))
    assert code == 2 and "--format" in err


def test_check_and_report_read_the_inventory(tmp_path: Path) -> None:
    from camaudit.inventory import record_scan
    from camaudit.records import device_from_record

    db = str(tmp_path / "inventory.db")
    devices = [device_from_record(r) for r in RECORDS]
    record_scan(db, "2026-01-01T00:00:00Z", ["127.0.0.0/24"], {}, "north", devices[2:])
    record_scan(db, "2026-01-02T00:00:00Z", ["127.0.0.0/24"], {}, "north", devices)
    code, out, _ = run("check", "--db", db, "--site", "north", "--format", "json",
                       "--date", "2025-09-01")
    doc = json.loads(out)["check"]
    assert code == 1 and doc["covered_devices"] == 2 and doc["site"] == "north"
    code, _, _ = run("check", "--db", db, "--scan", "1", "--date", "2025-09-01")
    assert code == 0  # the first scan held only the Axis device and the unknown one
    page = tmp_path / "north.html"
    code, _, err = run("report", "--format", "html", "--db", db, "--site", "north",
                       "-o", str(page))
    assert code == 0 and f"wrote {page}" in err
    html = page.read_text()
    assert "127.0.0.21" in html and "EZVIZ" in html and "127.0.0.22" in html


def test_check_without_input_or_inventory_is_a_usage_error(tmp_path: Path) -> None:
    code, _, err = run("check", "--db", str(tmp_path / "none.db"))
    assert code == 2 and "none.db" in err


def test_check_and_report_judge_risks_anew(tmp_path: Path) -> None:
    """A record written before the risk rules (or under older ones) gets today's risks."""
    old = Device(ip="127.0.0.31", maker="Hikvision", model="DS-2CD2142FWD-I",
                 firmware="V5.4.0 build 160401",
                 risks=(Risk("CVE-1999-0001", "possible", "stale"),)).to_json()
    path = tmp_path / "old.json"
    path.write_text(json.dumps({"devices": [old]}), encoding="utf-8")
    for args in (("check", "--format", "json"), ("report", "--format", "json")):
        code, out, _ = run(*args, "--input", str(path))
        assert code in (0, 1), out
        risks = {r["cve"]: r["status"] for r in json.loads(out)["devices"][0]["risks"]}
        assert risks == {"CVE-2017-7921": "affected", "CVE-2021-36260": "possible"}


# ---------------------------------------------------------------- hostile inputs (issue 12)
@pytest.mark.parametrize("body", [
    '{"devices": [{"ip": "127.0.0.1", "confidence": NaN}]}',
    '{"devices": [{"ip": "127.0.0.1", "confidence": 1e400}]}',
    '{"devices": [{"ip": "127.0.0.1", "ports": [' + "9" * 5000 + "]}]}",
    '{"devices": [{"ip": "127.0.0.1", "brand": "\\ud800"}]}',
    "[" * 50_000 + "]" * 50_000,
    '{"ip": "127.0.0.1", "confidence": Infinity}\n{"ip": "127.0.0.2"}\n',
])
def test_hostile_scan_files_exit_2_with_one_line(tmp_path: Path, body: str) -> None:
    path = tmp_path / "scan.json"
    path.write_text(body, encoding="utf-8", errors="surrogatepass")
    for command in ("check", "report"):
        args = [command, "--input", str(path)] + (["--format", "json"] if command == "report"
                                                  else [])
        code, out, err = run(*args)
        assert code == 2, (command, err)  # was 1 ("covered found") with a traceback
        assert err.startswith(f"camaudit: error: {path}") and err.count("\n") == 1


def test_scan_file_with_a_bom_is_read(tmp_path: Path) -> None:
    path = tmp_path / "scan.json"
    path.write_bytes(b"\xef\xbb\xbf" + json.dumps({"devices": RECORDS[2:3]}).encode())
    code, out, _ = run("check", "--input", str(path), "--format", "json")
    assert code == 0 and json.loads(out)["devices"][0]["ip"] == RECORDS[2]["ip"]


def test_dev_zero_as_input_is_refused_not_read_without_end(
        monkeypatch: pytest.MonkeyPatch) -> None:
    from camaudit import jsonfile

    monkeypatch.setattr(jsonfile, "MAX_JSON_BYTES", 1 << 20)
    monkeypatch.setattr(jsonfile.read_text, "__defaults__", ("file", 1 << 20))
    code, _, err = run("check", "--input", "/dev/zero")
    assert code == 2 and "larger than 1048576 bytes" in err


def test_device_strings_reach_the_terminal_without_escapes(tmp_path: Path) -> None:
    path = tmp_path / "scan.json"
    path.write_text(json.dumps({"devices": [
        _record("10.0.0.9", "Hikvision", None, brand="\x1b]0;owned\x07Acme\x1b]52;c;ZXZpbA==\x07")
    ]}), encoding="utf-8")
    code, out, _ = run("check", "--input", str(path))
    assert "Acme" in out and "\x1b" not in out and "\x07" not in out
    code, out, _ = run("check", "--input", str(path), "--format", "json")
    assert json.loads(out)["devices"][0]["brand"].startswith("\x1b]0;owned")  # JSON keeps it
    code, out, _ = run("check", "--input", str(path), "--format", "csv")
    rows = list(csv.reader(io.StringIO(out, newline="")))
    assert all(len(r) == len(rows[0]) for r in rows)


def test_hygiene_exposed_devices_exit_1_and_are_never_covered(tmp_path: Path) -> None:
    telnet = Exposure("telnet-open", "medium", "Telnet is open on tcp/23: login:.", "tcp/23")
    axis = Device(ip="127.0.0.23", maker="Axis", confidence=0.85, ports=(Port(23), Port(80)),
                  evidence=(Evidence("tcp/80 GET /", "http.header.server", "",
                                     "axis-device-cert-subject"),), exposures=(telnet,))
    clean = Device(ip="127.0.0.24", ports=(Port(443, "tcp", "https"),))
    path = tmp_path / "scan.jsonl"
    path.write_text(json.dumps(axis.to_json()) + "\n" + json.dumps(clean.to_json()) + "\n",
                    encoding="utf-8")
    code, out, _ = run("check", "--input", str(path), "--policy", "hygiene", "--format", "json")
    assert code == 1
    doc = json.loads(out)
    assert (doc["check"]["covered_devices"], doc["check"]["exposed_devices"]) == (0, 1)
    assert [[v["status"] for v in d["verdicts"]] for d in doc["devices"]] == [
        ["exposed"], ["not-exposed"]]
    assert "telnet-open (medium)" in doc["devices"][0]["verdicts"][0]["reason"]
    code, out, _ = run("check", "--input", str(path), "--policy", "ndaa-889")
    assert code == 0 and "exposed" not in out
    path.write_text(json.dumps(clean.to_json()) + "\n", encoding="utf-8")
    code, out, _ = run("check", "--input", str(path), "--policy", "hygiene")
    assert code == 0 and "not-exposed" in out
