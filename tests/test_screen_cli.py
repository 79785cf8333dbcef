from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from tests.screening.docgen import (
    ADMISSION_FORM,
    C_HEADER,
    SPEC_PAGE_1,
    SPEC_PAGE_2,
    pdf_bytes,
    zip_bytes,
)
from tests.screening.test_device import ANALYTICS, PASSWORD, PLAIN, USER, serve_camera

from camaudit.errors import UsageError
from camaudit.screen_cli import screen


def _run(*args: str) -> tuple[int, str, BaseException | None]:
    result = CliRunner().invoke(screen, list(args))
    return result.exit_code, result.output, result.exception


def test_findings_exit_1_with_json_page_and_offset(tmp_path: Path) -> None:
    (tmp_path / "spec.pdf").write_bytes(pdf_bytes([SPEC_PAGE_1, SPEC_PAGE_2]))
    (tmp_path / "sdk.zip").write_bytes(zip_bytes({"inc/dhnetsdk.h": C_HEADER.encode()}))
    code, out, _ = _run(str(tmp_path), "--format", "json")
    assert code == 1
    doc = json.loads(out)
    rows = {(f["path"].removeprefix(f"{tmp_path}/"), f["rule"], f["page"], f["offset"])
            for f in doc["findings"]}
    assert ("spec.pdf", "uyghur-face-analytics", 2, None) in rows
    assert ("sdk.zip!inc/dhnetsdk.h", "dahua-netsdk-nation-field", None,
            C_HEADER.encode().index(b"emNation")) in rows
    assert doc["screen"]["files"] == 2
    assert all(f["severity"] in ("high", "medium", "low") and f["context"]
               for f in doc["findings"])


def test_clean_input_exits_0_and_table_says_so(tmp_path: Path) -> None:
    (tmp_path / "form.txt").write_bytes(ADMISSION_FORM.encode("gb18030"))
    code, out, _ = _run(str(tmp_path / "form.txt"))
    assert code == 0 and "0 finding(s) in 1 file(s)" in out


def test_csv_to_file(tmp_path: Path) -> None:
    (tmp_path / "a.h").write_text(C_HEADER, encoding="utf-8")
    out_file = tmp_path / "out.csv"
    code, out, _ = _run(str(tmp_path / "a.h"), "--format", "csv", "-o", str(out_file))
    assert code == 1 and f"wrote {out_file}" in out
    rows = list(csv.DictReader(io.StringIO(out_file.read_text(encoding="utf-8"))))
    assert {r["rule"] for r in rows} == {"dahua-netsdk-nation-enum", "dahua-netsdk-nation-field"}
    assert rows[0]["offset"].isdigit() and rows[0]["encoding"] == "utf-8"


def test_bad_input_raises_usage_error_naming_the_path(tmp_path: Path) -> None:
    code, _, exc = _run(str(tmp_path / "missing.pdf"))
    assert isinstance(exc, UsageError) and "missing.pdf" in str(exc)
    _, _, exc = _run()
    assert isinstance(exc, UsageError) and "PATH... or --device" in str(exc)
    _, _, exc = _run("--device", "http://127.0.0.1:9")
    assert isinstance(exc, UsageError) and "--user and --password-file" in str(exc)


def test_verify_and_list_rules() -> None:
    code, out, _ = _run("--verify-rules")
    assert code == 0 and "0 problem(s)" in out
    code, out, _ = _run("--list-rules")
    assert code == 0 and "dahua-netsdk-nation-enum\thigh\tA-\talone" in out


def test_help_has_examples() -> None:
    code, out, _ = _run("--help")
    assert code == 0 and "camaudit screen firmware.bin --format json" in out
    assert "--password-file" in out


@pytest.mark.parametrize("value", ["=cmd", "+1", "-x", "@y"])
def test_csv_cells_cannot_start_formulas(value: str) -> None:
    from camaudit.screen_cli import _cell

    assert _cell(value).startswith("'")


def test_device_screen_with_password_file(tmp_path: Path) -> None:
    with serve_camera() as (url, handler):
        _device_round(tmp_path, url, handler)


def _device_round(tmp_path: Path, url: str, handler: Any) -> None:
    handler.documents = {"/ISAPI/Smart/capabilities": ANALYTICS}
    pw = tmp_path / "pw"
    pw.write_text(PASSWORD + "\n", encoding="utf-8")
    code, out, _ = _run("--device", url, "--user", USER, "--password-file", str(pw),
                        "--format", "json")
    assert code == 1 and PASSWORD not in out
    doc = json.loads(out[out.index("{\n  \"camaudit\""):])
    assert {f["rule"] for f in doc["findings"]} >= {"ethnicity-face-attribute",
                                                    "uyghur-face-analytics"}
    assert all(f["path"].startswith(url + "/ISAPI/Smart/capabilities") for f in doc["findings"])
    handler.documents = {"/ISAPI/Smart/capabilities": PLAIN}
    code, out, _ = _run("--device", url, "--user", USER, "--password-file", str(pw), "-q")
    assert code == 0 and PASSWORD not in out
