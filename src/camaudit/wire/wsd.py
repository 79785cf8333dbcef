"""WS-Discovery replies (ProbeMatches, Hello, SOAP Fault) and ONVIF GetDeviceInformation.

Scopes are space-separated URIs, percent-decoded one by one (``name/HIKVISION%20DS-2CD...``).
Several ProbeMatch elements in one reply each contribute their scopes, types and addresses.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import unquote
from xml.etree.ElementTree import Element

from camaudit.model import Observation
from camaudit.wire.xmldoc import find_all, find_text, local, parse_xml, text_of

PORT = 3702
GROUP = "239.255.255.250"
MAX_SCOPES = 256
ONVIF_FIELDS = {
    "Manufacturer": "onvif.manufacturer", "Model": "onvif.model",
    "FirmwareVersion": "onvif.firmware", "SerialNumber": "onvif.serial",
    "HardwareId": "onvif.hardware",
}


@dataclass(frozen=True, slots=True)
class WsdMatch:
    """One ProbeMatch or Hello."""

    endpoint: str
    types: str
    scopes: tuple[str, ...]  # percent-decoded
    xaddrs: str


@dataclass(frozen=True, slots=True)
class WsdMessage:
    kind: str  # ProbeMatches | Hello | Fault | GetDeviceInformationResponse | ""
    matches: tuple[WsdMatch, ...]
    fault: str
    device_information: tuple[tuple[str, str], ...]
    valid: bool
    problem: str = ""


def parse_scopes(text: str) -> list[str]:
    """Split a Scopes value on whitespace and percent-decode each URI."""
    return [unquote(s, errors="replace") for s in text[:65536].split()[:MAX_SCOPES]]


def _match(elem: Element) -> WsdMatch:
    endpoint = ""
    for ref in find_all(elem, "EndpointReference")[:1]:
        endpoint = find_text(ref, "Address") or ""
    return WsdMatch(endpoint, find_text(elem, "Types") or "",
                    tuple(parse_scopes(find_text(elem, "Scopes") or "")),
                    find_text(elem, "XAddrs") or "")


def _fault(root: Element) -> str:
    fault = find_all(root, "Fault")[0]
    for name in ("Text", "faultstring", "Value", "faultcode"):
        text = find_text(fault, name)
        if text:
            return text[:1024]
    return text_of(fault)[:1024]


def parse(data: bytes) -> WsdMessage:
    root, problem = parse_xml(data)
    if root is None:
        return WsdMessage("", (), "", (), False, problem)
    matches = [m for tag in ("ProbeMatch", "Hello") for m in find_all(root, tag)][:64]
    if matches:
        kind = "Hello" if local(matches[0].tag) == "Hello" else "ProbeMatches"
        return WsdMessage(kind, tuple(_match(m) for m in matches), "", (), True)
    if find_all(root, "Fault"):
        return WsdMessage("Fault", (), _fault(root), (), True)
    info = find_all(root, "GetDeviceInformationResponse")
    if info:
        fields = tuple((name, text) for name in ONVIF_FIELDS
                       if (text := find_text(info[0], name)))
        return WsdMessage("GetDeviceInformationResponse", (), "", fields, True)
    return WsdMessage("", (), "", (), False, f"no ProbeMatch, Hello or Fault in "
                                              f"{local(root.tag)[:40]!r}")


def scope_observations(scopes: list[str], source: str) -> list[Observation]:
    return [Observation("wsd.scope", s, source) for s in scopes if s]


def observations(msg: WsdMessage, source: str) -> list[Observation]:
    if not msg.valid:
        return []
    obs: list[Observation] = []
    for m in msg.matches:
        obs.extend(scope_observations(list(m.scopes), source))
        for key, value in (("wsd.types", m.types), ("wsd.endpoint", m.endpoint),
                           ("wsd.xaddrs", m.xaddrs)):
            if value:
                obs.append(Observation(key, value, source))
    if msg.fault:
        obs.append(Observation("wsd.fault", msg.fault, source))
    obs.extend(Observation(ONVIF_FIELDS[name], value, source)
               for name, value in msg.device_information)
    return obs
