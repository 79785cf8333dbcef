from __future__ import annotations

import csv
import io

from camaudit.model import Currency, Device, Evidence, Exposure, Port, Risk
from camaudit.reports import REPORTERS

DEV = Device(ip="127.0.0.9", ports=(Port(80, "tcp", "http"),), maker="Dahua", brand="Lorex",
             relabeled=True, model="=HYPERLINK(\"x\")", confidence=0.9,
             evidence=(Evidence("tcp/80 GET /", "http.title", "[bold]WEB SERVICE[/]", "t"),))


def test_csv_defuses_formulas() -> None:
    rows = list(csv.DictReader(io.StringIO(REPORTERS["csv"]([DEV], {}))))
    assert rows[0]["model"].startswith("'=")
    assert rows[0]["ports"] == "80/tcp" and rows[0]["relabeled"] == "true"


def test_csv_adds_columns_at_the_end() -> None:
    risky = Device(ip="127.0.0.9", maker="Hikvision", risks=(
        Risk("CVE-2017-7921", "affected", "b"), Risk("CVE-2021-36260", "possible", "b")))
    behind = Device(ip="127.0.0.9/ch2", recorder="127.0.0.9", channel=2,
                    segment_ip="192.168.254.3", currency=Currency("behind", "b"),
                    exposures=(Exposure("telnet-open", "medium", "b"),))
    text = REPORTERS["csv"]([risky, DEV, behind], {})
    assert text.splitlines()[0].endswith(",first_seen,last_seen,risks,firmware_currency,"
                                         "exposures,recorder,channel,segment_ip")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert rows[0]["risks"] == "CVE-2017-7921 affected;CVE-2021-36260 possible"
    assert rows[1]["risks"] == ""
    assert (rows[2]["recorder"], rows[2]["channel"], rows[2]["segment_ip"]) == (
        "127.0.0.9", "2", "192.168.254.3")
    assert rows[2]["exposures"] == "telnet-open medium"
    assert rows[2]["firmware_currency"] == "behind"


def test_a_carriage_return_in_a_device_string_does_not_start_a_row() -> None:
    evil = Device(ip="10.0.0.9", maker="Hikvision", brand="LTS\r=cmd|' /C calc'!A0",
                  model="x\n@SUM(1)")
    text = REPORTERS["csv"]([evil], {})
    rows = list(csv.reader(io.StringIO(text, newline="")))
    assert len(rows) == 2 and rows[1][3] == "LTS\r=cmd|' /C calc'!A0"
    # every record ends with CRLF and the CR of the brand sits inside quotes
    assert text.count("\r\n") == 2 and '"LTS\r=cmd' in text
