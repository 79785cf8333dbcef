"""Dahua's legacy binary discovery (UDP 5050, broadcast), facts §2.2.

Request: 32 bytes, ``a3 01 00 01``, byte 0x10 = ``0x02``, rest zero (UniversalScanner
``Dahua1.cs``; python-dvr's ``SearchDahua`` sends ``a3 01 00 00`` with the same 0x10 byte).

Reply (``Dahua1Section1`` of ``Dahua1.cs``, offsets of python-dvr's ``SearchDahua``):

    0x00 u16le magic 0x00b3     0x02 u16le section 2 length   0x04 u32le packetType 0x58
    0x10 u32le protocolVersion 2                               0x14 u16le section 3 length
    0x28 16 bytes device type (NUL padded; python-dvr calls it HostName)
    0x38 IPv4 address, 0x3c mask, 0x40 gateway, 0x44 DNS: each read as a u32le by both tools
         and printed back from the same bytes, so the four octets are in wire order
    0x62 u16le TCP service port (python-dvr ``TCPPort``)
    0x78 section 2: the MAC as 17 characters, then the model
    then section 3: text lines ``Name:...\\r\\nDevice:...\\r\\nIPv6Addr:...\\r\\nSerialNo:...``

Parsing is lenient and bounded: a reply whose section lengths run past the datagram keeps what
is there (marked in ``problem``); both lengths zero means python-dvr's reading (MAC then model
to the end). ``parse`` never raises.
"""

from __future__ import annotations

import socket
import struct
from dataclasses import dataclass

from camaudit.model import Observation
from camaudit.wire.mac import normalize_mac

PORT = 5050
REQUEST_MAGIC = 0xA3
REPLY_MAGIC = 0xB3
PACKET_TYPE = 0x58
PROTOCOL_VERSION = 2
SECTION1 = 0x78
MAC_CHARS = 17
MAX_DATAGRAM = 65535
MAX_TEXT = 128
MAX_LINES = 64
SEARCH = bytes([0xA3, 0x01, 0x00, 0x01] + [0] * 12 + [0x02] + [0] * 15)

_HEAD = struct.Struct("<HHI8xIH")  # magic, section 2 len, packetType, version, section 3 len
_TYPE_AT, _ADDR_AT, _TCP_PORT_AT = 0x28, 0x38, 0x62


@dataclass(frozen=True, slots=True)
class LegacyReply:
    """One legacy discovery reply; texts are decoded, NUL-stripped and bounded."""

    device_type: str
    ip: str
    netmask: str
    gateway: str
    dns: str
    tcp_port: int
    mac: str  # normalised, "" when section 2 does not start with a MAC
    model: str
    info: tuple[tuple[str, str], ...]  # section 3 "Key:value" lines
    protocol_version: int
    valid: bool
    problem: str = ""

    def get(self, name: str) -> str | None:
        return next((v for k, v in self.info if k == name), None)


def build_search() -> bytes:
    """The 32-byte search request of UniversalScanner (``a3 01 00 01``, 0x10 = 0x02)."""
    return SEARCH


def is_search(data: bytes) -> bool:
    """True for a search request (either tool's variant): what a responder answers."""
    return len(data) >= 0x11 and data[0] == REQUEST_MAGIC and data[1] == 0x01 \
        and data[0x10] == 0x02


def _text(raw: bytes) -> str:
    text = raw.split(b"\x00", 1)[0].decode("utf-8", "replace")
    return "".join(c for c in text if c.isprintable()).strip()[:MAX_TEXT]


def _addr(data: bytes, at: int) -> str:
    return socket.inet_ntoa(data[at: at + 4])


def _invalid(problem: str) -> LegacyReply:
    return LegacyReply("", "", "", "", "", 0, "", "", (), 0, False, problem)


