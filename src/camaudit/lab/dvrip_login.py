"""Xiongmai DVRIP ("Sofia", TCP 34567) login and SystemInfo: codes, password hash, messages.

Sans-I/O and shared by the lab's DVRIP port (lab/dvrip_service.py) and any client that logs
in with an operator's credentials. From public sources:

* a message is the 20-byte header ``<BBHIIHHI`` (0xFF, version, reserved, session, sequence,
  reserved, message id, payload length) then JSON ending ``\\n\\x00`` (OpenIPC/python-dvr
  ``dvrip.py`` ``send``; alexshpilkin/dvrip ``message.py`` ``ControlMessage.chunks``);
* login is message 1000 ``{"EncryptType": "MD5", "LoginType": "DVRIP-Web", "PassWord": <hash>,
  "UserName": <user>}``, answered by 1001 (alexshpilkin/dvrip ``login.py``: ``ClientLogin``
  type 1000, ``ClientLoginReply`` type 1001) with ``Ret``, ``SessionID`` ("0x%08X") and, on
  success, ``AliveInterval``, ``ChannelNum``, ``"DeviceType "`` (sic, with the space),
  ``ExtraChannel`` (alexshpilkin/dvrip ``test_dvrip.py`` reply bytes);
* ``Ret`` 100 is OK, 203 a wrong password, 105 not logged in (python-dvr ``CODES``;
  alexshpilkin/dvrip ``message.py`` ``Status``);
* the password hash (python-dvr ``sofia_hash``, alexshpilkin/dvrip ``xmmd5``): MD5 of the
  password, each pair of bytes summed modulo 62 into ``0-9A-Za-z``: 8 characters;
* SystemInfo is message 1020 ``{"Name": "SystemInfo", "SessionID": ...}``, answered by 1021
  with the ``SystemInfo`` object (python-dvr ``QCODES``, README); KeepAlive is 1006 / 1007.
"""

from __future__ import annotations

import hashlib
import json
import string
import struct
from dataclasses import dataclass
from typing import Any

PORT = 34567
HEADER = struct.Struct("<BBHIIHHI")
MAX_PAYLOAD = 64 * 1024
LOGIN, LOGIN_REPLY = 1000, 1001
KEEPALIVE, KEEPALIVE_REPLY = 1006, 1007
SYSTEM_INFO, SYSTEM_INFO_REPLY = 1020, 1021
RET_OK = 100
RET_NOT_LOGGED_IN = 105
RET_WRONG_PASSWORD = 203
_HASH_CHARS = string.digits + string.ascii_uppercase + string.ascii_lowercase


def sofia_hash(password: str) -> str:
    """The 8-character Sofia/XMeye password hash DVRIP logins send (module doc)."""
    md5 = hashlib.md5(password.encode("utf-8"), usedforsecurity=False).digest()
    return "".join(_HASH_CHARS[(a + b) % 62] for a, b in zip(md5[0::2], md5[1::2], strict=True))


def session_text(session: int) -> str:
    """A session as DVRIP JSON carries it: ``0x0000000B``."""
    return f"0x{session:08X}"


def build_message(message_id: int, payload: dict[str, Any], session: int = 0,
                  sequence: int = 0, version: int = 1) -> bytes:
    """Header and JSON payload (with its ``\\n\\x00`` end) of one DVRIP message."""
    data = json.dumps(payload).encode("utf-8") + b"\n\x00"
    return HEADER.pack(0xFF, version, 0, session, sequence, 0, message_id, len(data)) + data


def build_login(user: str, password: str, sequence: int = 0) -> bytes:
    """The login request (message 1000) for ``user`` with ``password`` hashed."""
    return build_message(LOGIN, {"EncryptType": "MD5", "LoginType": "DVRIP-Web",
                                 "PassWord": sofia_hash(password), "UserName": user},
                         0, sequence, 0)


def build_system_info(session: int, sequence: int = 1) -> bytes:
    """The SystemInfo request (message 1020) of a logged-in ``session``."""
    return build_message(SYSTEM_INFO, {"Name": "SystemInfo",
                                       "SessionID": session_text(session)},
                         session, sequence, 0)


@dataclass(frozen=True, slots=True)
class Message:
    """One DVRIP message: header fields and its JSON object (None when unreadable)."""

    message_id: int
    session: int
    sequence: int
    payload: dict[str, Any] | None


def read_header(data: bytes) -> tuple[int, int, int, int] | None:
    """(message id, session, sequence, payload length) of a 20-byte header, None if it is not
    one (no 0xFF start, or a payload over ``MAX_PAYLOAD``)."""
    if len(data) < HEADER.size or data[0] != 0xFF:
        return None
    _, _, _, session, sequence, _, message_id, length = HEADER.unpack_from(data)
    if length > MAX_PAYLOAD:
        return None
    return message_id, session, sequence, length


def parse_payload(payload: bytes) -> dict[str, Any] | None:
    """The JSON object of a payload (its ``\\n\\x00`` end ignored), None if unreadable."""
    text = payload[:MAX_PAYLOAD].decode("utf-8", "replace").strip("\x00 \t\r\n")
    try:
        obj = json.loads(text)
    except (ValueError, RecursionError):
        return None
    return obj if isinstance(obj, dict) else None


def parse_message(data: bytes) -> Message | None:
    """One whole message (header and payload), None if ``data`` is not one."""
    head = read_header(data)
    if head is None or len(data) < HEADER.size + head[3]:
        return None
    message_id, session, sequence, length = head
    return Message(message_id, session, sequence,
                   parse_payload(data[HEADER.size:HEADER.size + length]))
