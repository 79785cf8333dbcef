from __future__ import annotations

from camaudit.model import Device, Evidence, Port, Verdict
from camaudit.reports import REPORTERS
from camaudit.reports.table import policy_summary

DEV = Device(ip="127.0.0.9", ports=(Port(80, "tcp", "http"),), maker="Dahua", brand="Lorex",
             relabeled=True, model="=HYPERLINK(\"x\")", confidence=0.9,
             evidence=(Evidence("tcp/80 GET /", "http.title", "[bold]WEB SERVICE[/]", "t"),))


def test_table_shows_device_strings_literally() -> None:
    out = REPORTERS["table"]([DEV], {})
    assert "Lorex" in out and "127.0.0.9" in out and "HYPERLINK" in out


def test_policy_summary_shows_the_worst_status() -> None:
    assert policy_summary(DEV) == ""
    mixed = Device(ip="127.0.0.1", verdicts=(Verdict("a", "not-covered", ""),
                                             Verdict("b", "covered", ""),
                                             Verdict("c", "unknown", "")))
    assert policy_summary(mixed) == "covered (1)"
    assert "covered (1)" in REPORTERS["table"]([mixed], {})
