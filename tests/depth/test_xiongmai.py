"""DVRIP login with the operator's credential, SystemInfo in its session, one attempt."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from typing import Any

from camaudit.credentials import Credential
from camaudit.depth import xiongmai
from camaudit.depth.run import _Collector, _dvrip
from camaudit.depth.session import Session
from camaudit.wire import dvrip as wire_dvrip

from .conftest import PASSWORD, USER

IP = "127.0.0.5"
# SystemInfo member values as the python-dvr README shows them (facts §3)
INFO = {"HardWare": "HI3516EV300_85H50AI",
        "SoftWareVersion": "V5.00.R02.000529B2.10010.040600.0020000",
        "SerialNo": "a166379674a3b447"}


def test_sofia_hash_of_the_empty_password() -> None:
    # the digest XMeye clients send for an empty password, as published by DVRIP clients
    assert xiongmai.sofia_hash("") == "tlJwpbo6"
    assert len(xiongmai.sofia_hash(PASSWORD)) == 8


class Recorder:
    def __init__(self, password: str) -> None:
        self.password = password
        self.seen: list[tuple[int, dict[str, Any]]] = []

    def __call__(self, payload: bytes) -> bytes | None:
        _, _, _, session, _, _, msg, length = wire_dvrip.HEADER.unpack_from(payload)
        body = json.loads(payload[20:20 + length].rstrip(b"\x00\n"))
        self.seen.append((msg, body))
        if msg == xiongmai.LOGIN:
            ok = body["PassWord"] == xiongmai.sofia_hash(self.password)
            reply = {"Ret": 100 if ok else 203, "SessionID": "0x0000001F" if ok else "0x0"}
            return xiongmai.message(xiongmai.LOGIN_REPLY, reply, session=0x1F if ok else 0)
        if msg == xiongmai.SYSTEM_INFO and session == 0x1F:
            return xiongmai.message(xiongmai.SYSTEM_INFO + 1,
                                    {"Name": "SystemInfo", "Ret": 100,
                                     "SessionID": "0x0000001F", "SystemInfo": INFO},
                                    session=0x1F)
        return None


def run(make_device: Callable[..., Any], password: str) -> tuple[_Collector, Recorder]:
    dvr = Recorder(PASSWORD)
    _, transport = make_device({}, guarded=set(), ports={34567}, dvrip=dvr)
    c = _Collector(Session(IP, transport, Credential(USER, password)))
    asyncio.run(_dvrip(c, IP, transport, Credential(USER, password), 2.0))
    return c, dvr


def test_login_then_systeminfo(make_device: Callable[..., Any]) -> None:
    c, dvr = run(make_device, PASSWORD)
    assert [m for m, _ in dvr.seen] == [xiongmai.LOGIN, xiongmai.SYSTEM_INFO]
    assert dvr.seen[1][1]["SessionID"] == "0x0000001F"
    keys = {(o.key, o.value) for o in c.obs}
    assert ("dvrip.model", INFO["HardWare"]) in keys and ("dvrip.serial", INFO["SerialNo"]) in keys
    assert ("dvrip.firmware", INFO["SoftWareVersion"]) in keys and not c.errors


def test_wrong_password_one_login_and_nothing_more(make_device: Callable[..., Any]) -> None:
    c, dvr = run(make_device, "not-it")
    assert [m for m, _ in dvr.seen] == [xiongmai.LOGIN]
    assert c.session.refused and [e.message for e in c.errors] == ["credentials refused"]
    assert all("not-it" not in json.dumps(body) for _, body in dvr.seen)  # only the digest
