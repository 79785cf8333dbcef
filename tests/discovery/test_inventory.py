from __future__ import annotations

import dataclasses

import pytest

from camaudit.discovery.collect import Reply
from camaudit.discovery.inventory import build_devices, merge_devices, read_neighbours
from camaudit.judge import judge
from camaudit.model import Evidence, Port, Risk
from camaudit.net.multicast import Interface
from camaudit.wire import dhip

SADP = (b"<ProbeMatch><Uuid>A</Uuid><DeviceDescription>DS-7804HQH-K1</DeviceDescription>"
        b"<DeviceSN>DS-7804HQH-K10420190822CCCHD53257168WCVU</DeviceSN>"
        b"<MAC>68-6d-bc-ee-f8-f0</MAC></ProbeMatch>")
DHIP = dhip.frame(b'{"mac":"00:1f:54:01:02:03","method":"client.notifyDevInfo","params":'
                  b'{"deviceInfo":{"DeviceClass":"NVR","SerialNo":"ND0123","Vendor":"Lorex",'
                  b'"Manufacturer":"Private","Version":"2.800.030000000.3.R"}}}\n')
NIC = Interface("lab0", "10.213.0.2", "255.255.255.0")


def test_replies_become_attributed_devices_sorted_by_ip() -> None:
    replies = [Reply("10.213.0.20", "dhip", DHIP), Reply("10.213.0.3", "sadp", SADP),
               Reply("10.213.0.3", "sadp", SADP), Reply("10.213.0.9", "wsd", b"junk")]
    devices = build_devices(replies, iface=NIC, seen="2026-01-01T00:00:00Z")
    assert [d.ip for d in devices] == ["10.213.0.3", "10.213.0.20"]
    hik, lorex = devices
    assert (hik.maker, hik.model, hik.mac) == ("Hikvision", "DS-7804HQH-K1", "68:6d:bc:ee:f8:f0")
    assert hik.ports == (Port(37020, "udp", "sadp"),)
    assert (lorex.maker, lorex.brand, lorex.relabeled, lorex.serial) == \
        ("Dahua", "Lorex", True, "ND0123")
    assert len([e for e in hik.evidence if e.key == "sadp.present"]) == 1


def test_neighbour_mac_only_for_senders_on_the_segment() -> None:
    replies = [Reply("10.213.0.3", "wsd", b"x"), Reply("10.213.1.9", "dhip", DHIP)]
    neighbours = {"10.213.0.3": "44:47:cc:00:00:01", "10.213.1.9": "02:00:00:00:00:01"}
    devices = build_devices(replies, iface=NIC, neighbours=neighbours,
                            hostnames={"10.213.0.3": ("cam.local",)},
                            onvif={"10.213.1.9": ["GetServices"]})
    local, routed = devices
    assert local.mac == "44:47:cc:00:00:01" and local.maker == "Hikvision"
    assert local.hostnames == ("cam.local",)
    assert routed.mac == "00:1f:54:01:02:03"  # from its own reply, not the router's
    assert Port(80, "tcp", "onvif") in routed.ports


def test_merge_combines_evidence_and_ports_by_ip() -> None:
    (found,) = build_devices([Reply("10.0.0.3", "sadp", SADP)])
    scanned = dataclasses.replace(
        found, ports=(Port(80),), evidence=(Evidence("tcp/80 GET /", "http.header.server",
                                                      "App-webs/", "x"),), maker=None,
        hostnames=("nvr",))
    other = dataclasses.replace(found, ip="10.0.0.4", evidence=(), maker=None)
    merged = merge_devices([found], [scanned, other])
    assert [d.ip for d in merged] == ["10.0.0.3", "10.0.0.4"]
    d = merged[0]
    assert d.maker == "Hikvision"
    assert {(p.port, p.proto) for p in d.ports} == {(80, "tcp"), (37020, "udp")}
    assert {e.key for e in d.evidence} >= {"sadp.present", "http.header.server"}
    assert d.hostnames == ("nvr",) and d.verdicts == ()
    assert merge_devices([found], [])[0] is found


def test_read_neighbours_of_missing_table_is_empty(tmp_path: object) -> None:
    from pathlib import Path

    assert read_neighbours("lab0", Path("/nonexistent/arp")) == {}


