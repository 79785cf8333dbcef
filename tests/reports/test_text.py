from __future__ import annotations

import csv
import io

import pytest

from camaudit.reports.text import csv_cell, csv_text, printable


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
    assert printable(raw) == shown


def test_csv_text_defuses_formulas_and_quotes_line_breaks() -> None:
    assert [csv_cell(v) for v in ("=1+1", "+1", "-1", "@SUM(A1)", "\t=x", "\r=x", "ok", None,
                                  3)] == ["'=1+1", "'+1", "'-1", "'@SUM(A1)", "'\t=x", "'\r=x",
                                          "ok", "", "3"]
    text = csv_text([["Hik\r=cmd|' /C calc'!A0", "b"], ["x\ny", "=2"]], ("h1", "h2"))
    assert text.endswith("\r\n") and "\r=cmd" in text
    # a bare CR inside a cell is quoted: a spreadsheet sees three rows, not a new one
    rows = list(csv.reader(io.StringIO(text, newline="")))
    assert rows == [["h1", "h2"], ["Hik\r=cmd|' /C calc'!A0", "b"], ["x\ny", "'=2"]]
    assert '"Hik\r=cmd' in text and '"x\ny"' in text


def test_csv_text_line_end_can_be_lf() -> None:
    assert csv_text([["=1", "a\nb"]], ("x", "y"), line_end="\n") == 'x,y\n\'=1,"a\nb"\n'
