"""Dahua DHIP (``DHDiscover.search``): JSON over UDP 37810, multicast and broadcast (facts §2.1)."""

from __future__ import annotations

import json

from camaudit.model import Observation
from camaudit.protocols.base import LabDevice, Protocol, int_or_text
from camaudit.wire import bodyfmt, dhip

_DEFAULTS = {"DeviceType": "{model}", "SerialNo": "{serial}", "MachineName": "{serial}",
             "HttpPort": "80", "Port": "37777"}


def decode(data: bytes, source: str) -> list[Observation]:
    return dhip.observations(dhip.parse(data), source)


def identify(data: bytes) -> list[Observation]:
    """A DHIP discovery reply, or any other JSON message of Dahua's DHIP/RPC2 protocol (login
    challenge, event stream) as its ``json.*`` fields."""
    obs = decode(data, "identify:dhip")
    if obs:
        return obs
    text = data[:65536].decode("utf-8", "replace")
    start = text.find("{")
    return bodyfmt.json_observations(text[start:], "identify:dhip") if start >= 0 else []


def respond(device: LabDevice, data: bytes) -> bytes | None:
    """``client.notifyDevInfo`` in the layout of the AMP-Research reply (facts §2.1)."""
    if dhip.parse(data).method != "DHDiscover.search":
        return None
    info: dict[str, object] = {}
    for name, template in sorted({**_DEFAULTS, **device.spec()}.items()):
        value = device.render(template)
        if value:
            info[name] = int_or_text(value)
    info["IPv4Address"] = {"DefaultGateway": "", "DhcpEnable": False,
                           "IPAddress": device.ip, "SubnetMask": "255.255.255.0"}
    body = {"mac": device.mac, "method": "client.notifyDevInfo",
            "params": {"deviceInfo": info}}
    return dhip.frame(json.dumps(body).encode("utf-8") + b"\n")


PROTOCOL = Protocol("dhip", dhip.PORT, dhip.GROUP, True, dhip.PORT,
                    lambda: [dhip.build_search()], decode, respond, identify=identify,
                    kind="dhip")
