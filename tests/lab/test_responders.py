from __future__ import annotations

import os

import pytest

from camaudit.discovery import messages as m
from camaudit.lab.plan import LabDevice
from camaudit.lab.profiles import load_profiles
from camaudit.lab.responders import Responder
from camaudit.protocols import wsd as wsd_protocol
from camaudit.wire import dahua_legacy, dhip, dvrip, sadp, ssdp, wsd


def responder(profile: str, model: str | None = None) -> Responder:
    p = load_profiles()[profile]
    dev = LabDevice("10.213.0.14", "44:47:cc:a9:af:2e", profile, p.maker, p.brand,
                    model or (p.models[0] if p.models else None), "SERIAL123", p.ports,
                    p.device_type, p.firmware)
    return Responder(p, dev)


def test_sadp_probe_match_echoes_uuid_and_carries_identity() -> None:
    r = responder("hikvision-ipc")
    reply = sadp.parse(r.answer("sadp", sadp.build_probe("ABCD-1234")) or b"")
    assert reply.valid and not reply.lenient
    assert reply.get("Uuid") == "ABCD-1234"
    assert reply.get("DeviceDescription") == "DS-2CD2320D-I"
    assert reply.get("DeviceSN") == "SERIAL123"
    assert reply.get("MAC") == "44-47-cc-a9-af-2e"
    assert reply.get("SoftwareVersion") == "V5.5.6build 180326"


def test_dhip_reply_carries_the_oem_vendor() -> None:
    r = responder("dahua-oem")
    reply = dhip.parse(r.answer("dhip", dhip.build_search()) or b"")
    assert reply.valid and reply.framed and reply.method == "client.notifyDevInfo"
    assert (reply.get("Vendor"), reply.get("Manufacturer"), reply.get("Port")) == \
        ("Lorex", "Private", "35000")
    assert reply.get("SerialNo") == "SERIAL123" and reply.mac == "44:47:cc:a9:af:2e"


@pytest.mark.parametrize(("profile", "model", "port"), [
    ("dahua-ipc", "IPC-HDW5421S", 37777), ("dahua-oem", "", 35000)])
def test_dahua_legacy_reply(profile: str, model: str, port: int) -> None:
    r = responder(profile)
    python_dvr_search = b"\xa3\x01\x00\x00" + bytes(12) + b"\x02" + bytes(15)
    for search in (dahua_legacy.build_search(), python_dvr_search):
        reply = dahua_legacy.parse(r.answer("dhlegacy", search) or b"")
        assert reply.valid and reply.problem == ""
        assert (reply.mac, reply.model, reply.get("SerialNo")) == \
            ("44:47:cc:a9:af:2e", model, "SERIAL123")
        assert (reply.ip, reply.tcp_port) == ("10.213.0.14", port)
        assert reply.get("IPv6Addr") == "fe80::4647:ccff:fea9:af2e/64"
    assert r.answer("dhlegacy", dhip.build_search()) is None


def test_dvrip_search_reply() -> None:
    r = responder("xiongmai-dvr")
    msg = dvrip.parse(r.answer("dvrip", dvrip.build_search()) or b"")
    assert msg.valid and msg.message_id == dvrip.SEARCH_REPLY
    assert msg.get("SN") == "SERIAL123" and msg.get("HostIP") == "0x0E00D50A"


@pytest.mark.parametrize(("types", "answers"), [
    ("dn:NetworkVideoTransmitter", True), ("tds:Device", True), ("", True),
    ("dp0:NetworkVideoDisplay", False)])
def test_wsd_answers_matching_probes_only(types: str, answers: bool) -> None:
    r = responder("hikvision-ipc")
    reply = r.answer("wsd", wsd_protocol.build_probe(types, "uuid:probe-1"))
    assert (reply is not None) == answers
    if reply is not None:
        msg = wsd.parse(reply)
        assert msg.kind == "ProbeMatches"
        (match,) = msg.matches
        assert "onvif://www.onvif.org/name/HIKVISION DS-2CD2320D-I" in match.scopes
        assert match.endpoint.endswith("4447cca9af2e")  # MAC-node UUID (facts §3.2)
        assert b"<a:RelatesTo>uuid:probe-1</a:RelatesTo>" in reply


def test_announcements_per_profile() -> None:
    (hello,) = responder("dahua-ipc").announcements()
    assert hello[2] == ("239.255.255.250", 3702)
    assert wsd.parse(hello[1]).kind == "Hello"
    (notify,) = responder("axis").announcements()
    msg = ssdp.parse(notify[1])
    assert msg.kind == "notify" and "axis5" in (msg.header("SERVER") or "")
    assert responder("hikvision-nvr").announcements() == []


def test_ssdp_answers_msearch() -> None:
    reply = responder("axis").answer("ssdp", ssdp.build_msearch())
    assert ssdp.parse(reply or b"").kind == "response"


def test_silent_on_other_protocols_and_garbage() -> None:
    r = responder("hikvision-ipc")
    assert r.answer("dhip", dhip.build_search()) is None
    assert r.answer("dhlegacy", dahua_legacy.build_search()) is None
    assert r.answer("sadp", b"<Probe><Types>update</Types></Probe>") is None
    for proto in ("sadp", "wsd", "dhip", "dhlegacy", "dvrip", "ssdp"):
        for data in (b"", os.urandom(600), b"\xff" * 20, b"<!DOCTYPE x [<!ENTITY a 'b'>]><x/>"):
            assert responder("dahua-ipc").answer(proto, data) is None


def test_onvif_reply_answers_the_two_preauth_calls_only() -> None:
    r = responder("dahua-ipc")
    for call in m.ONVIF_CALLS:
        raw = r.onvif_reply(m.build_onvif_request(call, "10.213.0.14"))
        assert raw.startswith(b"HTTP/1.1 200 OK")
        assert m.onvif_answered(raw.partition(b"\r\n\r\n")[2], call)
    assert r.onvif_reply(b"GET / HTTP/1.1\r\n\r\n").startswith(b"HTTP/1.1 400")


def test_firmware_and_activation_in_discovery_replies() -> None:
    unactivated = sadp.parse(responder("hikvision-unactivated").answer(
        "sadp", sadp.build_probe("ABCD-1234")) or b"")
    assert unactivated.get("Activated") == "false"
    assert unactivated.get("SoftwareVersion") == "V5.5.6build 180326"
    assert sadp.parse(responder("hikvision-ipc").answer(
        "sadp", sadp.build_probe("ABCD-1234")) or b"").get("Activated") == "true"
    reply = dhip.parse(responder("dahua-ipc").answer("dhip", dhip.build_search()) or b"")
    assert reply.get("Version") == "2.800.0000016.0.R"


def test_onvif_reply_answers_over_the_namespace_labs_tcp_port() -> None:
    body = (b'<?xml version="1.0"?><s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope"'
            b' xmlns:d="http://www.onvif.org/ver10/device/wsdl"><s:Body><d:GetServices/>'
            b"</s:Body></s:Envelope>")
    request = (b"POST /onvif/device_service HTTP/1.1\r\nContent-Length: "
               + str(len(body)).encode() + b"\r\n\r\n" + body)
    reply = responder("dahua-ipc").onvif_reply(request)
    assert reply.startswith(b"HTTP/1.1 200 OK\r\n") and m.onvif_answered(
        reply.split(b"\r\n\r\n", 1)[1], "GetServices")
    assert responder("dahua-ipc").onvif_reply(b"GET / HTTP/1.1\r\n\r\n").startswith(
        b"HTTP/1.1 400 ")
