from __future__ import annotations

import json
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from camaudit.cli import cli
from camaudit.errors import UsageError

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


# ---------------------------------------------------------------- internal errors (issue 12)
def _boom_group() -> click.Group:
    from camaudit.cli import _Group

    group = _Group("camaudit")

    @group.command()
    def boom() -> None:
        """Fail the way a bug does."""
        raise KeyError("http://admin:hunter2@10.0.0.1/")

    @group.command()
    def usage() -> None:
        """Fail the way bad input does."""
        raise UsageError("bad target 'x'")

    return group


def test_an_unexpected_error_exits_3_with_one_line_never_1(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CAMAUDIT_DEBUG", raising=False)
    result = CliRunner().invoke(_boom_group(), ["boom"])
    assert result.exit_code == 3  # 1 would read as "findings"
    line = result.stderr
    assert line.startswith("camaudit: internal error: KeyError:") and line.count("\n") == 1
    assert "please report it" in line and "CAMAUDIT_DEBUG=1" in line
    assert "Traceback" not in line and "hunter2" not in line
    result = CliRunner().invoke(_boom_group(), ["usage"])
    assert result.exit_code == 2 and result.stderr == "camaudit: error: bad target 'x'\n"


def test_debug_env_shows_the_traceback(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CAMAUDIT_DEBUG", "1")
    result = CliRunner().invoke(_boom_group(), ["boom"])
    assert result.exit_code == 3 and "Traceback" in result.stderr


def test_scan_refuses_an_unusable_inventory_before_the_work(tmp_path: Path) -> None:
    code, _, err = run("scan", "127.0.0.251", "-p", "9", "--timeout", "0.3", "-q",
                       "--db", str(tmp_path))
    assert code == 2 and "is not a file" in err and err.count("\n") == 1


def test_scan_results_survive_an_inventory_that_fails_when_recording(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from camaudit import inventory
    from camaudit.errors import InventoryError

    def broken(*_: object, **__: object) -> int:
        raise InventoryError("inventory x: disk full")

    monkeypatch.setattr(inventory, "record_scan", broken)
    out_file = tmp_path / "scan.json"
    code, _, err = run("scan", "127.0.0.251", "-p", "9", "--timeout", "0.3", "--format", "json",
                       "-o", str(out_file), "-q", "--db", str(tmp_path / "inv.db"))
    assert code == 2
    assert json.loads(out_file.read_text())["devices"] == []
    assert "disk full" in err and f"they are in {out_file}" in err
