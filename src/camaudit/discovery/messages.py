"""Sans-I/O side of discovery: which probes go where, and what a reply means.

``PROTOCOLS`` is the registry of the vendors' discovery protocols (``camaudit.protocols``, one
module each: the port a probe goes to, the multicast group and/or broadcast it uses, the local
port replies arrive on, the probe bytes and the decoder); ``decode(proto, data, source)`` turns
one datagram into observations (never raising on hostile bytes). Also here: the two pre-auth
ONVIF SOAP requests and the neighbour table parser (``/proc/net/arp``).
"""

from __future__ import annotations

from camaudit.model import Observation
from camaudit.protocols import REGISTRY, Protocol, source_label
from camaudit.protocols.base import MAX_DATAGRAM
from camaudit.wire.mac import normalize_mac
from camaudit.wire.xmldoc import local, parse_xml

__all__ = ["ANNOUNCE", "BROADCAST", "MAX_DATAGRAM", "ONVIF_CALLS", "ONVIF_PATH", "PROTOCOLS",
           "Protocol", "build_onvif_request", "decode", "onvif_answered", "parse_arp",
           "source_label"]

BROADCAST = "255.255.255.255"

ONVIF_PATH = "/onvif/device_service"
ONVIF_CALLS = ("GetSystemDateAndTime", "GetServices")


def build_onvif_request(call: str, host: str, port: int = 80) -> bytes:
    """A pre-auth ONVIF device-service POST (read-only by the ONVIF core spec)."""
    if call not in ONVIF_CALLS:
        raise ValueError(f"not a pre-auth ONVIF call: {call!r}")
    inner = ("<tds:GetServices><tds:IncludeCapability>false</tds:IncludeCapability>"
             "</tds:GetServices>") if call == "GetServices" else f"<tds:{call}/>"
    body = ('<?xml version="1.0" encoding="UTF-8"?><s:Envelope '
            'xmlns:s="http://www.w3.org/2003/05/soap-envelope" '
            f'xmlns:tds="http://www.onvif.org/ver10/device/wsdl"><s:Body>{inner}</s:Body>'
            "</s:Envelope>").encode()
    authority = host if port == 80 else f"{host}:{port}"
    head = (f"POST {ONVIF_PATH} HTTP/1.1\r\nHost: {authority}\r\n"
            'Content-Type: application/soap+xml; charset=utf-8; action="http://www.onvif.org/'
            f'ver10/device/wsdl/{call}"\r\nContent-Length: {len(body)}\r\n'
            "Connection: close\r\nUser-Agent: camaudit/0.1\r\n\r\n")
    return head.encode("ascii") + body


def onvif_answered(body: bytes, call: str) -> bool:
    """True when ``body`` is the SOAP response to ``call`` (``<call>Response`` present)."""
    root, _ = parse_xml(body[:MAX_DATAGRAM * 4])
    return root is not None and any(local(e.tag) == f"{call}Response" for e in root.iter())


# The vendors' discovery protocols, declared in camaudit.protocols (one module each).
PROTOCOLS = REGISTRY

# Passive listening: announcements arrive on the well-known port's group.
ANNOUNCE: dict[str, tuple[int, str]] = {
    name: p.announces_on for name, p in REGISTRY.items() if p.announces_on is not None}


def decode(proto: str, data: bytes, source: str) -> list[Observation]:
    """Observations from one datagram of ``proto``; [] for anything that is not a reply."""
    p = REGISTRY.get(proto)
    return p.decode(data[:MAX_DATAGRAM], source) if p is not None else []


def parse_arp(text: str, iface: str | None = None) -> dict[str, str]:
    """``/proc/net/arp`` -> {ip: mac} of complete entries (flag 0x2), optionally on ``iface``."""
    out: dict[str, str] = {}
    for line in text.splitlines()[1:4097]:
        parts = line.split()
        if len(parts) < 6 or (iface is not None and parts[5] != iface):
            continue
        try:
            complete = int(parts[2], 16) & 0x2
        except ValueError:
            continue
        mac = normalize_mac(parts[3])
        if complete and mac and mac != "00:00:00:00:00:00":
            out[parts[0]] = mac
    return out
