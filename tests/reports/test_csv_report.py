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
