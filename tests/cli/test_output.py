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


def test_record_options_add_db_no_db_and_site() -> None:
    import click
    from click.testing import CliRunner

    from camaudit.output import record_options

    @click.command()
    @record_options("the thing")
    def cmd(db: str | None, no_db: bool, site: str) -> None:
        click.echo(f"{db}|{no_db}|{site}")

    assert CliRunner().invoke(cmd, []).output == "None|False|\n"
    assert CliRunner().invoke(cmd, ["--db", "x.db", "--no-db", "--site", "hq"]).output == \
        "x.db|True|hq\n"
    assert "Inventory to record the thing in" in CliRunner().invoke(cmd, ["--help"]).output


@pytest.mark.parametrize(("problems", "code"), [([], 0), (["a.yaml:3: bad"], 1)])
def test_exit_with_problems(problems: list[str], code: int,
                            capsys: pytest.CaptureFixture[str]) -> None:
    from camaudit.output import exit_with_problems

    with pytest.raises(SystemExit) as info:
        exit_with_problems(problems, "3 rules")
    out, err = capsys.readouterr()
    assert info.value.code == code
    assert out == "".join(p + "\n" for p in problems)
    assert err == f"3 rules, {len(problems)} problem(s)\n"


def test_csv_text_defuses_formulas_and_quotes_line_breaks() -> None:
    import csv
    import io

    from camaudit.output import csv_cell, csv_text

    assert [csv_cell(v) for v in ("=1+1", "+1", "-1", "@SUM(A1)", "\t=x", "\r=x", "ok", None,
                                  3)] == ["'=1+1", "'+1", "'-1", "'@SUM(A1)", "'\t=x", "'\r=x",
                                          "ok", "", "3"]
    text = csv_text([["Hik\r=cmd|' /C calc'!A0", "b"], ["x\ny", "=2"]], ("h1", "h2"))
    assert text.endswith("\r\n") and "\r=cmd" in text
    # a bare CR inside a cell is quoted: a spreadsheet sees three rows, not a new one
    rows = list(csv.reader(io.StringIO(text, newline="")))
    assert rows == [["h1", "h2"], ["Hik\r=cmd|' /C calc'!A0", "b"], ["x\ny", "'=2"]]
    assert '"Hik\r=cmd' in text and '"x\ny"' in text
