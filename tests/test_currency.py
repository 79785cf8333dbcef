"""Firmware currency as data: every shipped example holds (one generic test), bad files name
file:line and the field, and devices the data cannot place are ``unknown`` with the reason."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from pathlib import Path

import pytest

from camaudit.currency import (
    Example,
    Series,
    assess,
    load_firmware_data,
    months_between,
    parse_firmware_file,
    shipped_firmware_data,
    verify_firmware_data,
)
from camaudit.errors import RuleError
from camaudit.model import Currency, Device
from camaudit.records import device_from_record

DATA = load_firmware_data()
EXAMPLES = [(s, ex) for s in DATA.series for ex in s.examples]


def test_shipped_firmware_data_verifies_clean() -> None:
    problems = verify_firmware_data()
    assert problems == [], "\n".join(problems)


@pytest.mark.parametrize(("series", "example"), EXAMPLES,
                         ids=[f"{s.id}-{s.file}:{ex.line}-{ex.expect}" for s, ex in EXAMPLES])
def test_every_example_of_every_series(series: Series, example: Example) -> None:
    got = assess(Device(ip="127.0.0.1", maker=series.maker, model=example.model,
                        firmware=example.firmware), today=DATA.data_as_of)
    assert got.status == example.expect, got.basis
    if example.releases_behind is not None:
        assert got.releases_behind == example.releases_behind, got.basis
    if example.months_behind is not None:
        assert got.months_behind == example.months_behind, got.basis
    for text in example.basis_contains:
        assert text in got.basis
    if got.status != "unknown" or example.firmware:  # a placed series reports its data
        assert (got.series, got.source, got.data_as_of) == (
            series.name, series.source, series.as_of.isoformat())
        assert got.latest == series.releases[0].version


def test_every_series_is_sourced_dated_and_exercised() -> None:
    assert {s.maker for s in DATA.series} == {"Hikvision", "Dahua"}
    assert DATA.data_as_of == dt.date(2026, 12, 2)
    for s in DATA.series:
        assert s.source and s.grade == "B" and s.as_of <= DATA.data_as_of, s.id
        assert len(s.releases) >= 2 and s.releases[0].date <= s.as_of, s.id
        assert {ex.expect for ex in s.examples} >= {"current", "behind"}, s.id
        versions = [r.version for r in s.releases]
        assert len(set(versions)) == len(versions), s.id
    assert len(EXAMPLES) >= 30 and {ex.expect for _, ex in EXAMPLES} == {
        "current", "behind", "unknown"}
    by_id = {s.id: s for s in DATA.series}
    # Dahua's Download Center gives release dates; Hikvision's listing only builds
    darwin = by_id["dahua-ipc-hx7xxx-darwin"].releases[0]
    assert (darwin.version, darwin.built, darwin.released) == (
        "V3.000.0000000.28.R", dt.date(2026, 8, 31), dt.date(2026, 9, 15))
    assert all(r.released is None for s in DATA.series if s.maker == "Hikvision"
               for r in s.releases)
    assert shipped_firmware_data() == DATA


def hik(model: str | None, firmware: str | None, **kw: object) -> Device:
    return Device(ip="127.0.0.10", maker="Hikvision", model=model, firmware=firmware,
                  **kw)  # type: ignore[arg-type]


def test_the_lab_camera_is_behind_and_the_record_survives_json() -> None:
    got = assess(hik("DS-2CD2385G1-I", "V5.5.6build 180326", brand="LTS", relabeled=True))
    assert got.to_json() == {
        "status": "behind",
        "basis": "maker Hikvision (brand LTS), model DS-2CD2385G1-I in series DS-2CD2xx5G1, "
                 "DS-2CD2xx3G1, DS-2CD2xx7G1 (G1 platform): firmware V5.5.6build 180326 is 5 "
                 "releases behind V5.6.820 build 220519 (built 2022-05-19); 49 months from its "
                 "build date 2018-03-26 to the latest's build date 2022-05-19 (releases known "
                 "as of 2023-05-04)",
        "series": "DS-2CD2xx5G1, DS-2CD2xx3G1, DS-2CD2xx7G1 (G1 platform)",
        "latest": "V5.6.820 build 220519", "latest_date": "2022-05-19",
        "releases_behind": 5, "months_behind": 49, "end_of_support": None,
        "data_as_of": "2023-05-04",
        "source": DATA.series[[s.id for s in DATA.series].index(
            "hikvision-g1-2xx5-2xx3-2xx7g1")].source,
    }
    assert Currency.from_json(json.loads(json.dumps(got.to_json()))) == got
    record = dataclasses.replace(hik("DS-2CD2385G1-I", "V5.5.6build 180326"), currency=got)
    assert device_from_record(json.loads(json.dumps(record.to_json()))).currency == got


@pytest.mark.parametrize(("device", "why"), [
    (Device(ip="x"), "maker not determined"),
    (Device(ip="x", maker="Axis", model="P3245-LVE", firmware="10.12.257"),
     "camaudit has no firmware release data for maker Axis"),
    (Device(ip="x", maker="Xiongmai"), "no firmware release data for maker Xiongmai"),
    (hik(None, "V5.5.82 build 190909"), "maker Hikvision, model unknown"),
    (hik("  ", "V5.5.82 build 190909"), "model unknown"),
    (hik("DS-2CD2320D-I", "V5.5.6build 180326"),
     "model DS-2CD2320D-I is in no series of camaudit's firmware release data"),
    (Device(ip="x", maker="Dahua", model="IPC-HDW5421S", firmware="2.400.0.8"),
     "model IPC-HDW5421S is in no series"),
])
def test_unknown_when_the_data_has_no_series_for_the_device(device: Device, why: str) -> None:
    got = assess(device)
    assert got.status == "unknown" and why in got.basis
    assert got.series is None and got.releases_behind is None and got.months_behind is None
    assert got.data_as_of == DATA.data_as_of.isoformat()


@pytest.mark.parametrize("firmware", [
    None, "", "   ", "garbage", "\x00\xff<script>", "2.800.030000000.3.R",
    "V5.00.R02.000529B2.10010.040600.0020000", "build " + "9" * 5000, "V" + "5." * 3000,
    "V5.5.6 build 999999",  # a build that is no date: counted, but no months
])
def test_unreadable_or_foreign_firmware_never_raises(firmware: str | None) -> None:
    got = assess(hik("DS-2CD2142FWD-I", firmware))
    assert got.status in ("unknown", "behind") and got.series and "\n" not in got.basis
    assert len(got.basis) < 600
    if got.status == "behind":
        assert got.months_behind is None and "months behind unknown" in got.basis
    dahua = assess(Device(ip="x", maker="Dahua", model="IPC-HFW7442H-Z-S2", firmware=firmware))
    assert dahua.status == "unknown" and dahua.releases_behind is None


def test_model_and_firmware_are_quoted_short_and_labels_do_not_change_the_maker() -> None:
    got = assess(hik("DS-2CD2142FWD-I" + "X" * 500, "V5.4.0\nbuild 160401"))
    assert got.status == "behind" and "X" * 65 + "…" in got.basis and "\n" not in got.basis
    assert "firmware V5.4.0 build 160401 is 5 releases behind" in got.basis
    # the maker decides, whatever the label: a Hikvision label on Dahua firmware is not here
    assert assess(Device(ip="x", maker="Dahua", brand="Hikvision", model="DS-2CD2142FWD-I",
                         firmware="V5.4.0 build 160401")).status == "unknown"
    assert assess(Device(ip="x", maker="hikvision", model="ds-2cd2142fwd-i",
                         firmware="v5.5.82 BUILD 190909")).status == "current"


def test_months_between() -> None:
    d = dt.date
    assert months_between(d(2016, 4, 1), d(2019, 9, 9)) == 41
    assert months_between(d(2018, 3, 26), d(2022, 5, 19)) == 49
    assert months_between(d(2024, 1, 31), d(2024, 2, 29)) == 0
    assert months_between(d(2024, 1, 31), d(2024, 3, 1)) == 1
    assert months_between(d(2024, 5, 1), d(2024, 1, 1)) == 0  # never negative


SERIES = """\
data_as_of: 2026-12-01
series:
  - id: acme-one
    maker: Hikvision
    name: DS-9 test series
    model: '^DS-9'
    scheme: hikvision
    as_of: 2026-11-01
    grade: A
    source: https://example.invalid/releases
{eos}    sample_model: DS-9000
    releases:
      - {{version: V5.2.0 build 250101, built: 2025-01-01, released: 2025-02-01}}
      - {{version: V5.1.0 build 240101, built: 2024-01-01}}
    examples:
      - {{firmware: V5.2.0 build 250101, expect: current}}
      - {{firmware: V5.1.0 build 240101, expect: behind, releases_behind: 1, months_behind: 13}}
