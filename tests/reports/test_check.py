"""``camaudit check`` output: one row per device and policy."""

from __future__ import annotations

import csv
import io
import json

from camaudit.model import Device, Verdict
from camaudit.reports.check import CSV_COLUMNS, render_csv, render_json, render_table

DEV = Device(ip="10.0.0.9", maker="Hikvision", brand="=Acme\x1b]0;owned\x07",
             verdicts=(Verdict("ndaa-889", "covered", "firmware trait", references=("a", "b")),
                       Verdict("us-texas", "not-covered", "")))


def test_table_has_one_line_per_verdict_without_escapes() -> None:
    text = render_table([DEV])
    assert text.startswith("camaudit check: 1 device(s)")
    assert "ndaa-889" in text and "us-texas" in text and "\x1b" not in text


def test_csv_defuses_formulas_and_joins_references() -> None:
    rows = list(csv.reader(io.StringIO(render_csv([DEV]), newline="")))
    assert tuple(rows[0]) == CSV_COLUMNS and len(rows) == 3
    assert rows[1][3].startswith("'=Acme") and rows[1][-1] == "a; b"


def test_json_carries_the_meta() -> None:
    doc = json.loads(render_json([DEV], {"date": "2025-09-01"}))
    assert doc["check"] == {"date": "2025-09-01"} and doc["devices"][0]["ip"] == "10.0.0.9"
