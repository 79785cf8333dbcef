"""Firmware strings: the spellings devices and the facts use parse; everything else is None."""

from __future__ import annotations

import datetime as dt
import time

import pytest

from camaudit.firmware import HikvisionFirmware, build_date, parse_hikvision, position


@pytest.mark.parametrize(("text", "version", "build", "normal"), [
    ("V5.4.0 build 160401", (5, 4, 0, 0), 160401, "V5.4.0 build 160401"),  # facts section 6
    ("V5.4.0 Build 160401", (5, 4, 0, 0), 160401, "V5.4.0 build 160401"),  # facts section 6
    ("V5.5.6build 180326", (5, 5, 6, 0), 180326, "V5.5.6 build 180326"),  # SADP (facts 1.3)
    ("V3.5.38build 191215", (3, 5, 38, 0), 191215, "V3.5.38 build 191215"),  # SADP
    ("V5.0, build 191213", (5, 0, 0, 0), 191213, "V5.0 build 191213"),  # SADP DSPVersion
    ("V5.5.6", (5, 5, 6, 0), None, "V5.5.6"),  # ISAPI firmwareVersion
    ("5.4.41", (5, 4, 41, 0), None, "V5.4.41"),  # the fixed firmware the facts name
    ("firmware: v5.3.0_build150513 (x)", (5, 3, 0, 0), 150513, "V5.3.0 build 150513"),
    ("V5.4.0 build 1604", (5, 4, 0, 0), None, "V5.4.0"),  # a cut-off build is no build
])
def test_hikvision_spellings(text: str, version: tuple[int, ...], build: int | None,
                             normal: str) -> None:
    fw = parse_hikvision(text)
    assert fw is not None
    assert (fw.version, fw.build, fw.text) == (version, build, normal)


@pytest.mark.parametrize("text", [
    None, "", "   ", "garbage", "unknown", "<b>V</b>", "2.800.030000000.3.R",
    "V5.00.R02.000529B2.10010.040600.0020000", "build 160401", "1234567.1.1",
])
def test_no_hikvision_version(text: str | None) -> None:
    assert parse_hikvision(text) is None


def test_position_in_an_inclusive_range() -> None:
    first, last = parse_hikvision("V5.3.1 build 150410"), parse_hikvision("V5.4.4 build 161125")
    assert first is not None and last is not None

    def where(text: str) -> str:
        fw = parse_hikvision(text)
        assert fw is not None
        return position(fw, first, last)

    assert where("V5.3.1 build 150410") == "inside"
    assert where("V5.4.4 build 161125") == "inside"
    assert where("V5.3.1 build 150409") == "outside"
    assert where("V5.4.4 build 161126") == "outside"
    assert where("V5.4.0") == "inside"  # wholly inside: the build does not matter
    assert where("V5.4.4") == "unsure"  # the range ends within V5.4.4
    assert where("V5.3.1") == "unsure"
    assert where("V5.4.41") == "outside" and where("V5.3") == "outside"
    assert HikvisionFirmware((5, 4, 0, 0), 1, "5.4") == HikvisionFirmware((5, 4, 0, 0), 1, "5.4.0")


@pytest.mark.parametrize(("text", "date"), [
    ("V2.800.0000016.0.R, Build Date: 2021-03-04", dt.date(2021, 3, 4)),
    ("2.460.0000000.5.R, build : 2016-05-11", dt.date(2016, 5, 11)),
    ("version=2.800.0000000.5.R,build:2019-09-26", dt.date(2019, 9, 26)),
    ("Build Time 2021/6/1", dt.date(2021, 6, 1)),
    ("build:20190926", dt.date(2019, 9, 26)),
    ("Build Date: 2021-02-30", None),  # no such day
    ("Build Date: 2021-03", None),
    ("V5.4.0 build 160401", None),  # a Hikvision build is not a calendar date
    ("2.800.030000000.3.R", None), ("", None), (None, None), ("build " * 2000, None),
])
def test_build_dates(text: str | None, date: dt.date | None) -> None:
    assert build_date(text) == date


def test_hostile_strings_are_bounded() -> None:
    hostile = ("V1." * 200_000) + "build " + "9" * 200_000
    start = time.perf_counter()
    assert build_date(hostile) is None
    parse_hikvision(hostile)
    assert time.perf_counter() - start < 1.0
