from __future__ import annotations

from camaudit.egress.analysis import EGRESS_KEYS, analyse, attach, iso
from camaudit.egress.flows import Capture
from camaudit.model import Device

CAM, NVR, PHONE = "192.168.1.64", "192.168.1.9", "192.168.1.77"


def _cap() -> Capture:
    cap = Capture()
    # the camera is the client of a Hik-Connect host it resolved
    cap.add_conn((CAM, "34.241.130.159", "tcp", 8555), 420, 240, 3, 3, 100.0, 160.0)
    cap.add_name("34.241.130.159", "dev.hik-connect.com", "dns evidence")
    # the NVR is the *server* side (port forwarded), the far end a CN address
    cap.add_conn(("202.96.128.86", NVR, "tcp", 554), 10, 5000, 1, 4, 50.0, 51.0)
    # local traffic only for the phone; an unnamed unknown remote for the camera
    cap.add_conn((PHONE, "192.168.1.1", "udp", 53), 60, 90, 1, 1, 1.0, 1.0)
    cap.add_conn((CAM, "8.8.4.4", "udp", 123), 76, 76, 1, 1, 5.0, 5.0)
    # two public hosts: neither side is a device
    cap.add_conn(("1.1.1.1", "9.9.9.9", "tcp", 443), 1, 1, 1, 1, 1.0, 1.0)
    cap.files.append("x.pcap")
    cap.records = 42
    return cap


def test_inventory_sides_orientation_and_flags() -> None:
    res = analyse(_cap(), [Device(ip=NVR, maker="Hikvision"), Device(ip=CAM)], ("CN",))
    devs = {d.ip: d for d in res.devices}
    assert list(devs) == [NVR, CAM, PHONE]  # numeric address order
    assert devs[PHONE].in_inventory is False and devs[PHONE].findings == ()
    assert devs[PHONE].local_connections == 1
    nvr = devs[NVR].findings[0]
    # device is the server: its bytes out are the server-to-client bytes
    assert (nvr.ip, nvr.bytes_out, nvr.bytes_in, nvr.packets_out, nvr.packets_in) == (
        "202.96.128.86", 5000, 10, 4, 1)
    assert nvr.flagged and "country CN" in nvr.reasons
    cam = devs[CAM].findings
    assert [f.ip for f in cam] == ["34.241.130.159", "8.8.4.4"]  # flagged first
    assert (cam[0].destination, cam[0].kind, cam[0].first_seen, cam[0].last_seen) == (
        "dev.hik-connect.com", "vendor-cloud", iso(100.0), iso(160.0))
    assert cam[0].evidence[0] == "dns evidence"
    assert (cam[1].destination, cam[1].kind, cam[1].flagged) == ("AS15169 Google LLC", "other",
                                                                False)
    assert res.flagged and res.records == 42 and res.meta()["flagged_devices"] == 2
    assert "9.9.9.9" not in devs and "1.1.1.1" not in devs


def test_no_flag_countries_and_include_local() -> None:
    res = analyse(_cap(), None, (), include_local=True)
    devs = {d.ip: d for d in res.devices}
    nvr = devs[NVR].findings[0]
    assert not nvr.flagged and nvr.reasons == ()
    phone = devs[PHONE].findings[0]
    assert (phone.ip, phone.kind, phone.country) == ("192.168.1.1", "local", None)
    assert res.flag_countries == ()


def test_attach_puts_findings_on_devices() -> None:
    res = analyse(_cap(), [Device(ip=CAM), Device(ip="192.168.1.250")], ("CN",))
    cam, other = attach([Device(ip=CAM), Device(ip="192.168.1.250")], res)
    assert other.egress == ()
    assert [f.ip for f in cam.egress] == ["34.241.130.159", "8.8.4.4"]
    assert all(k in cam.egress[0].to_json() for k in EGRESS_KEYS)


def test_iso_keeps_whole_seconds_as_gmtime_does() -> None:
    assert iso(1_700_000_000.999) == "2023-11-14T22:13:20Z"
    assert iso(1_700_000_001.0) == "2023-11-14T22:13:21Z"
    assert iso(-0.5) == "1969-12-31T23:59:59Z"
    assert iso(0.0) == "1970-01-01T00:00:00Z"
