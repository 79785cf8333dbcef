"""ONVIF WS-Discovery: SOAP over UDP 3702, multicast 239.255.255.250 (facts §3).

Three probes go out (typed NetworkVideoTransmitter, typed Device, untyped): some cameras answer
only a typed probe, newer ones only ``tds:Device`` (facts §3.1). The lab answers with the
ProbeMatch of cogini/onvif's test data (§3.2) and may announce itself with a Hello.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from xml.sax.saxutils import escape

from camaudit.model import Observation
from camaudit.protocols.base import MAX_DATAGRAM, LabDevice, Protocol
from camaudit.wire import wsd
from camaudit.wire.xmldoc import MAX_XML, find_all, find_text, parse_xml, pasted_xml

WSD_NS = ('xmlns:s="http://www.w3.org/2003/05/soap-envelope" '
          'xmlns:a="http://schemas.xmlsoap.org/ws/2004/08/addressing" '
          'xmlns:d="http://schemas.xmlsoap.org/ws/2005/04/discovery" '
          'xmlns:dn="http://www.onvif.org/ver10/network/wsdl" '
          'xmlns:tds="http://www.onvif.org/ver10/device/wsdl"')
WSD_TO = "urn:schemas-xmlsoap-org:ws:2005:04:discovery"
WSD_ACTION = "http://schemas.xmlsoap.org/ws/2005/04/discovery/"
WSD_TYPES = ("dn:NetworkVideoTransmitter", "tds:Device", "")
_DEFAULT_TYPES = "dn:NetworkVideoTransmitter tds:Device"
_ENVELOPE = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<s:Envelope '
             'xmlns:s="http://www.w3.org/2003/05/soap-envelope" '
             'xmlns:dn="http://www.onvif.org/ver10/network/wsdl" '
             'xmlns:tds="http://www.onvif.org/ver10/device/wsdl" '
             'xmlns:d="http://schemas.xmlsoap.org/ws/2005/04/discovery" '
             'xmlns:a="http://schemas.xmlsoap.org/ws/2004/08/addressing">\n  <s:Header>\n'
             "    <a:MessageID>uuid:{mid}</a:MessageID>\n"
             "    <a:To>urn:schemas-xmlsoap-org:ws:2005:04:discovery</a:To>\n"
             "    <a:Action>http://schemas.xmlsoap.org/ws/2005/04/discovery/{action}"
             "</a:Action>\n{relates}  </s:Header>\n  <s:Body>\n{body}  </s:Body>\n"
             "</s:Envelope>\n")


def build_probe(types: str = "", message_id: str | None = None) -> bytes:
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
class Probe:
    """A Probe as a responder reads it."""

    message_id: str
    types: str
    valid: bool


def parse_probe(data: bytes) -> Probe:
    root, _ = parse_xml(data[:MAX_DATAGRAM])
    if root is None or not find_all(root, "Probe"):
        return Probe("", "", False)
    return Probe((find_text(root, "MessageID") or "")[:200],
                 (find_text(root, "Types") or "")[:400], True)


def decode(data: bytes, source: str) -> list[Observation]:
    return wsd.observations(wsd.parse(data), source)


# A pasted fragment (the Body of a ProbeMatch without its Envelope, prefixes unbound) is not
# XML a parser accepts; its elements are still read, bounded.
_FRAGMENT = re.compile(rb"<(?:[\w.-]{1,40}:)?(Scopes|Types|XAddrs|Address)(?:\s[^<>]{0,200})?>"
                       rb"([^<]{1,65536})</", re.IGNORECASE)
_FRAGMENT_KEYS = {"types": "wsd.types", "xaddrs": "wsd.xaddrs", "address": "wsd.endpoint"}


def identify(data: bytes) -> list[Observation]:
    """A WS-Discovery message, or a fragment of one whose namespace prefixes are not bound."""
    obs = decode(pasted_xml(data), "identify:wsd")
    if obs:
        return obs
    out: list[Observation] = []
    for raw_name, raw_value in _FRAGMENT.findall(data[:MAX_XML])[:64]:
        name = raw_name.decode("ascii").lower()
        value = raw_value.decode("utf-8", "replace").strip()
        if name == "scopes":
            out.extend(wsd.scope_observations(wsd.parse_scopes(value), "identify:wsd"))
        elif value:
            out.append(Observation(_FRAGMENT_KEYS[name], value[:1024], "identify:wsd"))
    return out


def endpoint(device: LabDevice) -> str:
    """Hikvision-style time-based UUID whose node is the MAC (facts §3.2) or a random one
    derived from the MAC (Dahua's are v4)."""
    mac = int(device.mac.replace(":", ""), 16)
    if device.field("endpoint") == "mac":
        return f"urn:uuid:{uuid.UUID(fields=(0xAA85C000, 0x6324, 0x11B3, 0x81, 0x9E, mac))}"
    return f"uuid:{uuid.UUID(int=(mac << 64) | 0x4000_8000_0000_0000, version=4)}"


def _body(device: LabDevice, element: str) -> str:
    scopes = " ".join(s.replace(" ", "%20") for s in
                      device.render(device.spec().get("scopes", "")).split("\n") if s)
    inner = (f"      <a:EndpointReference>\n        <a:Address>{escape(endpoint(device))}"
             f"</a:Address>\n      </a:EndpointReference>\n"
             f"      <d:Types>{escape(device.field('types', _DEFAULT_TYPES))}</d:Types>\n"
             f"      <d:Scopes>{escape(scopes)}</d:Scopes>\n"
             f"      <d:XAddrs>{escape(device.field('xaddrs', 'http://{ip}/onvif/device_service'))}"
             "</d:XAddrs>\n"
             f"      <d:MetadataVersion>{escape(device.field('metadata', '1'))}"
             "</d:MetadataVersion>\n")
    if element == "ProbeMatch":
        return f"    <d:ProbeMatches>\n      <d:ProbeMatch>\n{inner}      </d:ProbeMatch>\n" \
               "    </d:ProbeMatches>\n"
    return f"    <d:Hello>\n{inner}    </d:Hello>\n"


def respond(device: LabDevice, data: bytes) -> bytes | None:
    probe = parse_probe(data)
    if not probe.valid:
        return None
    mine = {t.rsplit(":", 1)[-1] for t in device.field("types", _DEFAULT_TYPES).split()}
    wanted = {t.rsplit(":", 1)[-1] for t in probe.types.split()}
    if wanted and not wanted & mine:
        return None
    relates = f"    <a:RelatesTo>{escape(probe.message_id)}</a:RelatesTo>\n"
    return _ENVELOPE.format(mid=uuid.uuid4(), action="ProbeMatches", relates=relates,
                            body=_body(device, "ProbeMatch")).encode("utf-8")


def announce(device: LabDevice) -> bytes | None:
    """A Hello when the profile says ``hello: "true"``."""
    if device.field("hello") != "true":
        return None
    return _ENVELOPE.format(mid=uuid.uuid4(), action="Hello", relates="",
                            body=_body(device, "Hello")).encode("utf-8")


PROTOCOL = Protocol("wsd", wsd.PORT, wsd.GROUP, False, 0,
                    lambda: [build_probe(t) for t in WSD_TYPES], decode, respond,
                    identify=identify, kind="wsd", announce=announce,
                    announces_on=(wsd.PORT, wsd.GROUP))
