"""DVRIP login codec: the Sofia hash and messages match the public clients' captures."""

from __future__ import annotations

from camaudit.lab import dvrip_login as d
from camaudit.wire import dvrip as wire

# alexshpilkin/dvrip test_dvrip.py: a login reply as a device sent it (version 1 header).
CAPTURED_REPLY = (b"\xff\x01\x00\x00\x3f\x00\x00\x00\x00\x00\x00\x00\x00\x00\xe9\x03\x96\x00\x00"
                  b'\x00{ "AliveInterval" : 21, "ChannelNum" : 4, "DataUseAES" : false, '
                  b'"DeviceType " : "HVR", "ExtraChannel" : 0, "Ret" : 100, '
                  b'"SessionID" : "0x0000003F" }\x0a\x00')


def test_sofia_hash_matches_the_published_value_of_the_empty_password() -> None:
    assert d.sofia_hash("") == "tlJwpbo6"  # alexshpilkin/dvrip test_dvrip.py, python-dvr
    assert len(d.sofia_hash("lab-screening-pw")) == 8


def test_a_captured_login_reply_parses() -> None:
    message = d.parse_message(CAPTURED_REPLY)
    assert message is not None and message.message_id == d.LOGIN_REPLY == 1001
    assert message.session == 0x3F and message.payload is not None
    assert message.payload["Ret"] == d.RET_OK and message.payload["SessionID"] == "0x0000003F"


def test_requests_round_trip_and_camaudits_reader_reads_the_replies() -> None:
    login = d.parse_message(d.build_login("lab-operator", "lab-screening-pw"))
    assert login is not None and login.message_id == d.LOGIN
    assert login.payload == {"EncryptType": "MD5", "LoginType": "DVRIP-Web",
                             "PassWord": d.sofia_hash("lab-screening-pw"),
                             "UserName": "lab-operator"}
    info = d.parse_message(d.build_system_info(0x0B))
    assert info is not None and info.message_id == d.SYSTEM_INFO and info.session == 0x0B
    assert info.payload == {"Name": "SystemInfo", "SessionID": "0x0000000B"}
    reply = d.build_message(d.SYSTEM_INFO_REPLY, {
        "Name": "SystemInfo", "Ret": 100, "SessionID": "0x0000000B",
        "SystemInfo": {"HardWare": "HI3516EV300_85H50AI", "SerialNo": "a166379674a3b447",
                       "SoftWareVersion": "V5.00.R02.000529B2.10010.040600.0020000"}}, 0x0B)
    parsed = wire.parse(reply)
    assert parsed.valid and parsed.message_id == d.SYSTEM_INFO_REPLY
    assert parsed.get("SerialNo") == "a166379674a3b447"


def test_garbage_is_not_a_message() -> None:
    assert d.parse_message(b"GET / HTTP/1.1\r\n\r\n") is None
    assert d.read_header(b"\xff" * 19) is None
    too_long = d.HEADER.pack(0xFF, 1, 0, 0, 0, 0, 1000, d.MAX_PAYLOAD + 1)
    assert d.read_header(too_long) is None
    assert d.parse_payload(b"[1, 2]") is None and d.parse_payload(b"{\xff") is None
