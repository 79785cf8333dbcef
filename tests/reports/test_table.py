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


def test_cameras_behind_a_recorder_firmware_currency_and_exposure() -> None:
    from camaudit.model import Currency, Exposure

    nvr = Device(ip="10.0.0.5", maker="Hikvision", firmware="V4.22.005",
                 currency=Currency("behind", "b", releases_behind=3),
                 exposures=(Exposure("telnet-open", "medium", "port 23 open", "tcp/23"),))
    cam = Device(ip="10.0.0.5/ch2", maker="Hikvision", recorder="10.0.0.5", channel=2,
                 segment_ip="192.168.254.3", firmware="V5.5.6",
                 currency=Currency("unknown", "no data for this series"))
    text = REPORTERS["table"]([nvr, cam], {})
    # long cells fold onto the next line of the same row
    assert "V4.22.005 (behind, 3" in text and "release(s))" in text and "telnet-open" in text
    assert "-> 10.0.0.5/ch2" in text and "@192.168.254.3" in text
    assert "V5.5.6 (" not in text  # unknown currency is not shown as a status
