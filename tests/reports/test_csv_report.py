from __future__ import annotations

import csv
import io

from camaudit.model import Device, Evidence, Port, Risk
from camaudit.reports import REPORTERS

DEV = Device(ip="127.0.0.9", ports=(Port(80, "tcp", "http"),), maker="Dahua", brand="Lorex",
             relabeled=True, model="=HYPERLINK(\"x\")", confidence=0.9,
             evidence=(Evidence("tcp/80 GET /", "http.title", "[bold]WEB SERVICE[/]", "t"),))


def test_csv_defuses_formulas() -> None:
    rows = list(csv.DictReader(io.StringIO(REPORTERS["csv"]([DEV], {}))))
    assert rows[0]["model"].startswith("'=")
    assert rows[0]["ports"] == "80/tcp" and rows[0]["relabeled"] == "true"


def test_csv_lists_risks_last() -> None:
    risky = Device(ip="127.0.0.9", maker="Hikvision", risks=(
        Risk("CVE-2017-7921", "affected", "b"), Risk("CVE-2021-36260", "possible", "b")))
    text = REPORTERS["csv"]([risky, DEV], {})
    assert text.splitlines()[0].endswith(",first_seen,last_seen,risks")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert rows[0]["risks"] == "CVE-2017-7921 affected;CVE-2021-36260 possible"
    assert rows[1]["risks"] == ""


def test_a_carriage_return_in_a_device_string_does_not_start_a_row() -> None:
    evil = Device(ip="10.0.0.9", maker="Hikvision", brand="LTS\r=cmd|' /C calc'!A0",
                  model="x\n@SUM(1)")
    text = REPORTERS["csv"]([evil], {})
    rows = list(csv.reader(io.StringIO(text, newline="")))
    assert len(rows) == 2 and rows[1][3] == "LTS\r=cmd|' /C calc'!A0"
    # every record ends with CRLF and the CR of the brand sits inside quotes
    assert text.count("\r\n") == 2 and '"LTS\r=cmd' in text
