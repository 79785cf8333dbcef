from __future__ import annotations

import random

from camaudit.wire import isapi

# Element set of /ISAPI/System/deviceInfo (facts §4.1: hikvision_next#196/#67, CamioCam/rtsp#123).
DEVICE_INFO = b"""<?xml version="1.0" encoding="UTF-8"?>
<DeviceInfo version="2.0" xmlns="http://www.isapi.org/ver20/XMLSchema">
<deviceName>Camera</deviceName>
<deviceID>48473336-3939-3233-3034-2428fd22c319</deviceID>
<deviceLocation>STD-CGI</deviceLocation>
<systemContact>STD-CGI</systemContact>
<model>DS-2CD2385G1-I</model>
<serialNumber>DS-2CD2385G1-I20200101AAWRE00000000</serialNumber>
<macAddress>24:28:fd:22:c3:19</macAddress>
<firmwareVersion>V5.5.800</firmwareVersion>
<deviceType>IPCamera</deviceType>
</DeviceInfo>"""
SESSION_CAP = (b'<?xml version="1.0" encoding="UTF-8"?><SessionLoginCap '
               b'xmlns="http://www.hikvision.com/ver20/XMLSchema"><sessionID>1</sessionID>'
               b"<model>ignored outside DeviceInfo</model></SessionLoginCap>")
BOMB = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<DeviceInfo><model>&lol3;</model></DeviceInfo>"""


def test_device_info() -> None:
    doc = isapi.parse(DEVICE_INFO)
    assert doc.valid and doc.root == "DeviceInfo"
    assert [(o.key, o.value) for o in isapi.observations(doc, "s")] == [
        ("isapi.namespace", "http://www.isapi.org/ver20/XMLSchema"),
        ("isapi.root", "DeviceInfo"),
        ("isapi.model", "DS-2CD2385G1-I"),
        ("isapi.firmware", "V5.5.800"),
        ("isapi.serial", "DS-2CD2385G1-I20200101AAWRE00000000"),
        ("isapi.mac", "24:28:fd:22:c3:19"),
        ("isapi.device_type", "IPCamera"),
    ]


def test_session_login_cap_gives_namespace_and_root_only() -> None:
    obs = isapi.observations(isapi.parse(SESSION_CAP), "s")
    assert [(o.key, o.value) for o in obs] == [
        ("isapi.namespace", "http://www.hikvision.com/ver20/XMLSchema"),
        ("isapi.root", "SessionLoginCap")]


def test_bomb_rejected_without_expansion() -> None:
    doc = isapi.parse(BOMB)
    assert not doc.valid and "EntitiesForbidden" in doc.problem
    assert isapi.observations(doc, "s") == []


def test_external_entity_rejected() -> None:
    xxe = b'<!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]><DeviceInfo>&x;</DeviceInfo>'
    assert not isapi.parse(xxe).valid


def test_never_raises() -> None:
    rng = random.Random(3)
    inputs = [DEVICE_INFO[:i] for i in range(len(DEVICE_INFO))]
    inputs += [rng.randbytes(rng.randrange(0, 300)) for _ in range(300)]
    inputs += [b'<?xml version="1.0" encoding="x-unknown"?><a/>', b"<a>" * 100000]
    for data in inputs:
        doc = isapi.parse(data)
        isapi.observations(doc, "s")
        assert doc.valid or doc.problem


def test_firmware_carries_its_build_from_the_release_date() -> None:
    doc = isapi.parse(b"<DeviceInfo><model>DS-2CD2320D-I</model><firmwareVersion>V5.5.6"
                b"</firmwareVersion><firmwareReleasedDate>build 180326</firmwareReleasedDate>"
                b"</DeviceInfo>")
    got = {o.key: o.value for o in isapi.observations(doc, "s")}
    assert got["isapi.firmware"] == "V5.5.6 build 180326"
    odd = isapi.parse(b"<DeviceInfo><firmwareVersion>V5.5.6</firmwareVersion>"
                b"<firmwareReleasedDate>2018-03-26</firmwareReleasedDate></DeviceInfo>")
    assert {o.key: o.value for o in isapi.observations(odd, "s")}["isapi.firmware"] == "V5.5.6"
