"""``camaudit identify``."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from camaudit.cli import cli


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
