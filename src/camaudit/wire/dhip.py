"""Dahua DHIP discovery (UDP 37810): ``DHDiscover.search`` and ``client.notifyDevInfo`` replies.

Frame: 32-byte header (``uint32le 0x20``, ``DHIP``, session, request id, ``uint32le`` payload
length at 0x10 and again at 0x18) then JSON. The bare JSON (as users paste it) is accepted too.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from typing import Any

from camaudit.model import Observation
from camaudit.wire.jsonmsg import MAX_JSON, load_object, scalar
from camaudit.wire.mac import normalize_mac

PORT = 37810
GROUP = "239.255.255.251"
MAGIC = b"DHIP"
HEADER = struct.Struct("<I4sIIIIII")
SEARCH_BODY = b'{"method":"DHDiscover.search","params":{"mac":"","uni":1}}\n'

# deviceInfo member -> observation key. ``Init`` (newer firmware, facts §2.1) is passed on as
# sent: no public source found says which value means "not initialised" (docs/exposure.md).
FIELDS = {
    "DeviceType": "dhip.model", "DeviceClass": "dhip.class", "SerialNo": "dhip.serial",
    "Version": "dhip.firmware", "Vendor": "dhip.vendor", "Manufacturer": "dhip.manufacturer",
    "Init": "dhip.init",
}


@dataclass(frozen=True, slots=True)
class DhipReply:
    method: str
    mac: str
    device_info: tuple[tuple[str, str], ...]  # scalar deviceInfo members as text
    valid: bool
    problem: str = ""
    framed: bool = False  # arrived with the 32-byte DHIP header

    def get(self, name: str) -> str | None:
        return next((v for k, v in self.device_info if k == name), None)


def frame(payload: bytes, session: int = 0, request_id: int = 0) -> bytes:
    n = len(payload)
    return HEADER.pack(HEADER.size, MAGIC, session, request_id, n, 0, n, 0) + payload


def build_search() -> bytes:
    """A framed ``DHDiscover.search`` request ("uni":1 asks for a unicast reply)."""
    return frame(SEARCH_BODY)


def _payload(data: bytes) -> tuple[bytes, bool, str]:
    if len(data) >= HEADER.size and data[4:8] == MAGIC:
        size, _, _, _, length, _, length2, _ = HEADER.unpack_from(data)
        if size < HEADER.size or size > 1024:
            return b"", True, "bad DHIP header size"
        if length > MAX_JSON:
            return b"", True, "DHIP payload larger than 64 KiB"
        return data[size: size + max(length, length2)], True, ""
    return data, False, ""


def parse(data: bytes) -> DhipReply:
    payload, framed, problem = _payload(data[: MAX_JSON + 1024])
    if problem:
        return DhipReply("", "", (), False, problem, framed)
    obj, problem = load_object(payload)
    if obj is None:
        return DhipReply("", "", (), False, problem, framed)
    method = scalar(obj.get("method")) or ""
    params = obj.get("params")
    info: Any = params.get("deviceInfo") if isinstance(params, dict) else None
    if not isinstance(info, dict):
        reason = "a search request, not a reply" if method == "DHDiscover.search" \
            else "no params.deviceInfo"
        return DhipReply(method, "", (), False, reason, framed)
    fields = []
    for key, raw in list(info.items())[:256]:
        value = str(raw).lower() if isinstance(raw, bool) else scalar(raw)
        if value is not None:
            fields.append((str(key)[:64], value))
    mac = scalar(obj.get("mac")) or ""
    return DhipReply(method, mac, tuple(fields), True, "", framed)


def observations(reply: DhipReply, source: str) -> list[Observation]:
    if not reply.valid:
        return []
    obs = [Observation("dhip.present", "true", source)]
    for name, key in FIELDS.items():
        value = reply.get(name)
        if value:
            obs.append(Observation(key, value, source))
    if reply.mac:
        obs.append(Observation("dhip.mac", normalize_mac(reply.mac) or reply.mac, source))
    return obs
