"""``camaudit screen`` output: table, CSV, JSON and the HTML page, from a report."""

from __future__ import annotations

import csv
import io
import json

from camaudit.model import ScreeningFinding
from camaudit.reports.screen import render_csv, render_html, render_json, render_table
from camaudit.screening.scan import Report, Skipped

FINDING = ScreeningFinding(path="=cmd|' /C calc'!A0.pdf", rule="hik-face-ethnicity",
                           severity="high", grade="A", matched="\u6c11\u65cf",
                           context="face \u6c11\u65cf attribute",
                  page=2)
REPORT = Report((FINDING,), (Skipped("x.zip!y", "too large"),), 3, 100)


def test_csv_cells_cannot_start_formulas() -> None:
    text = render_csv(REPORT)
    rows = list(csv.reader(io.StringIO(text, newline="")))
    assert rows[0][0] == "path" and rows[1][0].startswith("'=cmd")
    assert text.endswith("\n") and "\r\n" not in text


def test_table_and_json() -> None:
    table = render_table(REPORT)
    assert table.startswith("camaudit screen: 1 finding(s) in 3 file(s)")
    assert "hik-face-ethnicity" in table and "page 2" in table
    doc = json.loads(render_json(REPORT, {"paths": ["a"]}))
    assert doc["screen"]["files"] == 3 and doc["skipped"][0]["reason"] == "too large"


def test_html_matched_text_with_markup_shows_as_text() -> None:
    hostile = "<script>alert('matched')</script>"
    finding = ScreeningFinding(path="x<i>.bin", rule="r<1>", severity="high", grade="B",
                      matched=hostile, context=f"before {hostile} after", offset=16,
                      encoding="utf-16le", near="<img src=x>")
    html = render_html(Report((finding,), (Skipped("y<u>.zip!m", "<em>bomb</em>"),), 1, 32),
                       {"paths": ["<p>dir</p>"], "device": None})
    assert "<script" not in html and "<img" not in html and "<em>" not in html
    assert f"before <mark>{_escaped(hostile)}</mark> after" in html
    for text in ("x<i>.bin", "r<1>", "<img src=x>", "y<u>.zip!m", "<em>bomb</em>",
                 "<p>dir</p>"):
        assert _escaped(text) in html
    assert "offset 16 (0x10), utf-16le" in html


def _escaped(text: str) -> str:
    return (text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            .replace("'", "&#39;").replace('"', "&#34;"))
