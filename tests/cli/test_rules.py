"""``camaudit rules verify|list``."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from camaudit.cli import cli


def run(*args: str, stdin: str | bytes | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args), input=stdin)
    return result.exit_code, result.stdout, result.stderr


NEGATIVES = Path(__file__).parent.parent / "data" / "negatives"


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


def test_rules_verify_covers_the_risk_rules(monkeypatch: pytest.MonkeyPatch) -> None:
    import camaudit.risks

    monkeypatch.setattr(camaudit.risks, "verify_risks",
                        lambda: ["hikvision.yaml:9: CVE-2017-7921: broken"])
    code, out, _ = run("rules", "verify")
    assert code == 1 and "hikvision.yaml:9: CVE-2017-7921: broken" in out
