"""Xiongmai DVRIP login and SystemInfo, sans-I/O (the operator's credential, one attempt).

The login (message 1000) carries the password as the protocol's 8-character digest of its
MD5 ("Sofia" hash: each pair of MD5 bytes summed modulo 62 and written with 0-9, A-Z, a-z);
the reply (1001) has ``Ret`` 100 (or 101, 102) on success and another code on refusal, and
a ``SessionID`` that the SystemInfo request (1020, reply 1021) carries. Codes and hash as
public DVRIP clients document them (python-dvr ``dvrip.py``; facts §3).
"""

from __future__ import annotations

import hashlib
import json
import struct

from camaudit.credentials import Credential
from camaudit.wire import dvrip as wire_dvrip

LOGIN = 1000
LOGIN_REPLY = 1001
SYSTEM_INFO = wire_dvrip.SYSTEM_INFO
OK_CODES = frozenset({100, 101, 102})
_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
MAX_REPLY = 64 * 1024


def sofia_hash(password: str) -> str:
    """The DVRIP password digest: 8 characters from the MD5 of the password."""
    d = hashlib.md5(password.encode("utf-8")).digest()  # noqa: S324 - the protocol's scheme
    return "".join(_ALPHABET[(d[2 * i] + d[2 * i + 1]) % 62] for i in range(8))


def message(msg_id: int, body: dict[str, object], session: int = 0, sequence: int = 0) -> bytes:
    payload = json.dumps(body, separators=(",", ":")).encode("utf-8") + b"\x0a\x00"
    return wire_dvrip.HEADER.pack(0xFF, 0x01, 0, session, sequence, 0, msg_id,
                                  len(payload)) + payload


def login_request(credential: Credential) -> bytes:
    return message(LOGIN, {"EncryptType": "MD5", "LoginType": "DVRIP-Web",
                           "PassWord": sofia_hash(credential.password),
                           "UserName": credential.user})


def info_request(session: int) -> bytes:
    return message(SYSTEM_INFO, {"Name": "SystemInfo", "SessionID": f"0x{session:08X}"},
                   session=session, sequence=1)


def complete(buf: bytes) -> bool:
    """One whole DVRIP message is in ``buf`` (or ``buf`` cannot be one)."""
    if buf[:1] != b"\xff":
        return bool(buf)
    if len(buf) < wire_dvrip.HEADER.size:
        return False
    length: int = struct.unpack_from("<I", buf, 16)[0]
    return len(buf) >= wire_dvrip.HEADER.size + min(length, MAX_REPLY)


def login_result(data: bytes) -> tuple[bool | None, int]:
    """(accepted, session) from a login reply: None when it is not a login reply at all."""
    msg = wire_dvrip.parse(data)
    ret = msg.get("Ret")
    if not msg.valid or ret is None or not ret.isdigit():
        return None, 0
    session = msg.session
    sid = msg.get("SessionID")
    if sid is not None and sid.lower().startswith("0x"):
        try:
            session = int(sid, 16)
        except ValueError:
            pass
    return int(ret) in OK_CODES, session


def split(data: bytes) -> tuple[bytes, bytes]:
    """The first DVRIP message of ``data`` and what follows it."""
    if data[:1] != b"\xff" or len(data) < wire_dvrip.HEADER.size:
        return data, b""
    length: int = struct.unpack_from("<I", data, 16)[0]
    end = wire_dvrip.HEADER.size + min(length, MAX_REPLY)
    return data[:end], data[end:]
