"""Sans-I/O side of discovery: which probes go where, and what a reply means.

``PROTOCOLS`` lists the vendors' discovery protocols (facts §1-3, §4.3, §7; Dahua's legacy
UDP 5050 search of §2.2 is "dhlegacy"): the port a probe goes to, the multicast group and/or
broadcast it uses, the local port replies arrive on, and the probe bytes.
``decode(proto, data, source)`` turns one datagram into observations with the codecs of
``camaudit.wire`` (never raising on hostile bytes). Also here: WS-Discovery probes
(typed NetworkVideoTransmitter, typed Device, untyped), the two pre-auth ONVIF SOAP requests,
and the neighbour table parser (``/proc/net/arp``).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass

from camaudit.model import Observation
from camaudit.wire import dahua_legacy, dhip, dvrip, sadp, ssdp, wsd
from camaudit.wire.mac import normalize_mac
from camaudit.wire.xmldoc import find_all, find_text, local, parse_xml

MAX_DATAGRAM = 65535
BROADCAST = "255.255.255.255"

WSD_NS = ('xmlns:s="http://www.w3.org/2003/05/soap-envelope" '
          'xmlns:a="http://schemas.xmlsoap.org/ws/2004/08/addressing" '
          'xmlns:d="http://schemas.xmlsoap.org/ws/2005/04/discovery" '
          'xmlns:dn="http://www.onvif.org/ver10/network/wsdl" '
          'xmlns:tds="http://www.onvif.org/ver10/device/wsdl"')
WSD_TO = "urn:schemas-xmlsoap-org:ws:2005:04:discovery"
WSD_ACTION = "http://schemas.xmlsoap.org/ws/2005/04/discovery/"
# Some cameras answer only a typed probe, newer ones only tds:Device (facts §3.1): send all three.
WSD_TYPES = ("dn:NetworkVideoTransmitter", "tds:Device", "")

ONVIF_PATH = "/onvif/device_service"
ONVIF_CALLS = ("GetSystemDateAndTime", "GetServices")


def build_wsd_probe(types: str = "", message_id: str | None = None) -> bytes:
    """A WS-Discovery 2005/04 Probe; ``types`` "" gives the untyped probe."""
    if any(c in types for c in "<>&\"'"):
        raise ValueError(f"invalid probe types: {types!r}")
    mid = message_id or f"uuid:{uuid.uuid4()}"
    body = f"<d:Probe><d:Types>{types}</d:Types></d:Probe>" if types else "<d:Probe/>"
    return (f'<?xml version="1.0" encoding="UTF-8"?><s:Envelope {WSD_NS}><s:Header>'
            f"<a:MessageID>{mid}</a:MessageID><a:To>{WSD_TO}</a:To>"
            f"<a:Action>{WSD_ACTION}Probe</a:Action></s:Header><s:Body>{body}</s:Body>"
            "</s:Envelope>").encode()


@dataclass(frozen=True, slots=True)
class WsdProbe:
    """A Probe as a responder reads it."""

    message_id: str
    types: str
    valid: bool


def parse_wsd_probe(data: bytes) -> WsdProbe:
    root, _ = parse_xml(data[:MAX_DATAGRAM])
    if root is None or not find_all(root, "Probe"):
        return WsdProbe("", "", False)
    return WsdProbe((find_text(root, "MessageID") or "")[:200],
                    (find_text(root, "Types") or "")[:400], True)


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


@dataclass(frozen=True, slots=True)
class Protocol:
    """One discovery protocol: where its probe goes and where replies come back."""

    name: str
    port: int  # the device's port
    group: str | None  # multicast group the probe goes to
    broadcast: bool  # also sent to the interface's broadcast addresses
    listen_port: int  # local port (0: any); some devices answer to the well-known port
    probes: Callable[[], list[bytes]]
    unicast: bool = True  # worth sending to a routed target's address


def _wsd_probes() -> list[bytes]:
    return [build_wsd_probe(t) for t in WSD_TYPES]


PROTOCOLS: dict[str, Protocol] = {
    "sadp": Protocol("sadp", sadp.PORT, sadp.GROUP, False, sadp.PORT,
                     lambda: [sadp.build_probe(str(uuid.uuid4()))]),
    "dhip": Protocol("dhip", dhip.PORT, dhip.GROUP, True, dhip.PORT,
                     lambda: [dhip.build_search()]),
    # Dahua legacy binary discovery: broadcast only (facts §2.2 documents no unicast use).
    "dhlegacy": Protocol("dhlegacy", dahua_legacy.PORT, None, True, dahua_legacy.PORT,
                         lambda: [dahua_legacy.build_search()], unicast=False),
    "dvrip": Protocol("dvrip", dvrip.DISCOVERY_PORT, None, True, dvrip.DISCOVERY_PORT,
                      lambda: [dvrip.build_search()]),
    "wsd": Protocol("wsd", wsd.PORT, wsd.GROUP, False, 0, _wsd_probes),
    "ssdp": Protocol("ssdp", ssdp.PORT, ssdp.GROUP, False, 0,
                     lambda: [ssdp.build_msearch("ssdp:all", 1)], unicast=False),
}

# Passive listening: announcements arrive on the well-known port's group.
ANNOUNCE: dict[str, tuple[int, str]] = {"wsd": (wsd.PORT, wsd.GROUP),
                                        "ssdp": (ssdp.PORT, ssdp.GROUP)}


def source_label(proto: str, port: int, passive: bool = False) -> str:
    return f"udp/{port} {proto}{' announcement' if passive else ''}"


def decode(proto: str, data: bytes, source: str) -> list[Observation]:
    """Observations from one datagram of ``proto``; [] for anything that is not a reply."""
    data = data[:MAX_DATAGRAM]
    if proto == "sadp":
        return sadp.observations(sadp.parse(data), source)
    if proto == "dhip":
        return dhip.observations(dhip.parse(data), source)
    if proto == "dhlegacy":
        return dahua_legacy.observations(dahua_legacy.parse(data), source)
    if proto == "dvrip":
        msg = dvrip.parse(data)
        if msg.message_id not in (0, dvrip.SEARCH_REPLY):
            return []
        return dvrip.observations(msg, source)
    if proto == "wsd":
        return wsd.observations(wsd.parse(data), source)
    if proto == "ssdp":
        return ssdp.observations(ssdp.parse(data), source)
    return []


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