def _section3(raw: bytes) -> tuple[tuple[str, str], ...]:
    out: list[tuple[str, str]] = []
    text = raw.decode("utf-8", "replace").replace("\r\n", "\n")
    for line in text.split("\n", MAX_LINES)[:MAX_LINES]:
        name, sep, value = line.partition(":")
        name, value = _text(name.encode())[:32], _text(value.encode())
        if sep and name and value:
            out.append((name, value))
    return tuple(out)


def parse(data: bytes) -> LegacyReply:
    """Parse one datagram; ``valid`` False for anything that is not a legacy reply."""
    data = data[:MAX_DATAGRAM]
    if len(data) < SECTION1:
        return _invalid(f"shorter than the {SECTION1}-byte section 1")
    magic, len2, ptype, version, len3 = _HEAD.unpack_from(data)
    if magic != REPLY_MAGIC:
        return _invalid("not a reply (magic is not 0xb3)")
    if ptype != PACKET_TYPE:
        return _invalid(f"packetType 0x{ptype:x}, not 0x58")
    problems = []
    if version != PROTOCOL_VERSION:
        problems.append(f"protocolVersion {version}")
    rest = data[SECTION1:]
    if len2 == 0 and len3 == 0:
        sec2, sec3 = rest, b""  # python-dvr's reading: MAC then model to the end
    else:
        sec2, sec3 = rest[:len2], rest[len2: len2 + len3]
        if len2 + len3 > len(rest):
            problems.append(f"sections run {len2 + len3 - len(rest)} bytes past the datagram")
    mac = normalize_mac(_text(sec2[:MAC_CHARS])) or ""
    model = _text(sec2[MAC_CHARS:]) if mac else ""
    if not mac and sec2:
        problems.append("section 2 does not start with a MAC")
    (tcp_port,) = struct.unpack_from("<H", data, _TCP_PORT_AT)
    return LegacyReply(_text(data[_TYPE_AT: _TYPE_AT + 16]), _addr(data, _ADDR_AT),
                       _addr(data, _ADDR_AT + 4), _addr(data, _ADDR_AT + 8),
                       _addr(data, _ADDR_AT + 12), tcp_port, mac, model, _section3(sec3),
                       version, True, "; ".join(problems))


def build_reply(*, mac: str, model: str = "", device_type: str = "", ip: str = "0.0.0.0",
                netmask: str = "255.255.255.0", gateway: str = "0.0.0.0", dns: str = "0.0.0.0",
                tcp_port: int = 37777, info: tuple[tuple[str, str], ...] = ()) -> bytes:
    """A reply in the documented layout (the namespace lab's responders send it)."""
    sec2 = mac.encode("ascii")[:MAC_CHARS].ljust(MAC_CHARS, b"\x00") + model.encode("utf-8")
    sec3 = "".join(f"{k}:{v}\r\n" for k, v in info).encode("utf-8")
    if len(sec2) > 0xFFFF or len(sec3) > 0xFFFF:
        raise ValueError("section longer than 65535 bytes")
    head = bytearray(SECTION1)
    _HEAD.pack_into(head, 0, REPLY_MAGIC, len(sec2), PACKET_TYPE, PROTOCOL_VERSION, len(sec3))
    head[_TYPE_AT: _TYPE_AT + 16] = device_type.encode("utf-8")[:16].ljust(16, b"\x00")
    head[_ADDR_AT: _ADDR_AT + 16] = b"".join(socket.inet_aton(a)
                                             for a in (ip, netmask, gateway, dns))
    struct.pack_into("<H", head, _TCP_PORT_AT, tcp_port & 0xFFFF)
    return bytes(head) + sec2 + sec3


def observations(reply: LegacyReply, source: str) -> list[Observation]:
    if not reply.valid:
        return []
    obs = [Observation("dhlegacy.present", "true", source)]
    serial = reply.get("SerialNo")
    for key, value in (("dhlegacy.model", reply.model), ("dhlegacy.serial", serial),
                       ("dhlegacy.mac", reply.mac),
                       ("dhlegacy.device_type", reply.device_type)):
        if value:
            obs.append(Observation(key, value, source))
    return obs
