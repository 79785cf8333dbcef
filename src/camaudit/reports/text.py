"""Text that leaves camaudit for people and spreadsheets: ``printable``, which every writer for a
terminal applies to device strings, and the one CSV writer (``csv_cell``, ``csv_text``).

Devices control most of the strings camaudit shows (names, titles, banners, evidence): on a
terminal they must not carry escape sequences, and in a spreadsheet they must not run as
formulas.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Sequence

# Whole escape sequences first (CSI ``ESC [ ... final``; OSC, DCS, SOS, PM and APC strings up to
# BEL or ST, or to the end of the text when unterminated; any other ``ESC x``), then every other
# C0 control but tab and newline, DEL and the C1 controls (U+0080-U+009F: 8-bit CSI and OSC).
_CONTROL = re.compile(
    r"\x1b\[[\x30-\x3f]*[\x20-\x2f]*[\x40-\x7e]?"
    r"|(?:\x1b[\]PX^_]|[\x90\x98\x9d\x9e\x9f])[^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)?"
    r"|\x1b[\x20-\x2f]*[\x30-\x7e]?"
    r"|[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def printable(text: object) -> str:
    """``text`` without terminal control: every escape sequence removed whole (an OSC title,
    clipboard write or link, a CSI colour or cursor move), and the other control characters (C0
    but tab and newline, DEL, C1) dropped. For device strings shown on a terminal; the JSON
    outputs keep them (escaped)."""
    s = "" if text is None else str(text)
    if s.isprintable():
        return s
    return _CONTROL.sub("", s)


# A cell starting with one of these runs as a formula in a spreadsheet (=, +, -, @; tab and CR
# are how a formula is smuggled past a filter on the first character).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: object) -> str:
    """One CSV cell as text: None is empty, and a cell that a spreadsheet would read as a
    formula gets a leading ``'``. Devices control most strings that reach a CSV file."""
    text = "" if value is None else str(value)
    if text.startswith(FORMULA_START):
        text = "'" + text
    return text


def csv_text(rows: Iterable[Sequence[object]], header: Sequence[str] | None = None, *,
             line_end: str = "\r\n") -> str:
    """Rows as CSV (RFC 4180: CRLF line ends unless ``line_end`` says otherwise, every field
    holding a quote, comma, CR or LF quoted), every cell through ``csv_cell``. The one CSV
    writer of camaudit."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator=line_end, quoting=csv.QUOTE_MINIMAL)
    if header is not None:
        w.writerow([csv_cell(c) for c in header])
    for row in rows:
        w.writerow([csv_cell(c) for c in row])
    return buf.getvalue()
