from __future__ import annotations

import json
import random
import struct

from camaudit.wire import dvrip

# SystemInfo values from the OpenIPC/python-dvr README (facts §4.3).
SYSTEM_INFO = {"Name": "SystemInfo", "Ret": 100, "SystemInfo": {
    "HardWare": "HI3516EV300_85H50AI", "SerialNo": "a166379674a3b447",
    "SoftWareVersion": "V5.00.R02.000529B2.10010.040600.0020000"}}
# 1531 discovery reply shape (python-dvr DeviceManager.SearchXM reads NetWork.NetCommon).
NET_COMMON = {"NetWork.NetCommon": {"HostName": "IPC", "MAC": "00:12:34:56:78:9a",
                                    "SN": "abcdef0123456789", "TCPPort": 34567, "HttpPort": 80},
              "Ret": 100}


def packet(msg_id: int, obj: dict) -> bytes:
    payload = json.dumps(obj).encode() + b"\n\x00"
    return struct.pack("<BBHIIHHI", 0xFF, 1, 0, 5, 0, 0, msg_id, len(payload)) + payload


def pairs(data: bytes) -> list[tuple[str, str]]:
    return [(o.key, o.value) for o in dvrip.observations(dvrip.parse(data), "s")]


def test_build_search() -> None:
    assert dvrip.build_search() == bytes.fromhex("ff00" "0000" "00000000" "00000000" "0000"
                                                 "fa05" "00000000")


def test_system_info() -> None:
    msg = dvrip.parse(packet(dvrip.SYSTEM_INFO + 1, SYSTEM_INFO))
    assert msg.valid and msg.message_id == 1021 and msg.session == 5
    assert pairs(packet(1021, SYSTEM_INFO)) == [
        ("dvrip.present", "true"), ("dvrip.model", "HI3516EV300_85H50AI"),
        ("dvrip.serial", "a166379674a3b447"),
        ("dvrip.firmware", "V5.00.R02.000529B2.10010.040600.0020000")]


def test_discovery_reply_and_bare_json() -> None:
    expected = [("dvrip.present", "true"), ("dvrip.model", "IPC"),
                ("dvrip.serial", "abcdef0123456789"), ("dvrip.mac", "00:12:34:56:78:9a")]
    assert pairs(packet(dvrip.SEARCH_REPLY, NET_COMMON)) == expected
    assert pairs(json.dumps(NET_COMMON).encode()) == expected


def test_rejects_requests_and_unrelated_json() -> None:
    assert not dvrip.parse(dvrip.build_search()).valid
    assert not dvrip.parse(b'{"hello": 1}').valid
    assert not dvrip.parse(b"\xff\x01").valid


def test_never_raises() -> None:
    rng = random.Random(4)
    data = packet(1531, NET_COMMON)
    inputs = [data[:i] for i in range(len(data) + 1)]
    inputs += [rng.randbytes(rng.randrange(0, 300)) for _ in range(300)]
    inputs += [b"\xff" + rng.randbytes(40) for _ in range(50)]
    for d in inputs:
        dvrip.observations(dvrip.parse(d), "s")
