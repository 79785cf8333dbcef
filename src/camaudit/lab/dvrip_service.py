"""The lab's DVRIP port (TCP 34567, kind ``dvrip``): login, KeepAlive and SystemInfo only.

``DvripSession`` is the sans-I/O state of one connection: ``receive(message)`` gives the reply
bytes and whether to close. Codes, hash and message layout: lab/dvrip_login.py.

* 1000 login with the profile's user and ``sofia_hash(password)`` (the lab's credentials by
  default): 1001 ``Ret`` 100 with a session and the profile's ``login_reply`` fields; anything
  else: 1001 ``Ret`` 203 and the connection is closed;
* 1006 KeepAlive of a logged-in session: 1007 ``Ret`` 100;
* 1020 ``{"Name": "SystemInfo"}`` of a logged-in session: 1021 with the profile's
  ``system_info`` fields (rendered for the device); before login: 1021 ``Ret`` 105;
* any other message, or bytes that are not DVRIP: the connection is closed.

Each message is logged as ``{"proto": "dvrip", "method": "<message id>", "path": ""}``: never
a user name or password hash.
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from camaudit.lab import dvrip_login as d
from camaudit.lab.render import render
from camaudit.lab.specs import DvripSpec
from camaudit.protocols.base import int_or_text

_SESSIONS = itertools.count(0x0B)


def _fields(items: tuple[tuple[str, str], ...], values: Mapping[str, str]) -> dict[str, Any]:
    return {name: int_or_text(render(template, values)) for name, template in items}


@dataclass
class DvripSession:
    """One connection's login state (module doc)."""

    spec: DvripSpec
    values: Mapping[str, str]
    session: int = 0
    logged_in: bool = field(default=False)

    def receive(self, message: d.Message) -> tuple[bytes, bool]:
        """(reply bytes, close afterwards) for one message; b"" = no reply."""
        payload = message.payload or {}
        seq = message.sequence
        if message.message_id == d.LOGIN:
            ok = (payload.get("UserName") == self.spec.user
                  and payload.get("PassWord") == d.sofia_hash(self.spec.password)
                  and payload.get("EncryptType") == "MD5")
            if not ok:
                return d.build_message(d.LOGIN_REPLY, {"Ret": d.RET_WRONG_PASSWORD,
                                                       "SessionID": d.session_text(0)},
                                       0, seq), True
            self.session, self.logged_in = next(_SESSIONS) & 0x7FFFFFFF, True
            reply = {**_fields(self.spec.login_reply, self.values), "Ret": d.RET_OK,
                     "SessionID": d.session_text(self.session)}
            return d.build_message(d.LOGIN_REPLY, reply, self.session, seq), False
        if message.message_id == d.KEEPALIVE and self.logged_in:
            return d.build_message(d.KEEPALIVE_REPLY, {
                "Name": "KeepAlive", "Ret": d.RET_OK,
                "SessionID": d.session_text(self.session)}, self.session, seq), False
        if message.message_id == d.SYSTEM_INFO and payload.get("Name") == "SystemInfo":
            if not self.logged_in:
                return d.build_message(d.SYSTEM_INFO_REPLY, {
                    "Name": "SystemInfo", "Ret": d.RET_NOT_LOGGED_IN,
                    "SessionID": d.session_text(0)}, 0, seq), False
            return d.build_message(d.SYSTEM_INFO_REPLY, {
                "Name": "SystemInfo", "Ret": d.RET_OK,
                "SessionID": d.session_text(self.session),
                "SystemInfo": _fields(self.spec.system_info, self.values)},
                self.session, seq), False
        return b"", True


async def read_message(reader: asyncio.StreamReader, timeout: float
                       ) -> tuple[d.Message | None, bytes]:
    """(message, b"") or (None, the bytes read) on EOF, timeout or bytes that are not DVRIP."""
    head = b""
    try:
        async with asyncio.timeout(timeout):
            head = await reader.readexactly(d.HEADER.size)
            parsed = d.read_header(head)
            if parsed is None:
                return None, head
            body = await reader.readexactly(parsed[3])
    except (asyncio.IncompleteReadError, TimeoutError) as e:
        partial = e.partial if isinstance(e, asyncio.IncompleteReadError) else b""
        return None, head + partial
    message = d.parse_message(head + body)
    return message, b"" if message is not None else head