"""


def write(tmp: Path, text: str, name: str = "acme.yaml") -> Path:
    (tmp / name).write_text(text, encoding="utf-8")
    return tmp


def test_end_of_support_is_set_and_said_when_it_has_passed(tmp_path: Path) -> None:
    eos = "    end_of_support: {date: 2026-06-30, source: https://example.invalid/eol, grade: A}\n"
    data = load_firmware_data(write(tmp_path, SERIES.format(eos=eos)))
    assert verify_firmware_data(tmp_path) == []
    device = hik("DS-9000-I", "V5.1.0 build 240101")
    before = assess(device, today=dt.date(2026, 6, 30), data=data)
    after = assess(device, today=dt.date(2026, 7, 1), data=data)
    assert before.end_of_support == after.end_of_support == "2026-06-30"
    assert before.basis.endswith("; end of support 2026-06-30")
    assert after.basis.endswith("; end of support 2026-06-30 (passed)")
    # release dates count when given: 13 months from its build to the latest's release date
    assert (after.releases_behind, after.months_behind, after.latest_date) == (
        1, 13, "2025-02-01")
    assert "from its build date 2024-01-01 to the latest's release date 2025-02-01" in after.basis
    current = assess(hik("DS-9000-I", "V5.2.0 build 250101"), today=dt.date(2027, 1, 1),
                     data=data)
    assert current.status == "current" and "(passed)" in current.basis
    assert current.data_as_of == "2026-11-01"  # the series' own date, not the file's


@pytest.mark.parametrize(("change", "message"), [
    (("data_as_of: 2026-12-01\n", ""),
     r"^acme.yaml:1: firmware data file: field 'data_as_of' is missing$"),
    (("    grade: A\n", "    grade: A\n    colour: red\n"),
     r"^acme.yaml:3: series: unknown field 'colour' \(allowed: "),
    (("id: acme-one", "id: Acme One"),
     r"^acme.yaml:3: series: field 'id' 'Acme One' must be lower-case words joined by -$"),
    (("model: '^DS-9'", "model: '^DS-(9'"),
     r"^acme.yaml:3: series: field 'model' is not a regular expression: "),
    (("scheme: hikvision", "scheme: semver"),
     r"^acme.yaml:3: series: field 'scheme' 'semver' is not one of hikvision, build-date$"),
    (("as_of: 2026-11-01", "as_of: 2027-01-01"),
     r"^acme.yaml:3: series: field 'as_of' 2027-01-01 is after the file's data_as_of"),
    (("grade: A", "grade: E"), r"^acme.yaml:3: series: field 'grade' 'E' is not an evidence"),
    (("version: V5.2.0 build 250101,", "version: 5.2 beta,"),
     r"^acme.yaml:13: release: field 'version' '5.2 beta' must read 'V<version> build "),
    (("built: 2025-01-01,", "built: 2025-01-02,"),
     r"^acme.yaml:13: release: field 'built' 2025-01-02 is not the build date of V5.2.0 build "
     r"250101$"),
    (("released: 2025-02-01", "released: 2024-12-01"),
     r"^acme.yaml:13: release: field 'released' 2024-12-01 is before the build date 2025-01-01$"),
    (("released: 2025-02-01", "released: 2026-11-02"),
     r"^acme.yaml:13: release: V5.2.0 build 250101 is dated 2026-11-02, after the series' as_of"),
    (("released: 2025-02-01", "released: 2025-13-01"),
     r"^acme.yaml:13: invalid YAML: .*valid date"),
    (("V5.1.0 build 240101, built: 2024-01-01", "V5.3.0 build 240101, built: 2024-01-01"),
     r"^acme.yaml:14: release: field 'version' V5.3.0 build 240101 is not older than V5.2.0 "
     r"build 250101 above it \(newest first\)$"),
    (("    releases:\n", "    releases: []\n    old:\n"),
     r"^acme.yaml:3: series: unknown field 'old'"),
    (("{firmware: V5.2.0 build 250101, expect: current}", "{firmware: [1], expect: current}"),
     r"^acme.yaml:16: example: field 'firmware' must be given, as text or null"),
    (("{firmware: V5.2.0 build 250101, expect: current}", "{expect: current}"),
     r"^acme.yaml:16: example: field 'firmware' must be given"),
    (("expect: current}", "expect: fresh}"),
     r"^acme.yaml:16: example: field 'expect' 'fresh' is not one of current, behind, unknown$"),
    (("releases_behind: 1,", "releases_behind: -1,"),
     r"^acme.yaml:17: example: field 'releases_behind' must be a whole number of 0 or more"),
    (("months_behind: 13", "months_behind: true"),
     r"^acme.yaml:17: example: field 'months_behind' must be a whole number"),
    (("series:\n", "series:\n  - [not, a, mapping]\n"),
     r"^acme.yaml:\d+: series must be a mapping$"),
])
def test_bad_files_name_file_line_field_and_problem(change: tuple[str, str], message: str
                                                     ) -> None:
    text = SERIES.format(eos="")
    assert change[0] in text, change
    with pytest.raises(RuleError, match=message):
        parse_firmware_file(text.replace(change[0], change[1], 1), "acme.yaml")


def test_bad_eos_yaml_and_unreadable_or_missing_files(tmp_path: Path) -> None:
    eos = "    end_of_support: {date: 2026-06-30, grade: A}\n"
    with pytest.raises(RuleError, match=r"^acme.yaml:11: end_of_support: field 'source' is "
                                        r"missing$"):
        parse_firmware_file(SERIES.format(eos=eos), "acme.yaml")
    with pytest.raises(RuleError, match=r"^x.yaml:2: invalid YAML"):
        parse_firmware_file("series: [\n", "x.yaml")
    with pytest.raises(RuleError, match=r"no firmware data files"):
        load_firmware_data(tmp_path)
    (tmp_path / "bad.yaml").write_bytes(b"\xff\xfe series")
    with pytest.raises(RuleError, match=r"^bad.yaml:0: cannot read firmware data file"):
        load_firmware_data(tmp_path)
    assert verify_firmware_data(tmp_path)[0].startswith("bad.yaml:0: cannot read")


def test_verifier_reports_wrong_examples_and_bad_series(tmp_path: Path) -> None:
    text = SERIES.format(eos="").replace(
        "releases_behind: 1, months_behind: 13}",
        "releases_behind: 2, months_behind: 12, basis_contains: [nope]}").replace(
        "{firmware: V5.2.0 build 250101, expect: current}",
        "{firmware: V5.2.0 build 250101, expect: behind}")
    second = SERIES.format(eos="").replace("maker: Hikvision", "maker: Acme")
    third = SERIES.format(eos="").replace("sample_model: DS-9000", "sample_model: DS-9001")
    write(tmp_path, text)
    write(tmp_path, second, "b.yaml")
    write(tmp_path, third, "c.yaml")
    problems = verify_firmware_data(tmp_path)
    assert problems[0].startswith("acme.yaml:16: example of acme-one is current, expected "
                                  "behind: maker Hikvision, model DS-9000 in series DS-9 test")
    assert problems[1:4] == [
        "acme.yaml:17: example of acme-one: releases_behind is 1, expected 2",
        "acme.yaml:17: example of acme-one: months_behind is 13, expected 12",
        problems[3],
    ] and problems[3].startswith("acme.yaml:17: example of acme-one: basis lacks 'nope': ")
    assert problems[4:] == [
        "acme.yaml:3: acme-one: needs an example that is current",
        "b.yaml:3: duplicate id 'acme-one' (first at acme.yaml:3)",
        "b.yaml:3: acme-one: maker 'Acme' not in vocab/makers.txt",
        "c.yaml:3: duplicate id 'acme-one' (first at b.yaml:3)",
        "c.yaml:3: acme-one: sample_model DS-9001 is decided by acme-one",
    ]


def test_an_example_must_fall_in_its_own_series(tmp_path: Path) -> None:
    write(tmp_path, SERIES.format(eos="").replace(
        "{firmware: V5.2.0 build 250101, expect: current}",
        "{model: DS-1000, firmware: V5.2.0 build 250101, expect: current}"))
    assert verify_firmware_data(tmp_path) == [
        "acme.yaml:16: example model DS-1000 is decided by no series, not acme-one"]


def test_build_date_scheme_places_by_version_then_build_date(tmp_path: Path) -> None:
    text = """\
