from __future__ import annotations

import random
from pathlib import Path

from camaudit.wire import wsd

DAHUA = (Path(__file__).parent.parent / "data" / "captures" / "dahua-wsd-probematches.xml"
         ).read_bytes()
DAHUA_SCOPES = [
    "onvif://www.onvif.org/location/country/china", "onvif://www.onvif.org/name/Dahua",
    "onvif://www.onvif.org/hardware/IPC-HFW2228M-I1-V2", "onvif://www.onvif.org/Profile/Streaming",
    "onvif://www.onvif.org/type/Network_Video_Transmitter",
    "onvif://www.onvif.org/extension/unique_identifier",
]
# Hikvision scopes (facts §3.2, DS-2CD2385G1-I) inside a Hello envelope.
HIK_SCOPES = ("onvif://www.onvif.org/type/video_encoder onvif://www.onvif.org/Profile/Streaming "
              "onvif://www.onvif.org/Profile/G onvif://www.onvif.org/MAC/58:50:ed:1f:e3:85 "
              "onvif://www.onvif.org/hardware/DS-2CD2385G1-I "
              "onvif://www.onvif.org/name/HIKVISION%20DS-2CD2385G1-I "
              "onvif://www.onvif.org/location/city/hangzhou")
HIK_HELLO = f"""<?xml version="1.0" encoding="UTF-8"?>
<env:Envelope xmlns:env="http://www.w3.org/2003/05/soap-envelope"
 xmlns:wsa="http://schemas.xmlsoap.org/ws/2004/08/addressing"
 xmlns:d="http://schemas.xmlsoap.org/ws/2005/04/discovery"><env:Body><d:Hello>
<wsa:EndpointReference><wsa:Address>urn:uuid:aa85c000-6324-11b3-819e-5850ed1fe385</wsa:Address>
</wsa:EndpointReference><d:Types>dn:NetworkVideoTransmitter tds:Device</d:Types>
<d:Scopes>{HIK_SCOPES}</d:Scopes><d:XAddrs>http://127.0.0.64/onvif/device_service</d:XAddrs>
<d:MetadataVersion>10</d:MetadataVersion></d:Hello></env:Body></env:Envelope>""".encode()
# Hikvision fault to a unicast probe (facts §3.1, edgexfoundry/device-onvif-camera#134).
HIK_FAULT = b"""<?xml version="1.0" encoding="UTF-8"?>
<env:Envelope xmlns:env="http://www.w3.org/2003/05/soap-envelope"
 xmlns:d="http://schemas.xmlsoap.org/ws/2005/04/discovery"><env:Body><env:Fault>
<env:Code><env:Value>env:Sender</env:Value><env:Subcode><env:Value>d:MatchingRuleNotSupported
</env:Value></env:Subcode></env:Code><env:Reason><env:Text xml:lang="en">the xml format error
</env:Text></env:Reason></env:Fault></env:Body></env:Envelope>"""
DEVICE_INFO = b"""<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope"
 xmlns:tds="http://www.onvif.org/ver10/device/wsdl"><s:Body><tds:GetDeviceInformationResponse>
<tds:Manufacturer>Dahua</tds:Manufacturer><tds:Model>IPC-HFW2228M-I1-V2</tds:Model>
<tds:FirmwareVersion>2.800.0000000.7.R</tds:FirmwareVersion><tds:SerialNumber>4K01FD2PAJ6E3FF
</tds:SerialNumber><tds:HardwareId>1.00</tds:HardwareId></tds:GetDeviceInformationResponse>
</s:Body></s:Envelope>"""


def by_key(obs: list) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for o in obs:
        out.setdefault(o.key, []).append(o.value)
    return out


def test_dahua_probematches_capture() -> None:
    msg = wsd.parse(DAHUA)
    assert msg.valid and msg.kind == "ProbeMatches"
    obs = by_key(wsd.observations(msg, "udp/3702"))
    assert obs["wsd.scope"] == DAHUA_SCOPES
    assert obs["wsd.types"] == ["dn:NetworkVideoTransmitter tds:Device"]
    assert obs["wsd.endpoint"] == ["uuid:503b687a-b9d7-474f-a2d0-a18c8b25a464"]
    assert obs["wsd.xaddrs"] == ["http://192.168.1.45/onvif/device_service"]


def test_hikvision_hello_scopes_percent_decoded() -> None:
    msg = wsd.parse(HIK_HELLO)
    assert msg.kind == "Hello"
    obs = by_key(wsd.observations(msg, "s"))
    assert "onvif://www.onvif.org/name/HIKVISION DS-2CD2385G1-I" in obs["wsd.scope"]
    assert len(obs["wsd.scope"]) == 7
    assert obs["wsd.endpoint"] == ["urn:uuid:aa85c000-6324-11b3-819e-5850ed1fe385"]


def test_fault_text() -> None:
    msg = wsd.parse(HIK_FAULT)
    assert msg.valid and msg.kind == "Fault"
    assert by_key(wsd.observations(msg, "s")) == {"wsd.fault": ["the xml format error"]}


def test_get_device_information() -> None:
    obs = by_key(wsd.observations(wsd.parse(DEVICE_INFO), "s"))
    assert obs == {"onvif.manufacturer": ["Dahua"], "onvif.model": ["IPC-HFW2228M-I1-V2"],
                   "onvif.firmware": ["2.800.0000000.7.R"], "onvif.serial": ["4K01FD2PAJ6E3FF"],
                   "onvif.hardware": ["1.00"]}


def test_parse_scopes() -> None:
    assert wsd.parse_scopes(" a%20b\n c%ZZ ") == ["a b", "c%ZZ"]


def test_probe_and_bomb_are_invalid() -> None:
    probe = (b'<e:Envelope xmlns:e="http://www.w3.org/2003/05/soap-envelope"><e:Body>'
             b"<Probe/></e:Body></e:Envelope>")
    assert not wsd.parse(probe).valid
    bomb = (b'<!DOCTYPE e [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;">]>'
            b"<Envelope><Scopes>&b;</Scopes><ProbeMatch/></Envelope>")
    msg = wsd.parse(bomb)
    assert not msg.valid and "EntitiesForbidden" in msg.problem


def test_never_raises() -> None:
    rng = random.Random(6)
    inputs = [DAHUA[:i] for i in range(0, len(DAHUA) + 1, 3)]
    inputs += [rng.randbytes(rng.randrange(0, 300)) for _ in range(300)]
    inputs += [b"<Envelope>" + b"<ProbeMatch>" * 5000]
    for data in inputs:
        wsd.observations(wsd.parse(data), "s")
