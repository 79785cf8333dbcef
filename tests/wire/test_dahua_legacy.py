"""Dahua legacy binary discovery (UDP 5050).

No raw reply is published (facts §2.2 gives the layout; UniversalScanner's selftest sample is
sanitised binary), so REPLY below is assembled byte by byte from the documented offsets of
``Dahua1.cs``/python-dvr, with the field values of the DHIP sample of facts §2.1.
"""

from __future__ import annotations

import random
import struct

from camaudit.wire import dahua_legacy as dl

SEC2 = b"4c:11:bf:c2:0b:9d" + b"IPC-HDW5421S"
SEC3 = (b"Name:IPC\r\nDevice:IPC-HDW5421S\r\nIPv6Addr:fe80::4e11:bfff:fec2:b9d/64\r\n"
        b"SerialNo:1F006E4PAX00075\r\n")


def _section1(len2: int, len3: int, ptype: int = 0x58, version: int = 2) -> bytes:
    head = bytearray(0x78)
    head[0:2] = b"\xb3\x00"
    head[2:4] = struct.pack("<H", len2)
    head[4:8] = struct.pack("<I", ptype)
    head[0x10:0x14] = struct.pack("<I", version)
    head[0x14:0x16] = struct.pack("<H", len3)
    head[0x28:0x2B] = b"IPC"
    head[0x38:0x48] = bytes([218, 5, 136, 140, 255, 255, 255, 0, 218, 5, 136, 1, 8, 8, 8, 8])
    head[0x62:0x64] = struct.pack("<H", 37777)
    return bytes(head)


REPLY = _section1(len(SEC2), len(SEC3)) + SEC2 + SEC3
EXPECTED = [("dhlegacy.present", "true"), ("dhlegacy.model", "IPC-HDW5421S"),
            ("dhlegacy.serial", "1F006E4PAX00075"), ("dhlegacy.mac", "4c:11:bf:c2:0b:9d"),
            ("dhlegacy.device_type", "IPC")]


def pairs(data: bytes) -> list[tuple[str, str]]:
    return [(o.key, o.value) for o in dl.observations(dl.parse(data), "udp/5050")]


def test_search_request_is_universalscanners() -> None:
    pkt = dl.build_search()
    assert len(pkt) == 32
    assert pkt[:4] == b"\xa3\x01\x00\x01" and pkt[0x10] == 0x02
    assert pkt[4:0x10] == bytes(12) and pkt[0x11:] == bytes(15)
    assert dl.is_search(pkt)
    python_dvr = b"\xa3\x01\x00\x00" + bytes(12) + b"\x02" + bytes(15)
    assert dl.is_search(python_dvr)
    assert not dl.is_search(REPLY) and not dl.is_search(pkt[:16])


def test_reply_fields() -> None:
    r = dl.parse(REPLY)
    assert r.valid and r.problem == ""
    assert (r.ip, r.netmask, r.gateway, r.dns) == ("218.5.136.140", "255.255.255.0",
                                                   "218.5.136.1", "8.8.8.8")
    assert (r.tcp_port, r.protocol_version, r.device_type) == (37777, 2, "IPC")
    assert r.get("Name") == "IPC" and r.get("IPv6Addr") == "fe80::4e11:bfff:fec2:b9d/64"
    assert pairs(REPLY) == EXPECTED


def test_build_reply_matches_the_hand_built_layout() -> None:
    built = dl.build_reply(mac="4c:11:bf:c2:0b:9d", model="IPC-HDW5421S", device_type="IPC",
                           ip="218.5.136.140", gateway="218.5.136.1", dns="8.8.8.8",
                           info=(("Name", "IPC"), ("Device", "IPC-HDW5421S"),
                                 ("IPv6Addr", "fe80::4e11:bfff:fec2:b9d/64"),
                                 ("SerialNo", "1F006E4PAX00075")))
    assert built == REPLY


