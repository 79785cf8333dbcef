"""NetBox device-import CSV: NetBox's column names, one row per device, defused cells."""

from __future__ import annotations

import csv
import io

from camaudit.formats.netbox import COLUMNS, DEFAULT_ROLE, MAX_DESCRIPTION, comments, render
from camaudit.model import Device, Evidence, Exposure, Risk, Verdict

CAMERA = Device(
    ip="10.0.0.5", mac="68:6d:bc:ee:f8:f0", maker="Hikvision", brand="LTS", relabeled=True,
    model="DS-2CD2042WD-I", firmware="V5.4.5", serial="DS-1234", device_type="ip-camera",
    confidence=0.99,
    evidence=(Evidence("tcp/80 GET /", "http.header.server", "DNVRS-Webs", "hikvision-webs"),),
    verdicts=(Verdict("ndaa-889", "covered", "maker Hikvision"),),
    risks=(Risk("CVE-2021-36260", "affected", "b", kev="2022-01-10"),),
    exposures=(Exposure("telnet-open", "high", "telnet answered on tcp/23"),))


def _rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text, newline="")))


def test_columns_are_netbox_device_import_fields() -> None:
    # NetBox's DeviceImportForm (dcim/forms/bulk_import.py) names these fields; role,
    # manufacturer, device_type, status and site are required there
    assert COLUMNS == ("name", "role", "manufacturer", "device_type", "site", "status",
                       "serial", "description", "comments")
    assert render([], {}).splitlines() == [",".join(COLUMNS)]


def test_a_relabeled_camera_is_kept_under_its_maker() -> None:
    (row,) = _rows(render([CAMERA], {"site": "hq"}))
    assert row["name"] == "10.0.0.5" and row["role"] == "IP camera"
    assert row["manufacturer"] == "Hikvision" and row["device_type"] == "DS-2CD2042WD-I"
    assert row["site"] == "hq" and row["status"] == "active" and row["serial"] == "DS-1234"
    assert row["description"] == ("ip camera with Hikvision firmware, labelled LTS; covered by "
                                  "ndaa-889")
    text = row["comments"]
    for part in ("- address: 10.0.0.5", "- brand on the label: LTS", "- firmware: V5.4.5",
                 "- maker confidence: 0.99 (relabeled)", "- ndaa-889: covered (maker Hikvision)",
                 "- exposure telnet-open (high): telnet answered on tcp/23",
                 "- CVE-2021-36260: affected, in CISA KEV since 2022-01-10",
                 "- rules: hikvision-webs"):
        assert part in text.splitlines()


def test_unknown_values_get_netbox_friendly_defaults() -> None:
    bare = Device(ip="10.0.0.9", hostnames=("nvr-2.lab",))
    (row,) = _rows(render([bare], {}))
    assert row["name"] == "nvr-2.lab" and row["role"] == DEFAULT_ROLE
    assert row["manufacturer"] == "Unknown" and row["device_type"] == "Unknown"
    assert row["site"] == "" and row["serial"] == ""


def test_device_strings_cannot_become_formulas_or_overflow() -> None:
    evil = Device(ip="10.0.0.9", maker="=cmd|' /C calc'!A0", model="@SUM(1)",
                  serial="+1", device_type="ip-camera", brand="x" * 300)
    (row,) = _rows(render([evil], {"site": "-hq"}))
    assert row["manufacturer"].startswith("'=") and row["device_type"] == "'@SUM(1)"
    assert row["serial"] == "'+1" and row["site"] == "'-hq"
    assert len(row["description"]) <= MAX_DESCRIPTION


def test_many_rules_are_summarised() -> None:
    d = Device(ip="10.0.0.9", evidence=tuple(Evidence("s", "k", "v", f"rule-{i}")
                                              for i in range(11)))
    assert comments(d).splitlines()[-1].endswith("rule-7 and 3 more")
