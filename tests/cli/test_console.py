from __future__ import annotations

import io

import pytest

from camaudit.console import Progress


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


@pytest.mark.parametrize(("raw", "shown"), [
    ("Hikvision", "Hikvision"),
    ("a\x1b]0;pwned title\x07b", "ab"),  # OSC window title, BEL-terminated
    ("a\x1b]52;c;Y3VybCBldmlsfHNo\x1b\\b", "ab"),  # OSC 52 clipboard write, ST-terminated
    ("\x1b]8;;http://evil/\x1b\\click\x1b]8;;\x1b\\", "click"),  # OSC 8 link
    ("x\x1b[2J\x1b[31mred\x1b[0m", "xred"),  # CSI
    ("\x9d0;title\x9cok", "ok"),  # 8-bit OSC
    ("tab\tand\nnewline\rcr\x00nul\x7fdel\x85nel", "tab\tand\nnewlinecrnuldelnel"),
    ("cut\x1b]0;unterminated", "cut"),
    ("\u4e2d\u6587 ok", "\u4e2d\u6587 ok"),
])
def test_printable_strips_terminal_control(raw: str, shown: str) -> None:
    from camaudit.console import printable

    assert printable(raw) == shown


def test_progress_messages_are_printable() -> None:
    err = io.StringIO()
    with Progress(1, stream=err) as progress:
        progress.message("host sent \x1b]0;title\x07 this")
    assert "\x1b" not in err.getvalue() and "host sent  this" in err.getvalue()
