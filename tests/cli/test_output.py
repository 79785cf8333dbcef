from __future__ import annotations

from pathlib import Path

import click
import pytest

from camaudit.cli.output import write_output
from camaudit.errors import UsageError


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
    from click.testing import CliRunner

    from camaudit.cli.output import record_options

    @click.command()
    @record_options("the thing")
    def cmd(db: str | None, no_db: bool, site: str) -> None:
        click.echo(f"{db}|{no_db}|{site}")

    assert CliRunner().invoke(cmd, []).output == "None|False|\n"
    assert CliRunner().invoke(cmd, ["--db", "x.db", "--no-db", "--site", "hq"]).output == \
        "x.db|True|hq\n"
    shown = CliRunner().invoke(cmd, ["--help"]).output
    assert "Do not record the thing in the inventory" in shown and "$CAMAUDIT_DB" in shown


@pytest.mark.parametrize(("problems", "code"), [([], 0), (["a.yaml:3: bad"], 1)])
def test_exit_with_problems(problems: list[str], code: int,
                            capsys: pytest.CaptureFixture[str]) -> None:
    from camaudit.cli.output import exit_with_problems

    with pytest.raises(SystemExit) as info:
        exit_with_problems(problems, "3 rules")
    out, err = capsys.readouterr()
    assert info.value.code == code
    assert out == "".join(p + "\n" for p in problems)
    assert err == f"3 rules, {len(problems)} problem(s)\n"


def _db_options() -> dict[str, click.Option]:
    from camaudit.cli import cli

    found: dict[str, click.Option] = {}

    def walk(command: click.Command, path: str) -> None:
        for param in command.params:
            if isinstance(param, click.Option) and "--db" in param.opts:
                found[path] = param
        if isinstance(command, click.Group):
            for name, sub in command.commands.items():
                walk(sub, f"{path} {name}")

    walk(cli, "camaudit")
    return found


def test_db_is_one_option_everywhere() -> None:
    """--db reads the same on every command, and none takes $CAMAUDIT_DB itself: the inventory
    resolves it, so a command can tell --db given from the environment's (screen, egress)."""
    options = _db_options()
    assert {"camaudit scan", "camaudit discover", "camaudit check", "camaudit report",
            "camaudit egress", "camaudit screen", "camaudit inventory list",
            "camaudit inventory diff"} <= set(options)
    assert len({(o.help, o.metavar, o.envvar) for o in options.values()}) == 1
    assert all(o.envvar is None for o in options.values())


def test_db_from_the_environment_is_used_but_not_given(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from click.testing import CliRunner

    from camaudit.cli import cli

    monkeypatch.setenv("CAMAUDIT_DB", str(tmp_path / "absent.db"))
    result = CliRunner().invoke(cli, ["inventory", "history"])
    assert result.exit_code == 2 and "absent.db" in result.stderr
    # screen refuses --db without --device; a $CAMAUDIT_DB is not a --db
    (tmp_path / "clean.txt").write_text("nothing here\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["screen", str(tmp_path / "clean.txt"), "-q"])
    assert result.exit_code == 0, result.stderr