def test_python_dvr_reading_without_section_lengths() -> None:
    data = _section1(0, 0) + SEC2
    r = dl.parse(data)
    assert r.valid and (r.mac, r.model, r.info) == ("4c:11:bf:c2:0b:9d", "IPC-HDW5421S", ())


def test_nul_padded_model_and_upper_case_mac() -> None:
    sec2 = b"4C-11-BF-C2-0B-9D" + b"DH-NVR4104\x00\x00junk"
    r = dl.parse(_section1(len(sec2), 0) + sec2)
    assert (r.mac, r.model) == ("4c:11:bf:c2:0b:9d", "DH-NVR4104")


def test_mac_only_section_gives_no_model() -> None:
    sec2 = b"3c:ef:8c:00:00:01"
    assert pairs(_section1(len(sec2), 0) + sec2) == [
        ("dhlegacy.present", "true"), ("dhlegacy.mac", "3c:ef:8c:00:00:01"),
        ("dhlegacy.device_type", "IPC")]


def test_not_replies_are_invalid() -> None:
    assert not dl.parse(dl.build_search()).valid  # our own broadcast coming back
    assert not dl.parse(b"").valid
    assert not dl.parse(REPLY[:0x77]).valid
    assert "magic" in dl.parse(b"\xa3" + REPLY[1:]).problem
    assert "packetType" in dl.parse(_section1(0, 0, ptype=0x59) + SEC2).problem
    assert pairs(b"\x00" * 200) == []


def test_other_protocol_version_is_kept_but_noted() -> None:
    r = dl.parse(_section1(len(SEC2), 0, version=3) + SEC2)
    assert r.valid and r.protocol_version == 3 and "protocolVersion 3" in r.problem


def test_truncated_reply_keeps_what_arrived() -> None:
    cut = REPLY[: 0x78 + len(SEC2) + 10]
    r = dl.parse(cut)
    assert r.valid and "past the datagram" in r.problem
    assert (r.mac, r.model, r.get("SerialNo")) == ("4c:11:bf:c2:0b:9d", "IPC-HDW5421S", None)
    for n in range(len(REPLY) + 1):
        dl.parse(REPLY[:n])  # never raises


def test_garbage_section2_and_section3() -> None:
    sec2 = b"\xff" * 40
    sec3 = b"\xff\xfe:\x00\r\nno colon here\r\nSerialNo:\r\n:value\r\nSerialNo:\x01ABC\x7f\r\n"
    r = dl.parse(_section1(len(sec2), len(sec3)) + sec2 + sec3)
    assert r.valid and r.mac == "" and r.model == "" and "MAC" in r.problem
    assert r.info == (("SerialNo", "ABC"),)


def test_lengths_and_line_counts_are_bounded() -> None:
    sec2 = b"4c:11:bf:c2:0b:9d" + b"M" * 5000
    sec3 = b"K:v\r\n" * 5000
    r = dl.parse(_section1(len(sec2), len(sec3)) + sec2 + sec3)
    assert len(r.model) == dl.MAX_TEXT and len(r.info) <= dl.MAX_LINES
    r = dl.parse(_section1(len(sec2), 0xFFFF) + sec2 + b"x" * 200_000)
    assert r.valid and len(r.info) <= dl.MAX_LINES


def test_random_bytes_never_raise() -> None:
    rng = random.Random(5050)
    for _ in range(2000):
        n = rng.randrange(0, 400)
        data = bytes(rng.randrange(256) for _ in range(n))
        if rng.random() < 0.5 and n > 8:  # a plausible header with a garbage body
            data = b"\xb3\x00" + data[2:4] + b"\x58\x00\x00\x00" + data[8:]
        dl.observations(dl.parse(data), "udp/5050")
    for i in range(len(REPLY)):  # every single-byte corruption of a good reply
        for value in (0x00, 0xFF):
            dl.observations(dl.parse(REPLY[:i] + bytes([value]) + REPLY[i + 1:]), "udp/5050")