data_as_of: 2026-12-01
series:
  - id: dahua-test
    maker: Dahua
    name: IPC-TEST
    model: '^IPC-TEST$'
    scheme: build-date
    grade: B
    source: s
    sample_model: IPC-TEST
    releases:
      - {version: V2.0.0.3.R, built: 2026-03-01}
      - {version: V2.0.0.2.R, built: 2026-02-01, released: 2026-02-20}
      - {version: V2.0.0.1.R, built: 2026-01-01}
    examples:
      - {firmware: "2.0.0.3.R", expect: current}
      - {firmware: "V2.0.0.2.R, Build Date: 2020-01-01", expect: behind, releases_behind: 1}
      - {firmware: "V2.0.0.12.R", expect: unknown}
      - {firmware: "build:2026-02-15", expect: behind, releases_behind: 1, months_behind: 0}
"""
    data = load_firmware_data(write(tmp_path, text))
    assert verify_firmware_data(tmp_path) == []
    (series,) = data.series
    assert series.as_of == dt.date(2026, 12, 1)  # no as_of: the file's date
    got = assess(Device(ip="x", maker="Dahua", model="IPC-TEST", firmware="V2.0.0.2.R"),
                 data=data)
    assert (got.releases_behind, got.months_behind) == (1, 0)
    assert "from its release date 2026-02-20 to the latest's build date 2026-03-01" in got.basis
    with pytest.raises(RuleError, match=r"acme.yaml:14: release: field 'version' V2.0.0.1.R is "
                                        r"not older than V2.0.0.2.R above it"):
        parse_firmware_file(text.replace("built: 2026-02-01", "built: 2026-01-01"), "acme.yaml")
