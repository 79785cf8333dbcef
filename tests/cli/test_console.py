from __future__ import annotations

import io

import pytest

from camaudit.cli.console import Progress


def test_plain_lines_when_not_a_terminal(capsys: pytest.CaptureFixture[str]) -> None:
    err = io.StringIO()
    with Progress(25, stream=err) as progress:
        for i in range(25):
            progress.advance(f"10.0.0.{i}")
        progress.message("note: 2 hosts timed out")
    lines = err.getvalue().splitlines()
    assert lines[0] == "scanning: 2/25 hosts done"
    assert "note: 2 hosts timed out" in lines
    assert lines[-1] == "scanning: 25/25 hosts done"
    assert capsys.readouterr().out == ""


def test_quiet_prints_nothing(capsys: pytest.CaptureFixture[str]) -> None:
    err = io.StringIO()
    with Progress(3, stream=err, quiet=True) as progress:
        for ip in ("a", "b", "c"):
            progress.advance(ip)
        progress.message("hidden")
    assert err.getvalue() == ""
    assert progress.done == 3
    assert capsys.readouterr().out == ""


class FakeTty(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_bar_on_a_terminal_writes_to_the_stream_only(capsys: pytest.CaptureFixture[str]) -> None:
    tty = FakeTty()
    with Progress(2, stream=tty) as progress:
        progress.advance("127.0.0.1")
        progress.advance("127.0.0.2")
    assert progress.done == 2
    assert "hosts done" not in tty.getvalue()  # the bar, not the plain lines
    assert capsys.readouterr().out == ""


def test_progress_messages_are_printable() -> None:
    err = io.StringIO()
    with Progress(1, stream=err) as progress:
        progress.message("host sent \x1b]0;title\x07 this")
    assert "\x1b" not in err.getvalue() and "host sent  this" in err.getvalue()
