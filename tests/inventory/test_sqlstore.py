"""The store suite: every test runs on SQLite and on a real PostgreSQL server."""

from __future__ import annotations

from typing import Any

import pytest

from camaudit.errors import UsageError
from camaudit.inventory import DeviceFilter, ScanMeta, open_store
from camaudit.inventory.sqlstore import clean
from camaudit.model import ProbeError


def meta(time: str, site: str = "hq", **options: Any) -> ScanMeta:
    return ScanMeta(time, ("10.0.0.0/24",), options, site)


def test_save_scan_keeps_meta_devices_and_evidence(store_url: str, mkdev: Any) -> None:
    hostile = "<script>alert(1)</script>\x00\ud800'; DROP TABLE scans; --"
    d = mkdev("10.0.0.5", "Hikvision", "LTS", ports=(80, 554), covered=True, value=hostile)
    import dataclasses

    d = dataclasses.replace(d, errors=(ProbeError("tcp/554", "timeout"),))
    store = open_store(store_url)
    try:
        sid = store.save_scan(meta("2025-01-01T00:00:00Z", ports=[80, 554]), [d])
        info = store.scan(sid)
        assert (info.site, info.targets, info.device_count) == ("hq", ("10.0.0.0/24",), 1)
        assert info.options == {"ports": [80, 554]}
        back = store.scan_devices(sid)
        assert back == [d]  # the record comes back exactly, hostile value and errors included
        assert [s.id for s in store.scans()] == [sid]
    finally:
        store.close()
    again = open_store(store_url)  # reopening runs no migration twice and keeps the data
    try:
        assert again.scan_devices(sid)[0].evidence[0].value == hostile
    finally:
        again.close()


def test_devices_filters_apply_to_latest_state(store_url: str, mkdev: Any) -> None:
    store = open_store(store_url)
    try:
        store.save_scan(meta("2025-01-01T00:00:00Z"), [
            mkdev("10.0.0.5", "Hikvision", "LTS", covered=True),
            mkdev("10.0.1.7", "Dahua", "Lorex", covered=True),
            mkdev("10.0.0.9", "Axis", "Axis")])
        store.save_scan(meta("2025-02-01T00:00:00Z"), [
            mkdev("10.0.0.5", "Hikvision", "Hikvision", covered=True, firmware="V5.7"),
            mkdev("10.0.0.9", "Axis", "Axis")])
        store.save_scan(meta("2025-03-01T00:00:00Z", site="branch"), [
            mkdev("10.0.0.5", "Dahua", "Dahua", covered=True)])

        def ips(**kw: Any) -> list[tuple[str, str]]:
            return [(s.site, s.device.ip) for s in store.devices(DeviceFilter(**kw))]

        assert ips() == [("branch", "10.0.0.5"), ("hq", "10.0.0.5"), ("hq", "10.0.0.9"),
                         ("hq", "10.0.1.7")]
        assert ips(site="hq", maker="hikvision") == [("hq", "10.0.0.5")]
        assert ips(site="hq", brand="LTS") == []  # latest label is Hikvision
        assert ips(site="hq", brand="Lorex") == [("hq", "10.0.1.7")]
        assert ips(covered=False) == [("hq", "10.0.0.9")]
        assert ips(site="hq", covered=True) == [("hq", "10.0.0.5"), ("hq", "10.0.1.7")]
        assert ips(subnet="10.0.1.0/24") == [("hq", "10.0.1.7")]
        assert ips(since="2025-02-01") == [("branch", "10.0.0.5"), ("hq", "10.0.0.5"),
                                           ("hq", "10.0.0.9")]
        latest = store.devices(DeviceFilter(site="hq", maker="Hikvision"))[0]
        assert latest.device.firmware == "V5.7"
        assert (latest.device.first_seen, latest.device.last_seen) == (
            "2025-01-01T00:00:00Z", "2025-02-01T00:00:00Z")
        with pytest.raises(UsageError, match="bad subnet"):
            store.devices(DeviceFilter(subnet="10.0.0.300/24"))
    finally:
        store.close()


def test_history_and_diff(store_url: str, mkdev: Any) -> None:
    store = open_store(store_url)
    try:
        a = store.save_scan(meta("2025-01-01T00:00:00Z"), [
            mkdev("10.0.0.5", "Hikvision", "LTS", ports=(80, 8000)),
            mkdev("10.0.0.6", "Dahua", "Dahua")])
        other = store.save_scan(meta("2025-01-02T00:00:00Z", site="branch"),
                                [mkdev("10.0.0.99", "Axis", "Axis")])
        b = store.save_scan(meta("2025-01-03T00:00:00Z"), [
            mkdev("10.0.0.5", "Hikvision", "Hikvision", ports=(80,), firmware="V5",
                  covered=True),
            mkdev("10.0.0.7", "Xiongmai", None)])
        seen = store.history("10.0.0.5")
        assert [(s.scan_id, s.device.brand) for s in seen] == [(a, "LTS"), (b, "Hikvision")]
        assert store.history("10.0.0.5", site="branch") == []
        # default: the last two scans of the latest scan's site, skipping the other site's scan
        diff = store.diff()
        assert (diff.scan_a, diff.scan_b) == (a, b)
        assert [d.ip for d in diff.appeared] == ["10.0.0.7"]
        assert [d.ip for d in diff.vanished] == ["10.0.0.6"]
        [change] = diff.changed
        fields = {c.field: (c.before, c.after) for c in change.changes}
        assert fields == {"brand": ("LTS", "Hikvision"), "firmware": (None, "V5"),
                          "ports": ("80/tcp,8000/tcp", "80/tcp"),
                          "verdicts": ("ndaa-889=not-covered", "ndaa-889=covered")}
        assert store.diff(site="hq").to_json() == diff.to_json()
        with pytest.raises(UsageError, match="needs two scans"):
            store.diff(site="branch")
        with pytest.raises(UsageError, match="belongs to site 'branch'"):
            store.diff(a, other, site="hq")
        with pytest.raises(UsageError, match="no scan 999"):
            store.diff(a, 999)
    finally:
        store.close()


def test_save_scan_is_all_or_nothing(store_url: str, mkdev: Any) -> None:
    store = open_store(store_url)
    try:
        bad = mkdev("10.0.0.5", "Hikvision", "Hikvision")
        import dataclasses

        # A confidence that is not a number fails inside the transaction, after the scan row
        # and an earlier device were written: none of it may remain.
        broken = dataclasses.replace(bad, ip="10.0.0.6", confidence="x")  # type: ignore[arg-type]
        with pytest.raises((ValueError, TypeError)):
            store.save_scan(meta("2025-01-01T00:00:00Z"), [bad, broken])
        assert store.scans() == []
        assert store.devices() == []
        sid = store.save_scan(meta("2025-01-02T00:00:00Z"), [bad, bad])  # duplicates merge
        assert store.scan(sid).device_count == 1
    finally:
        store.close()


def test_clean_makes_device_text_storable() -> None:
    assert clean("a\x00b") == "a\ufffdb"
    assert clean("x\ud800y") == "x?y"
    assert clean(None) is None
