"""Hikvision SADP: XML over UDP 37020, multicast 239.255.255.250 (facts §1)."""

from __future__ import annotations

import uuid
from xml.sax.saxutils import escape

from camaudit.model import Observation
from camaudit.protocols.base import LabDevice, Protocol
from camaudit.wire import sadp
from camaudit.wire.xmldoc import local, parse_xml, pasted_xml

# Element order of the DS-7804HQH-K1 ProbeMatch capture (facts §1.3).
_ORDER = ("Uuid", "Types", "DeviceType", "DeviceDescription", "DeviceSN", "CommandPort",
          "HttpPort", "MAC", "IPv4Address", "IPv4SubnetMask", "IPv4Gateway", "DHCP",
          "AnalogChannelNum", "DigitalChannelNum", "SoftwareVersion", "DSPVersion", "OEMInfo",
          "Activated")
_DEFAULTS = {"Types": "inquiry", "DeviceDescription": "{model}", "DeviceSN": "{serial}",
             "CommandPort": "8000", "HttpPort": "80", "MAC": "{mac_dash}",
             "IPv4Address": "{ip}", "IPv4SubnetMask": "255.255.255.0", "DHCP": "false",
             "Activated": "true"}


def decode(data: bytes, source: str) -> list[Observation]:
    return sadp.observations(sadp.parse(data), source)


def identify(data: bytes) -> list[Observation]:
    return decode(pasted_xml(data), "identify:sadp")


def respond(device: LabDevice, data: bytes) -> bytes | None:
    root, _ = parse_xml(data[:8192])
    if root is None or local(root.tag) != "Probe":
        return None
    fields = {name: (e.text or "").strip() for e in root if (name := local(e.tag))}
    if fields.get("Types") != "inquiry":
        return None
    spec = {**_DEFAULTS, **device.spec(), "Uuid": fields.get("Uuid", "")[:64]}
    names = list(_ORDER) + [n for n in spec if n not in _ORDER]
    lines = [f"    <{n}>{escape(device.render(spec[n]))}</{n}>" for n in names
             if device.render(spec.get(n, ""))]
    return ('<?xml version="1.0" encoding="UTF-8" ?>\n<ProbeMatch>\n' + "\n".join(lines)
            + "\n</ProbeMatch>\n").encode("utf-8")


PROTOCOL = Protocol("sadp", sadp.PORT, sadp.GROUP, False, sadp.PORT,
                    lambda: [sadp.build_probe(str(uuid.uuid4()))], decode, respond,
                    identify=identify, kind="sadp")
