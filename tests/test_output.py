from __future__ import annotations

from pathlib import Path

import pytest

from camaudit.errors import UsageError
from camaudit.output import write_output


def test_stdout_when_no_file(capsys: pytest.CaptureFixture[str]) -> None:
    write_output("a,b\n", None)
    out, err = capsys.readouterr()
    assert out == "a,b\n" and err == ""


def test_file_and_note_on_stderr(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "r.csv"
    write_output("x\n", target)
    assert target.read_text() == "x\n"
    out, err = capsys.readouterr()
    assert out == "" and f"wrote {target}" in err


def test_unwritable_file_names_the_file(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="cannot write '.*missing/r.csv'"):
        write_output("x", tmp_path / "missing" / "r.csv")
