"""Xiongmai DVRIP / NetSurveillance ("Sofia"): 20-byte header then JSON.

Header ``<BBHIIHHI``: 0xFF, version, reserved, session, sequence, reserved, message id,
payload length. Discovery (UDP 34569) sends message 1530 with no payload; devices answer 1531
with ``NetWork.NetCommon``. SystemInfo (1020) carries HardWare/SoftWareVersion/SerialNo.
"""

from __future__ import annotations

import re
import struct
from dataclasses import dataclass
from typing import Any

from camaudit.model import Observation
from camaudit.wire.jsonmsg import MAX_JSON, load_object, scalar
from camaudit.wire.mac import normalize_mac

TCP_PORT = 34567
DISCOVERY_PORT = 34569
SEARCH = 1530
SEARCH_REPLY = 1531
SYSTEM_INFO = 1020
HEADER = struct.Struct("<BBHIIHHI")
_KNOWN = ("NetWork.NetCommon", "SystemInfo")
# members of the SystemInfo and General.General sections, for a section pasted without its
# message around it (three of one set make it a DVRIP section)
_SECTION_MEMBERS = (
    frozenset({"HardWare", "SoftWareVersion", "SerialNo", "BuildTime", "DeviceRunTime",
               "EncryptVersion", "AlarmInChannel", "HardWareVersion", "ExtraChannel",
               "CombineSwitch"}),
    frozenset({"AutoLogout", "FontSize", "IranCalendarEnable", "LocalNo", "MachineName",
               "OverWrite", "ScreenAutoShutdown", "ScreenSaveTime", "VideoOutPut"}),
)
# a reply cut short (a truncated paste) still shows the protocol's Ret and SessionID members
_RET = re.compile(r'"Ret"\s*:\s*(\d{1,6})\b')
_SESSION_MEMBER = re.compile(r'"SessionID"\s*:\s*"(0x[0-9A-Fa-f]{1,8})"')
_STRING_MEMBER = re.compile(r'"(\w{1,40})"\s*:\s*"([^"\\]{0,200})"')
_SESSION = re.compile(r"^0x[0-9A-Fa-f]{1,8}$")
_FIELDS = {
    "dvrip.model": ("HardWare", "HostName"),
    "dvrip.serial": ("SerialNo", "SN"),
    "dvrip.firmware": ("SoftWareVersion",),
    "dvrip.mac": ("MAC",),
}


@dataclass(frozen=True, slots=True)
class DvripMessage:
    message_id: int  # 0 when the JSON came without a header
    session: int
    fields: tuple[tuple[str, str], ...]  # scalar members of the object and its sections
    valid: bool
    problem: str = ""

    def get(self, name: str) -> str | None:
        return next((v for k, v in self.fields if k == name), None)


def build_search() -> bytes:
    """The 20-byte discovery request (message 1530, empty payload)."""
    return HEADER.pack(0xFF, 0, 0, 0, 0, 0, SEARCH, 0)


def _flatten(obj: dict[str, Any]) -> tuple[tuple[str, str], ...]:
    out: list[tuple[str, str]] = []
    sections = [obj] + [v for v in list(obj.values())[:64] if isinstance(v, dict)]
    for section in sections:
        for key, raw in list(section.items())[:256]:
            value = scalar(raw)
            if value is not None:
                out.append((str(key)[:64], value))
    return tuple(out)


def parse(data: bytes) -> DvripMessage:
    data = data[: MAX_JSON + HEADER.size]
    if data[:1] == b"\xff":
        if len(data) < HEADER.size:
            return DvripMessage(0, 0, (), False, "truncated DVRIP header")
        _, _, _, session, _, _, msg_id, length = HEADER.unpack_from(data)
        if length == 0:
            reason = "a search request, not a reply" if msg_id == SEARCH else "empty payload"
            return DvripMessage(msg_id, session, (), False, reason)
        obj, problem = load_object(data[HEADER.size: HEADER.size + length])
        if obj is None:
            return DvripMessage(msg_id, session, (), False, problem)
        return DvripMessage(msg_id, session, _flatten(obj), True)
    obj, problem = load_object(data)
    if obj is None:
        return _cut_short(data) or DvripMessage(0, 0, (), False, problem)
    if not (any(k in obj for k in _KNOWN) or _is_reply(obj)
            or any(len(members.intersection(obj)) >= 3 for members in _SECTION_MEMBERS)):
        return DvripMessage(0, 0, (), False, "JSON without NetWork.NetCommon or SystemInfo, "
                                             "nor a DVRIP Ret and SessionID")
    return DvripMessage(0, 0, _flatten(obj), True)


def _cut_short(data: bytes) -> DvripMessage | None:
    """A DVRIP reply whose JSON is cut short: its Ret and hexadecimal SessionID members, and the
    complete string members before the cut."""
    text = data[:MAX_JSON].decode("utf-8", "replace")
    if _RET.search(text) is None or _SESSION_MEMBER.search(text) is None:
        return None
    fields = tuple((k, v.strip()) for k, v in _STRING_MEMBER.findall(text)[:256] if v.strip())
    return DvripMessage(0, 0, fields, True, "read leniently: JSON cut short")


def _is_reply(obj: dict[str, Any]) -> bool:
    """Any DVRIP reply (login, SystemInfo, KeepAlive, config ...): an integer ``Ret`` code and
    the session as a hexadecimal string (``"SessionID" : "0x0000000F"``), the protocol's form."""
    ret, session = obj.get("Ret"), obj.get("SessionID")
    return (isinstance(ret, int) and not isinstance(ret, bool) and isinstance(session, str)
            and _SESSION.match(session) is not None)


def observations(msg: DvripMessage, source: str) -> list[Observation]:
    if not msg.valid:
        return []
    obs = [Observation("dvrip.present", "true", source)]
    for key, names in _FIELDS.items():
        value = next((v for n in names if (v := msg.get(n))), None)
        if value is None:
            continue
        if key == "dvrip.mac":
            value = normalize_mac(value) or value
        obs.append(Observation(key, value, source))
    return obs
