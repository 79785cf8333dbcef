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


def test_possible_ranks_between_covered_and_unknown() -> None:
    d = Device(ip="127.0.0.1", verdicts=(Verdict("a", "unknown", ""), Verdict("b", "possible", ""),
                                         Verdict("c", "possible", "")))
    assert policy_summary(d) == "possible (2)"


def test_verbose_lists_what_devices_said_without_escapes() -> None:
    from camaudit.model import Observation
    from camaudit.reports.table import said

    d = Device(ip="127.0.0.9", observations=(
        Observation("http.header.server", "GoAhead-Webs\x1b]0;pwned\x07", "tcp/80 GET /"),))
    text = said([d, DEV])
    assert text.startswith("127.0.0.9 said (no rule matched):")
    assert "http.header.server = GoAhead-Webs" in text and "\x1b" not in text
    assert said([DEV]) == ""
