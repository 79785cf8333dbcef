"""The command group: one line and exit 2 on bad input, exit 3 on a bug, never 1."""

from __future__ import annotations

import click
import pytest
from click.testing import CliRunner

from camaudit.cli import cli
from camaudit.errors import UsageError


def run(*args: str, stdin: str | bytes | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args), input=stdin)
    return result.exit_code, result.stdout, result.stderr


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
