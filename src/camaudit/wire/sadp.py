"""Hikvision SADP (UDP 37020): the inquiry probe and the XML ProbeMatch reply.

Some firmware sends malformed XML (split lines, unescaped values) and published captures are
often truncated, so when the XML parser fails on syntax the reply is read element by element
(``<Name>value</Name>``) instead. Forbidden constructs (entities, DTDs) are never re-read.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from xml.sax.saxutils import unescape

from camaudit.model import Observation
from camaudit.wire.mac import normalize_mac
from camaudit.wire.xmldoc import MAX_XML, child_texts, local, parse_xml

PORT = 37020
GROUP = "239.255.255.250"

_UUID = re.compile(r"^[0-9A-Fa-f-]{1,64}$")
_ELEMENT = re.compile(r"<([A-Za-z][A-Za-z0-9_]{0,63})>([^<]{0,1024})</\1\s*>")
_IDENTITY = ("DeviceDescription", "DeviceSN", "MAC", "SoftwareVersion", "DeviceType")
_NOT_SET = ("", "n/a", "na", "none", "null")


@dataclass(frozen=True, slots=True)
class SadpReply:
    fields: tuple[tuple[str, str], ...]  # (element name, text), in document order
    valid: bool
    problem: str = ""
    lenient: bool = False  # read by the line-based fallback, not the XML parser

    def get(self, name: str) -> str | None:
        return next((v for k, v in self.fields if k == name), None)


def build_probe(uuid: str) -> bytes:
    """The inquiry every SADP client sends; ``uuid`` is echoed back in replies."""
    if not _UUID.match(uuid):
        raise ValueError(f"not a UUID: {uuid!r}")
    return ('<?xml version="1.0" encoding="utf-8"?><Probe><Uuid>' + uuid.upper()
            + "</Uuid><Types>inquiry</Types></Probe>").encode("ascii")


def _lenient(data: bytes) -> SadpReply:
    text = data[:MAX_XML].decode("utf-8", "replace")
    if re.search(r"<ProbeMatch[\s>]", text) is None:
        return SadpReply((), False, "not a SADP ProbeMatch")
    fields = tuple((m.group(1), unescape(m.group(2)).strip()) for m in _ELEMENT.finditer(text))
    if not any(name in _IDENTITY for name, _ in fields):
        return SadpReply(fields[:256], False, "ProbeMatch without device fields", True)
    return SadpReply(fields[:256], True, "", True)


def parse(data: bytes) -> SadpReply:
    root, problem = parse_xml(data)
    if root is None:
        if problem.startswith("bad XML"):
            return _lenient(data)
        return SadpReply((), False, problem)
    if local(root.tag) != "ProbeMatch":
        return SadpReply((), False, f"root is {local(root.tag)[:40]!r}, not ProbeMatch")
    return SadpReply(child_texts(root)[:256], True)


def observations(reply: SadpReply, source: str) -> list[Observation]:
    if not reply.valid:
        return []
    obs = [Observation("sadp.present", "true", source)]
    for name, key in (("DeviceDescription", "sadp.model"), ("DeviceSN", "sadp.serial"),
                      ("SoftwareVersion", "sadp.firmware")):
        value = reply.get(name)
        if value:
            obs.append(Observation(key, value, source))
    mac = normalize_mac(reply.get("MAC") or "")
    if mac:
        obs.append(Observation("sadp.mac", mac, source))
    for name in ("OEMInfo", "DetailOEMCode"):
        value = reply.get(name)
        if value and value.lower() not in _NOT_SET:
            obs.append(Observation("sadp.oem", value, source))
    dtype = reply.get("DeviceType")
    if dtype and dtype.isdigit():
        obs.append(Observation("sadp.device_type", dtype, source))
    activated = reply.get("Activated")
    if activated:  # "false": factory default, never given a password (facts §1.3)
        obs.append(Observation("sadp.activated", activated, source))
    return obs
