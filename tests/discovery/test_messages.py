from __future__ import annotations

import os

import pytest

from camaudit.discovery import messages as m
from camaudit.wire import dahua_legacy, sadp

SADP_REPLY = b"""<?xml version="1.0" encoding="UTF-8" ?>
<ProbeMatch><Uuid>8282F1DB-2FA6-4709-B261-3C6B6A48CA17</Uuid><Types>inquiry</Types>
<DeviceDescription>DS-7804HQH-K1</DeviceDescription>
<DeviceSN>DS-7804HQH-K10420190822CCCHD53257168WCVU</DeviceSN><MAC>68-6d-bc-ee-f8-f0</MAC>
<SoftwareVersion>V3.5.38build 191215</SoftwareVersion><OEMInfo>N/A</OEMInfo></ProbeMatch>"""


def test_every_protocol_has_probes_for_its_port() -> None:
    assert {p.port for p in m.PROTOCOLS.values()} == {37020, 37810, 5050, 34569, 3702, 1900}
    assert len(m.PROTOCOLS["wsd"].probes()) == 3
    assert m.PROTOCOLS["dhip"].group == "239.255.255.251" and m.PROTOCOLS["dhip"].broadcast
    assert not m.PROTOCOLS["ssdp"].unicast
    legacy = m.PROTOCOLS["dhlegacy"]  # broadcast only, replies may come to port 5050
    assert (legacy.group, legacy.broadcast, legacy.unicast, legacy.listen_port) == \
        (None, True, False, 5050)
    assert legacy.probes() == [dahua_legacy.build_search()]


def test_decode_sadp_reply() -> None:
    obs = {(o.key, o.value) for o in m.decode("sadp", SADP_REPLY, "udp/37020 sadp")}
    assert ("sadp.present", "true") in obs
    assert ("sadp.mac", "68:6d:bc:ee:f8:f0") in obs
    assert ("sadp.serial", "DS-7804HQH-K10420190822CCCHD53257168WCVU") in obs


def test_decode_dahua_legacy_reply() -> None:
    reply = dahua_legacy.build_reply(mac="3c:ef:8c:00:00:01", model="DH-NVR4104",
                                     info=(("SerialNo", "4K01FD2PAJ6E3FF"),))
    obs = {(o.key, o.value, o.source)
           for o in m.decode("dhlegacy", reply, m.source_label("dhlegacy", 5050))}
    assert obs >= {("dhlegacy.present", "true", "udp/5050 dhlegacy"),
                   ("dhlegacy.model", "DH-NVR4104", "udp/5050 dhlegacy"),
                   ("dhlegacy.serial", "4K01FD2PAJ6E3FF", "udp/5050 dhlegacy"),
                   ("dhlegacy.mac", "3c:ef:8c:00:00:01", "udp/5050 dhlegacy")}


def test_decode_ignores_probes_and_unknown_protocols() -> None:
    assert m.decode("sadp", sadp.build_probe("AB-12"), "s") == []
    assert m.decode("dhip", m.PROTOCOLS["dhip"].probes()[0], "s") == []
    assert m.decode("dvrip", m.PROTOCOLS["dvrip"].probes()[0], "s") == []
    assert m.decode("dhlegacy", m.PROTOCOLS["dhlegacy"].probes()[0], "s") == []
    assert m.decode("nope", SADP_REPLY, "s") == []


@pytest.mark.parametrize("proto", list(m.PROTOCOLS))
def test_decode_never_raises_on_garbage(proto: str) -> None:
    for data in (b"", b"\xff" * 19, os.urandom(1500), SADP_REPLY[:40], b"DHIP" * 100):
        assert isinstance(m.decode(proto, data, "s"), list)


def test_parse_arp_keeps_complete_entries_on_the_interface() -> None:
    text = ("IP address       HW type     Flags       HW address            Mask     Device\n"
            "10.213.0.11      0x1         0x2         4c:11:bf:60:cc:5c     *        lab0\n"
            "10.213.0.12      0x1         0x0         00:00:00:00:00:00     *        lab0\n"
            "192.168.1.1      0x1         0x2         aa:bb:cc:dd:ee:ff     *        eth0\n"
            "garbage\n10.0.0.1 0x1 zz 11:22:33:44:55:66 * lab0\n")
    assert m.parse_arp(text, "lab0") == {"10.213.0.11": "4c:11:bf:60:cc:5c"}
    assert len(m.parse_arp(text)) == 2


def test_onvif_request_is_a_soap_post_to_the_device_service() -> None:
    req = m.build_onvif_request("GetServices", "10.0.0.5")
    head, _, body = req.partition(b"\r\n\r\n")
    assert head.startswith(b"POST /onvif/device_service HTTP/1.1\r\nHost: 10.0.0.5\r\n")
    assert f"Content-Length: {len(body)}".encode() in head
    assert b"<tds:GetServices>" in body
    assert b"Host: 10.0.0.5:8899" in m.build_onvif_request("GetSystemDateAndTime",
                                                           "10.0.0.5", 8899)
    with pytest.raises(ValueError, match="pre-auth"):
        m.build_onvif_request("SetSystemFactoryDefault", "10.0.0.5")


def test_onvif_answered() -> None:
    ok = (b'<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope" '
          b'xmlns:tds="http://www.onvif.org/ver10/device/wsdl"><s:Body>'
          b"<tds:GetServicesResponse/></s:Body></s:Envelope>")
    assert m.onvif_answered(ok, "GetServices")
    assert not m.onvif_answered(ok, "GetSystemDateAndTime")
    assert not m.onvif_answered(b"<html>401</html>", "GetServices")
    assert not m.onvif_answered(b"\xff\xfe<", "GetServices")
