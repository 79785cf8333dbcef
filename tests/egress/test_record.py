"""Egress findings into the inventory: one partial scan of the devices that have findings."""

from __future__ import annotations

from pathlib import Path

from camaudit.egress.analysis import analyse
from camaudit.egress.flows import Capture
from camaudit.egress.record import record_egress
from camaudit.inventory import open_store, record_scan
from camaudit.model import Device, ScreeningFinding

CAM, AXIS, OTHER = "192.168.1.64", "192.168.1.40", "192.168.1.77"


# Scan metadata only: nothing is sent to these addresses.
SURVEYED = ["192.168.1.0/24"]

def _cap(with_cloud: bool = True) -> Capture:
    cap = Capture()
    if with_cloud:
        cap.add_conn((CAM, "34.241.130.159", "tcp", 8555), 420, 240, 3, 3, 100.0, 160.0)
        cap.add_name("34.241.130.159", "dev.hik-connect.com", "dns evidence")
        cap.add_conn((OTHER, "8.8.4.4", "udp", 123), 76, 76, 1, 1, 5.0, 5.0)
    cap.add_conn((AXIS, "192.168.1.5", "udp", 123), 76, 76, 1, 1, 5.0, 5.0)
    cap.files.append("x.pcap")
    return cap


def test_devices_with_findings_are_recorded_on_their_latest_record(tmp_path: Path) -> None:
    db = str(tmp_path / "inv.db")
    screened = ScreeningFinding.from_json({"rule": "sdk-em-nation-type"})
    record_scan(db, "2026-01-01T00:00:00Z", SURVEYED, {}, "hq",
                [Device(ip=CAM, maker="Hikvision"), Device(ip=AXIS, maker="Axis")])
    record_scan(db, "2026-01-02T00:00:00Z", [CAM], {"screen": "u", "partial": True}, "hq",
                [Device(ip=CAM, maker="Hikvision", model="DS-2CD", screening=(screened,))])
    inventory = [Device(ip=CAM, maker="Hikvision"), Device(ip=AXIS, maker="Axis")]
    result = analyse(_cap(), inventory, ("CN",))
    scan_id = record_egress(db, "hq", result, "2026-01-03T00:00:00Z")
    assert scan_id is not None
    with open_store(db) as store:
        info = store.scan(scan_id)
        assert info.options == {"egress": ["x.pcap"], "partial": True}
        assert (info.site, info.time, set(info.targets)) == ("hq", "2026-01-03T00:00:00Z",
                                                             {CAM, OTHER})
        devs = {d.ip: d for d in store.scan_devices(scan_id)}
        assert set(devs) == {CAM, OTHER}  # the clean Axis device is not recorded
        cam = devs[CAM]
        # the latest record (the screening run's), with the egress findings added
        assert (cam.model, cam.screening) == ("DS-2CD", (screened,))
        assert [(e.destination, e.kind, e.bytes_out) for e in cam.egress] == [
            ("dev.hik-connect.com", "vendor-cloud", 420)]
        assert devs[OTHER] == Device(ip=OTHER, egress=devs[OTHER].egress)
        assert devs[OTHER].egress[0].ip == "8.8.4.4"


def test_nothing_found_nothing_written(tmp_path: Path) -> None:
    db = tmp_path / "inv.db"
    result = analyse(_cap(with_cloud=False), None, ("CN",))
    assert [d.ip for d in result.devices] == [AXIS]
    assert record_egress(str(db), "", result, "2026-01-03T00:00:00Z") is None
    assert not db.exists()
