from __future__ import annotations

import random
from pathlib import Path

import pytest

from camaudit.wire import sadp

CAPTURE = (Path(__file__).parent.parent / "data" / "captures" / "sadp-ds7804hqh-k1.xml"
           ).read_bytes()
EXPECTED = [
    ("sadp.present", "true"),
    ("sadp.model", "DS-7804HQH-K1"),
    ("sadp.serial", "DS-7804HQH-K10420190822CCCHD53257168WCVU"),
    ("sadp.firmware", "V3.5.38build 191215"),
    ("sadp.mac", "68:6d:bc:ee:f8:f0"),
    ("sadp.device_type", "44322"),
    ("sadp.activated", "true"),
]


def pairs(reply: sadp.SadpReply) -> list[tuple[str, str]]:
    return [(o.key, o.value) for o in sadp.observations(reply, "udp/37020")]


def test_build_probe_exact_bytes() -> None:
    assert sadp.build_probe("8282f1db-2fa6-4709-b261-3c6b6a48ca17") == (
        b'<?xml version="1.0" encoding="utf-8"?><Probe><Uuid>8282F1DB-2FA6-4709-B261-3C6B6A48CA17'
        b"</Uuid><Types>inquiry</Types></Probe>")
    with pytest.raises(ValueError):
        sadp.build_probe("x</Uuid><a>")


def test_truncated_published_capture_parses_leniently() -> None:
    reply = sadp.parse(CAPTURE)
    assert reply.valid and reply.lenient
    assert pairs(reply) == EXPECTED  # OEMInfo N/A gives no sadp.oem


def test_complete_xml_parses_strictly() -> None:
    reply = sadp.parse(CAPTURE + b"</ProbeMatch>\r\n")
    assert reply.valid and not reply.lenient
    assert pairs(reply) == EXPECTED
    assert reply.get("CommandPort") == "8000"


def test_unescaped_value_falls_back() -> None:
    data = (b"<ProbeMatch>\r\n<DeviceDescription>A&B</DeviceDescription>\r\n"
            b"<OEMInfo>LTS</OEMInfo><DetailOEMCode>N/A</DetailOEMCode></ProbeMatch>")
    reply = sadp.parse(data)
    assert reply.lenient and pairs(reply) == [("sadp.present", "true"), ("sadp.model", "A&B"),
                                              ("sadp.oem", "LTS")]


def test_activated_is_passed_on_as_sent() -> None:
    # facts §1.3: Activated false = factory default, never given a password
    reply = sadp.parse(b"<ProbeMatch><DeviceDescription>DS-2CD2320D-I</DeviceDescription>"
                       b"<Activated>false</Activated></ProbeMatch>")
    assert ("sadp.activated", "false") in pairs(reply)
    unsaid = sadp.parse(b"<ProbeMatch><DeviceDescription>X</DeviceDescription></ProbeMatch>")
    assert not any(k == "sadp.activated" for k, _ in pairs(unsaid))


def test_own_probe_is_not_a_reply() -> None:
    reply = sadp.parse(sadp.build_probe("1234"))
    assert not reply.valid and sadp.observations(reply, "s") == []


def test_bomb_is_not_reread_leniently() -> None:
    bomb = (b'<?xml version="1.0"?><!DOCTYPE p [<!ENTITY a "aaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]>'
            b"<ProbeMatch><DeviceDescription>&b;</DeviceDescription></ProbeMatch>")
    reply = sadp.parse(bomb)
    assert not reply.valid and "EntitiesForbidden" in reply.problem


def test_never_raises() -> None:
    rng = random.Random(1)
    inputs = [CAPTURE[:i] for i in range(len(CAPTURE) + 1)]
    inputs += [rng.randbytes(rng.randrange(0, 400)) for _ in range(300)]
    inputs += [b"<ProbeMatch>" + b"<a>" * 30000]
    for data in inputs:
        sadp.observations(sadp.parse(data), "s")