def test_merged_records_are_judged_on_their_merged_identity() -> None:
    (found,) = build_devices([Reply("10.0.0.3", "sadp", SADP)])
    assert found.risks == ()  # build_devices is the pure part; judge adds verdicts and risks
    scanned = dataclasses.replace(found, evidence=(), maker=None, model=None,
                                  risks=(Risk("stale", "possible", "old"),))
    (merged,) = merge_devices([found], [scanned])
    assert (merged.maker, merged.model) == ("Hikvision", "DS-7804HQH-K1")
    assert merged.risks == () and merged.verdicts == ()  # nothing stale survives the merge
    (judged,) = judge([merged])
    assert [(r.cve, r.status) for r in judged.risks] == [("CVE-2021-36260", "possible")]


def _lab_replies() -> tuple[list[Reply], dict[str, tuple[str, str | None]]]:
    """What every discovery profile of the lab answers to camaudit's probes, one device per
    profile model (sans-I/O: the lab's own responders, no sockets)."""
    from camaudit.discovery.messages import PROTOCOLS
    from camaudit.lab import netns
    from camaudit.lab.profiles import load_profiles
    from camaudit.lab.responders import Responder

    profiles = load_profiles()
    replies: list[Reply] = []
    truth: dict[str, tuple[str, str | None]] = {}
    host = 10
    for nd in netns.plan_netns(routed=()):
        profile = profiles[nd.device.profile]
        for model in profile.models or (None,):
            device = dataclasses.replace(nd.device, ip=f"10.213.0.{host}", model=model)
            host += 1
            truth[device.ip] = (profile.id, model)
            responder = Responder(profile, device)
            for proto, p in PROTOCOLS.items():
                for probe in p.probes():
                    answer = responder.answer(proto, probe)
                    if answer:
                        replies.append(Reply(device.ip, proto, answer))
    return replies, truth


def test_discover_devices_on_the_lab_replies_carry_risks(monkeypatch: pytest.MonkeyPatch
                                                         ) -> None:
    from camaudit.discovery import inventory

    replies, truth = _lab_replies()
    monkeypatch.setattr(inventory, "interface", lambda name: NIC)
    monkeypatch.setattr(inventory, "collect", lambda *a, **k: replies)
    monkeypatch.setattr(inventory, "read_neighbours", lambda name: {})
    devices = inventory.discover_devices("lab0", 0.0, mdns=False)
    got = {truth[d.ip]: (d.firmware, [(r.cve, r.status) for r in d.risks])
           for d in devices}
    hik = [("CVE-2021-36260", "possible")]
    assert got == {
        ("axis", None): (None, []),
        # DHIP's Version carries no build date: possible (the CGI version string has one)
        ("dahua-ipc", "IPC-HDW5421S"): ("2.800.0000016.0.R", [("CVE-2021-33044", "possible"),
                                                              ("CVE-2021-33045", "possible")]),
        ("dahua-ipc", "IPC-HFW2228M-I1-V2"): ("2.800.0000016.0.R",
                                              [("CVE-2022-30563", "possible")]),
        ("dahua-nvr", "NVR4216-4KS2"): ("4.001.0000000.3.R", []),  # in no CVE's series
        ("dahua-oem", None): ("2.800.030000000.3.R", []),
        ("hikvision-ipc", "DS-2CD2320D-I"): ("V5.5.6build 180326", hik),
        ("hikvision-ipc", "DS-2CD2385G1-I"): ("V5.5.6build 180326", hik),
        ("hikvision-ipc", "DS-2CD3955FWD-IWS"): ("V5.5.6build 180326", hik),
        # a CVE-2017-7921 series (DS-2DFx), but the firmware is after the range
        ("hikvision-ipc", "DS-2DF7286-A"): ("V5.5.6build 180326",
                                            [("CVE-2017-7921", "not-affected"), *hik]),
        ("hikvision-nvr", "DS-7804HQH-K1"): ("V3.5.38build 191215", hik),
        ("hikvision-oem", "DS-2CD2320D-I"): ("V5.5.6build 180326", hik),
        ("hikvision-oem", "DS-2CD2385G1-I"): ("V5.5.6build 180326", hik),
        ("hikvision-unactivated", "DS-2CD2320D-I"): ("V5.5.6build 180326", hik),
        ("xiongmai-dvr", None): (None, []),
    }
    dahua = next(d for d in devices if truth[d.ip] == ("dahua-ipc", "IPC-HDW5421S"))
    assert dahua.risks[0].basis == (
        "maker Dahua, model IPC-HDW5421S in series IPC-HX5xxx, firmware 2.800.0000016.0.R "
        "carries no build date (affected: built before 2021-06-01)")
