"""Xiongmai DVRIP search: message 1530 to UDP 34569, broadcast; 1531 replies (facts §4.3)."""

from __future__ import annotations

import json
import socket
import struct

from camaudit.model import Observation
from camaudit.protocols.base import LabDevice, Protocol, int_or_text
from camaudit.wire import dvrip


def decode(data: bytes, source: str) -> list[Observation]:
    msg = dvrip.parse(data)
    if msg.message_id not in (0, dvrip.SEARCH_REPLY):
        return []
    return dvrip.observations(msg, source)


def identify(data: bytes) -> list[Observation]:
    """Any DVRIP message a user pastes (raw or its JSON), not only search replies."""
    return dvrip.observations(dvrip.parse(data), "identify:dvrip")


def respond(device: LabDevice, data: bytes) -> bytes | None:
    """``NetWork.NetCommon`` as python-dvr's SearchXM reads it (facts §4.3)."""
    if len(data) < dvrip.HEADER.size or data[0] != 0xFF:
        return None
    if dvrip.HEADER.unpack_from(data)[6] != dvrip.SEARCH:
        return None
    packed = socket.inet_aton(device.ip)
    common: dict[str, object] = {"HostIP": f"0x{struct.unpack('<I', packed)[0]:08X}",
                                 "MAC": device.mac, "TCPPort": dvrip.TCP_PORT, "HttpPort": 80}
    for name, template in device.spec().items():
        value = device.render(template)
        if value:
            common[name] = int_or_text(value)
    payload = json.dumps({"NetWork.NetCommon": common}).encode("utf-8") + b"\n"
    return dvrip.HEADER.pack(0xFF, 0, 0, 0, 0, 0, dvrip.SEARCH_REPLY, len(payload)) + payload


PROTOCOL = Protocol("dvrip", dvrip.DISCOVERY_PORT, None, True, dvrip.DISCOVERY_PORT,
                    lambda: [dvrip.build_search()], decode, respond, identify=identify,
                    kind="dvrip")
