from __future__ import annotations

from contextlib import closing
from pathlib import Path

from camaudit.inventory import open_store, record_scan
from camaudit.model import Device, ScreeningFinding
from camaudit.screening.device import host_ip, public_url
from camaudit.screening.record import device_with_findings, record_device_findings

FINDING = ScreeningFinding(path="http://127.0.0.5/ISAPI/Smart/capabilities",
                           rule="uyghur-face-analytics", severity="high", grade="B",
                           matched="uygur", context="face uygur",
                  near="face", where="/SmartCap/ethnicity", source="facts")


def test_device_with_findings_replaces_only_screening() -> None:
    old = Device(ip="127.0.0.5", maker="Dahua",
                 screening=(ScreeningFinding.from_json({"rule": "old"}),))
    new = device_with_findings(old, "127.0.0.5", [FINDING])
    assert new.maker == "Dahua" and new.screening == (FINDING,)
    assert device_with_findings(None, "127.0.0.6", []) == Device(ip="127.0.0.6")


def test_host_ip_and_public_url() -> None:
    assert host_ip("http://127.0.0.5:8080/x") == "127.0.0.5"
    assert host_ip("http://[::1]/") == "::1"
    assert host_ip("http://[fe80::1%25eth0]/") == "fe80::1"
    assert public_url("http://admin:pw@127.0.0.5:81/a?b=1#f") == "http://127.0.0.5:81/a?b=1"
    assert public_url("https://127.0.0.5") == "https://127.0.0.5"


def test_record_takes_the_latest_record_of_that_site(tmp_path: Path) -> None:
    db = str(tmp_path / "inv.db")
    record_scan(db, "2026-01-01T00:00:00Z", [], {}, "a", [Device(ip="127.0.0.5", maker="Old")])
    record_scan(db, "2026-01-02T00:00:00Z", [], {}, "a", [Device(ip="127.0.0.5", maker="New")])
    record_scan(db, "2026-01-03T00:00:00Z", [], {}, "b", [Device(ip="127.0.0.5", maker="B")])
    scan_id = record_device_findings(db, "a", "http://127.0.0.5/", [FINDING],
                                     "2026-01-04T00:00:00Z")
    with closing(open_store(db)) as store:
        (saved,) = store.scan_devices(scan_id)
        info = store.scan(scan_id)
        site_b = store.history("127.0.0.5", "b")
    assert saved.maker == "New" and saved.screening == (FINDING,)
    assert info.site == "a" and info.options == {"screen": "http://127.0.0.5/", "partial": True}
    assert info.targets == ("127.0.0.5",) and info.time == "2026-01-04T00:00:00Z"
    assert [s.device.screening for s in site_b] == [()]
