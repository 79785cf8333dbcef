"""Pure parts of the store module: diffs, ordering, records, the report input."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

from camaudit.inventory import ScanMeta, open_store
from camaudit.inventory.store import (
    DeviceFilter,
    device_from_json,
    diff_devices,
    ip_sort_key,
    scan_report,
)
from camaudit.model import Device, EgressFinding, ProbeError, Risk, ScreeningFinding

# Scan metadata only: nothing is sent to these addresses.
SURVEYED = ("10.0.0.0/24",)


def test_diff_devices_reports_appeared_vanished_changed(mkdev: Any) -> None:
    before = [mkdev("10.0.0.2", "Dahua", "Dahua"), mkdev("10.0.0.10", "Hikvision", "LTS")]
    after = [mkdev("10.0.0.10", "Hikvision", "LTS", ports=(80, 554)), mkdev("10.0.0.9")]
    diff = diff_devices(1, before, 2, after)
    assert [d.ip for d in diff.appeared] == ["10.0.0.9"]
    assert [d.ip for d in diff.vanished] == ["10.0.0.2"]
    [c] = diff.changed
    assert [(x.field, x.before, x.after) for x in c.changes] == [
        ("ports", "80/tcp", "80/tcp,554/tcp")]
    assert diff.to_json()["changed"][0]["changes"][0]["field"] == "ports"
    assert diff_devices(1, before, 2, before).empty


def test_diff_compares_risks_as_cve_and_status() -> None:
    def dev(firmware: str, *risks: tuple[str, str, str]) -> Device:
        return Device(ip="10.0.0.7", maker="Hikvision", firmware=firmware,
                      risks=tuple(Risk(c, s, b) for c, s, b in risks))

    before = [dev("V5.4.0 build 160401", ("CVE-2017-7921", "affected", "in range"),
                  ("CVE-2021-36260", "possible", "maker"))]
    reworded = [dev("V5.4.0 build 160401", ("CVE-2021-36260", "possible", "other words"),
                    ("CVE-2017-7921", "affected", "said differently"))]
    assert diff_devices(1, before, 2, reworded).empty
    updated = [dev("V5.5.0 build 170101", ("CVE-2021-36260", "possible", "maker"))]
    [c] = diff_devices(1, before, 2, updated).changed
    assert [(x.field, x.before, x.after) for x in c.changes] == [
        ("firmware", "V5.4.0 build 160401", "V5.5.0 build 170101"),
        ("risks", "CVE-2017-7921 affected,CVE-2021-36260 possible", "CVE-2021-36260 possible")]


def test_ip_sort_key_is_numeric() -> None:
    ips = ["10.0.0.10", "fe80::1", "name", "10.0.0.9", "9.255.255.255"]
    assert sorted(ips, key=ip_sort_key) == ["9.255.255.255", "10.0.0.9", "10.0.0.10",
                                            "fe80::1", "name"]


def test_device_from_json_keeps_errors() -> None:
    d = Device(ip="10.0.0.1", errors=(ProbeError("tcp/80", "reset"),))
    assert device_from_json(d.to_json()) == d


def test_filter_network() -> None:
    assert DeviceFilter().network() is None
    assert str(DeviceFilter(subnet="10.0.0.7/24").network()) == "10.0.0.0/24"


def test_scan_report_gives_latest_scan_and_changes(tmp_path: Path, mkdev: Any) -> None:
    store = open_store(tmp_path / "r.db")
    try:
        store.save_scan(ScanMeta("2025-01-01T00:00:00Z", site="hq"), [mkdev("10.0.0.1")])
        store.save_scan(ScanMeta("2025-01-02T00:00:00Z", site="lab"), [mkdev("10.0.0.3")])
        last = store.save_scan(ScanMeta("2025-01-03T00:00:00Z", SURVEYED, site="hq"),
                               [mkdev("10.0.0.2")])
        devices, meta = scan_report(store, site="hq")
        assert [d.ip for d in devices] == ["10.0.0.2"]
        assert (meta["scan_id"], meta["site"], meta["targets"]) == (last, "hq", ["10.0.0.0/24"])
        assert [d["ip"] for d in meta["changes"]["appeared"]] == ["10.0.0.2"]
        _, first = scan_report(store, scan_id=1)
        assert "changes" not in first
    finally:
        store.close()


def test_partial_scans_are_kept_but_not_compared_by_default(tmp_path: Path) -> None:
    from camaudit.inventory import record_scan

    db = str(tmp_path / "inv.db")
    cam = Device(ip="10.0.0.5", maker="Hikvision")
    other = Device(ip="10.0.0.6", maker="Axis")
    first = record_scan(db, "2026-01-01T00:00:00Z", ["127.10.0.0/29"], {}, "hq", [cam, other])
    finding = ScreeningFinding.from_json({"rule": "sdk-em-nation-type", "severity": "high"})
    screened = record_scan(db, "2026-01-02T00:00:00Z", ["10.0.0.5"], {"partial": True}, "hq",
                           [Device(ip="10.0.0.5", maker="Hikvision", screening=(finding,))])
    second = record_scan(db, "2026-01-03T00:00:00Z", ["127.10.0.0/29"], {}, "hq", [cam, other])
    with open_store(db) as store:
        diff = store.diff(site="hq")
        assert (diff.scan_a, diff.scan_b) == (first, second)  # the partial scan is skipped
        assert not diff.vanished and not diff.appeared
        devices, meta = scan_report(store, None, "hq")
        assert meta["scan_id"] == second
        # the network scan kept the findings the screening run recorded
        assert {d.ip: d.screening for d in devices}["10.0.0.5"] == (finding,)
        assert [s.id for s in store.scans("hq")] == [first, screened, second]


def test_network_scans_carry_egress_and_diff_compares_destinations(tmp_path: Path) -> None:
    from camaudit.inventory import record_scan

    db = str(tmp_path / "inv.db")
    cam = Device(ip="10.0.0.5", maker="Hikvision")
    hik = EgressFinding.from_json({"destination": "dev.hik-connect.com",
                                   "kind": "vendor-cloud", "bytes_out": 300}, "10.0.0.5")
    screened = ScreeningFinding.from_json({"rule": "sdk-em-nation-type", "severity": "high"})
    first = record_scan(db, "2026-01-01T00:00:00Z", ["127.10.0.0/29"], {}, "hq", [cam])
    record_scan(db, "2026-01-02T00:00:00Z", ["10.0.0.5"], {"egress": ["a.pcap"],
                                                           "partial": True}, "hq",
                [Device(ip="10.0.0.5", maker="Hikvision", egress=(hik,))])
    record_scan(db, "2026-01-02T01:00:00Z", ["10.0.0.5"], {"screen": "u", "partial": True},
                "hq", [Device(ip="10.0.0.5", maker="Hikvision", screening=(screened,))])
    second = record_scan(db, "2026-01-03T00:00:00Z", ["127.10.0.0/29"], {}, "hq", [cam])
    # the same destinations with other byte counts: no change
    record_scan(db, "2026-01-04T00:00:00Z", ["10.0.0.5"], {"egress": ["b.pcap"],
                                                           "partial": True}, "hq",
                [Device(ip="10.0.0.5", egress=(dataclasses.replace(hik, bytes_out=9),))])
    third = record_scan(db, "2026-01-05T00:00:00Z", ["127.10.0.0/29"], {}, "hq", [cam])
    with open_store(db) as store:
        carried = {d.ip: d for d in store.scan_devices(second)}["10.0.0.5"]
        # one network scan keeps both: the egress run's and the screening run's findings
        assert carried.egress == (hik,) and carried.screening == (screened,)
        [c] = store.diff(first, second).changed
        changes = {x.field: (x.before, x.after) for x in c.changes}
        assert changes["egress"] == ("", "dev.hik-connect.com (vendor-cloud)")
        assert store.diff(second, third).empty
        assert store.history("10.0.0.5", "hq")[-1].device.egress[0].bytes_out == 9


def test_rollup_takes_the_latest_scan_of_every_site(tmp_path: Path) -> None:
    from camaudit.inventory import ScanMeta, open_store
    from camaudit.inventory.store import rollup_report
    from camaudit.model import Device

    store = open_store(tmp_path / "inv.db")
    try:
        store.save_scan(ScanMeta("2026-01-01T00:00:00Z", ("a",), {}, "north"),
                        [Device(ip="10.0.0.1", maker="Axis")])
        store.save_scan(ScanMeta("2026-01-02T00:00:00Z", ("a",), {}, "north"),
                        [Device(ip="10.0.0.2", maker="Axis")])
        store.save_scan(ScanMeta("2026-01-01T00:00:00Z", ("b",), {}, "south"),
                        [Device(ip="10.0.0.1", maker="Dahua"), Device(ip="10.0.0.3")])
        devices, meta = rollup_report(store)
    finally:
        store.close()
    assert [(d.ip, d.maker) for d in devices] == [("10.0.0.2", "Axis"), ("10.0.0.1", "Dahua"),
                                                  ("10.0.0.3", None)]
    assert meta["device_sites"] == ["north", "south", "south"]
    assert [(x["site"], x["devices"]) for x in meta["sites"]] == [("north", 1), ("south", 2)]
