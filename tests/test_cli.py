from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from camaudit.cli import cli

NEGATIVES = Path(__file__).parent / "data" / "negatives"


def run(*args: str, stdin: str | bytes | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args), input=stdin)
    return result.exit_code, result.stdout, result.stderr


def test_identify_reads_stdin_and_prints_the_verdict() -> None:
    code, out, _ = run("identify", "--as", "http-server", stdin="DNVRS-Webs\n")
    assert code == 0
    verdict = json.loads(out)
    assert verdict["maker"] == "Hikvision"
    assert verdict["evidence"][0]["key"] == "http.header.server"
    assert set(verdict) >= {"maker", "brand", "model", "firmware", "device_type", "confidence",
                            "evidence"}


def test_identify_takes_a_mac_as_argument(tmp_path: Path) -> None:
    code, out, _ = run("identify", "--as", "mac", "68-6d-bc-ee-f8-f0")
    assert code == 0 and json.loads(out)["maker"] == "Hikvision"
    f = tmp_path / "server.txt"
    f.write_text("uc-httpd 1.0.0\n")
    code, out, _ = run("identify", "--as", "http-server", str(f))
    assert code == 0 and json.loads(out)["maker"] == "Xiongmai"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["identify", "--as", "bogus"], "unknown kind 'bogus'"),
        (["identify", "--as", "tls-cert", "/nonexistent/cert.pem"],
         "cannot read '/nonexistent/cert.pem'"),
        (["scan"], "no targets"),
        (["scan", "10.0.0.300"], "10.0.0.300"),
        (["scan", "8.8.8.8"], "--allow-public"),
        (["scan", "-p", "80,eighty", "127.0.0.1"], "eighty"),
        (["scan", "-iL", "/nonexistent/targets.txt"], "/nonexistent/targets.txt"),
        (["lab", "up", "--net", "10.0.0.0/24"], "must lie inside 127.0.0.0/8"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(args: list[str], message: str) -> None:
    code, out, err = run(*args)
    assert code == 2, (out, err)
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1 and message in lines[0], err
    assert lines[0].startswith("camaudit: error:")


def test_rules_verify_and_list() -> None:
    code, out, err = run("rules", "verify", "--negatives", str(NEGATIVES))
    assert code == 0, out
    assert "0 problem(s)" in err
    code, out, _ = run("rules", "list", "--key", "http.header.server")
    assert code == 0 and "hikvision-webs" in out


def test_rules_verify_fails_on_a_broken_rule_dir(tmp_path: Path) -> None:
    (tmp_path / "rtsp.server.yaml").write_text(
        "matches: rtsp.server\nrules:\n  - id: x\n    pattern: '^A$'\n    grade: firmware\n"
        "    source: t\n    set: {hw.maker: Dahua}\n    examples: [{value: B}]\n")
    code, out, _ = run("rules", "verify", "--dir", str(tmp_path))
    assert code == 1 and "rtsp.server.yaml:8: rule x: example 'B' does not match" in out


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


def test_rules_verify_covers_the_risk_rules(monkeypatch: pytest.MonkeyPatch) -> None:
    import camaudit.risks

    monkeypatch.setattr(camaudit.risks, "verify_risks",
                        lambda: ["hikvision.yaml:9: CVE-2017-7921: broken"])
    code, out, _ = run("rules", "verify")
    assert code == 1 and "hikvision.yaml:9: CVE-2017-7921: broken" in out
