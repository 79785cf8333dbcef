from __future__ import annotations

import csv
import io

from camaudit.model import Device, Evidence, Port
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
        {"cve": "CVE-2017-7921", "status": "affected"},
        {"cve": "CVE-2021-36260", "status": "possible"}))
    text = REPORTERS["csv"]([risky, DEV], {})
    assert text.splitlines()[0].endswith(",first_seen,last_seen,risks")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert rows[0]["risks"] == "CVE-2017-7921 affected;CVE-2021-36260 possible"
    assert rows[1]["risks"] == ""
