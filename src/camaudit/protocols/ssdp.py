"""SSDP (UPnP discovery): M-SEARCH to UDP 1900, multicast 239.255.255.250; NOTIFY announcements."""

from __future__ import annotations

import uuid

from camaudit.model import Observation
from camaudit.protocols.base import LabDevice, Protocol
from camaudit.wire import ssdp
from camaudit.wire.http import crlf_head


def decode(data: bytes, source: str) -> list[Observation]:
    return ssdp.observations(ssdp.parse(data), source)


def identify(data: bytes) -> list[Observation]:
    """A pasted reply or NOTIFY (LF line ends accepted)."""
    return decode(crlf_head(data), "identify:ssdp")


def _lines(device: LabDevice) -> list[str]:
    usn = f"uuid:{uuid.UUID(int=int(device.mac.replace(':', ''), 16))}"
    return ["CACHE-CONTROL: max-age=1800",
            f"LOCATION: {device.field('location', 'http://{ip}/rootdesc.xml')}",
            f"SERVER: {device.field('server')}",
            f"USN: {usn}::upnp:rootdevice"]


def respond(device: LabDevice, data: bytes) -> bytes | None:
    if ssdp.parse(data[:ssdp.LIMIT]).kind != "search":
        return None
    lines = ["HTTP/1.1 200 OK", *_lines(device), "ST: upnp:rootdevice", "EXT:"]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("utf-8")


def announce(device: LabDevice) -> bytes | None:
    """A NOTIFY ssdp:alive when the profile says ``notify: "true"``."""
    if device.field("notify") != "true":
        return None
    lines = ["NOTIFY * HTTP/1.1", f"HOST: {ssdp.GROUP}:{ssdp.PORT}", *_lines(device),
             "NT: upnp:rootdevice", "NTS: ssdp:alive"]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("utf-8")


PROTOCOL = Protocol("ssdp", ssdp.PORT, ssdp.GROUP, False, 0,
                    lambda: [ssdp.build_msearch("ssdp:all", 1)], decode, respond,
                    identify=identify, kind="ssdp", unicast=False, announce=announce,
                    announces_on=(ssdp.PORT, ssdp.GROUP))
