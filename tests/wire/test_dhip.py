from __future__ import annotations

import json
import random
import struct

from camaudit.wire import dhip

# Observed reply (facts §2.1, Phenomite/AMP-Research README); the published copy elides part of
# IPv6Address with "...", left out here so the JSON is well-formed.
REPLY_JSON = (
    b'{ "mac" : "4c:11:bf:c2:0b:9d", "method" : "client.notifyDevInfo", "params" : { "deviceInfo" :'
    b' { "AlarmInputChannels" : 0, "AlarmOutputChannels" : 0, "DeviceClass" : "IPC", "DeviceType" :'
    b' "IPC-HDW5421S", "HttpPort" : 80, "IPv4Address" : { "DefaultGateway" : "218.5.136.1", '
    b'"DhcpEnable" : false, "IPAddress" : "218.5.136.140", "SubnetMask" : "255.255.255.0" }, '
    b'"IPv6Address" : { "LinkLocalAddress" : "fe80::4e11:bfff:fec2:0b9d\\/64" }, "MachineName" : '
    b'"1F006E4PAX00075", "Manufacturer" : "Private", "Port" : 37777, '
    b'"RemoteVideoInputChannels" : 0, "SerialNo" : "1F006E4PAX00075", "Vendor" : "Dahua", '
    b'"Version" : "2.400.0.8", '
    b'"VideoInputChannels" : 1, "VideoOutputChannels" : 16 } } }\n')
EXPECTED = [
    ("dhip.present", "true"), ("dhip.model", "IPC-HDW5421S"), ("dhip.class", "IPC"),
    ("dhip.serial", "1F006E4PAX00075"), ("dhip.firmware", "2.400.0.8"), ("dhip.vendor", "Dahua"),
    ("dhip.manufacturer", "Private"), ("dhip.mac", "4c:11:bf:c2:0b:9d"),
]


def pairs(data: bytes) -> list[tuple[str, str]]:
    return [(o.key, o.value) for o in dhip.observations(dhip.parse(data), "udp/37810")]


def test_build_search_header() -> None:
    pkt = dhip.build_search()
    size, magic, _, _, n1, _, n2, _ = struct.unpack("<I4sIIIIII", pkt[:32])
    assert (size, magic, n1, n2) == (32, b"DHIP", len(pkt) - 32, len(pkt) - 32)
    assert json.loads(pkt[32:])["method"] == "DHDiscover.search"
    # header bytes as in rroller/dahua#6: 20000000 44484950 ...
    assert pkt[:8].hex() == "2000000044484950"


def test_framed_and_bare_reply() -> None:
    assert pairs(dhip.frame(REPLY_JSON, session=0xAB046D8D)) == EXPECTED
    assert pairs(REPLY_JSON) == EXPECTED
    assert pairs(b"  \n" + REPLY_JSON.strip()) == EXPECTED
    assert dhip.parse(dhip.frame(REPLY_JSON)).framed


def test_own_search_is_not_a_reply() -> None:
    reply = dhip.parse(dhip.build_search())
    assert not reply.valid and "request" in reply.problem


def test_truncated_and_oversized() -> None:
    framed = dhip.frame(REPLY_JSON)
    assert not dhip.parse(framed[:-40]).valid
    huge = struct.pack("<I4sIIIIII", 32, b"DHIP", 0, 0, 10**8, 0, 10**8, 0) + b"{}"
    assert "64 KiB" in dhip.parse(huge).problem


def test_never_raises() -> None:
    rng = random.Random(2)
    framed = dhip.frame(REPLY_JSON)
    inputs = [framed[:i] for i in range(len(framed) + 1)]
    inputs += [rng.randbytes(rng.randrange(0, 300)) for _ in range(300)]
    inputs += [b"\x20\0\0\0DHIP" + rng.randbytes(60) for _ in range(50)]
    inputs += [b"[" * 100000, b'{"params":{"deviceInfo":' * 5000, b'{"a":1' + b"9" * 5000 + b"}"]
    for data in inputs:
        dhip.observations(dhip.parse(data), "s")


def test_init_is_passed_on_as_sent_whatever_its_type() -> None:
    # facts §2.1: newer firmware adds Init; no public source says which value means
    # "not initialised", so the value is passed on raw (docs/exposure.md)
    def init(value: str) -> list[str]:
        body = b'{"method":"client.notifyDevInfo","params":{"deviceInfo":{"DeviceType":"X",' \
               b'"Init":' + value.encode() + b"}}}"
        return [v for k, v in pairs(body) if k == "dhip.init"]

    assert init("76") == ["76"]
    assert init('"1"') == ["1"]
    assert init("true") == ["true"] and init("false") == ["false"]
    assert init("null") == [] and init("{}") == []
    assert not any(k == "dhip.init" for k, _ in pairs(REPLY_JSON))
