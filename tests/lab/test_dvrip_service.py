"""The lab's DVRIP port: login with the lab password, SystemInfo, refusal and closing."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest

from camaudit.lab import dvrip_login as d
from camaudit.lab.dvrip_service import DvripSession
from camaudit.lab.plan import LabDevice, plan
from camaudit.lab.profiles import load_profiles
from camaudit.lab.specs import DvripSpec

SPEC = DvripSpec((("AliveInterval", "21"), ("DeviceType ", "HVR")),
                 (("SerialNo", "{serial}"), ("SoftWareVersion", "{firmware}"),
                  ("VideoInChannel", "4")))
VALUES = {"serial": "a166379674a3b447", "firmware": "V5.00.R02.000529B2.10010.040600.0020000"}


def receive(session: DvripSession, data: bytes) -> tuple[dict[str, Any], int, bool]:
    message = d.parse_message(data)
    assert message is not None
    reply, close = session.receive(message)
    parsed = d.parse_message(reply)
    assert parsed is not None and parsed.payload is not None
    return parsed.payload, parsed.message_id, close


def test_login_then_system_info() -> None:
    session = DvripSession(SPEC, VALUES)
    payload, msg_id, close = receive(session, d.build_login("lab-operator", "lab-screening-pw"))
    assert (msg_id, payload["Ret"], close) == (d.LOGIN_REPLY, 100, False)
    assert payload["AliveInterval"] == 21 and payload["DeviceType "] == "HVR"
    payload, msg_id, close = receive(session, d.build_system_info(session.session))
    assert (msg_id, payload["Ret"], close) == (d.SYSTEM_INFO_REPLY, 100, False)
    assert payload["SystemInfo"] == {"SerialNo": VALUES["serial"], "VideoInChannel": 4,
                                     "SoftWareVersion": VALUES["firmware"]}


@pytest.mark.parametrize(("user", "password"), [("lab-operator", "wrong"), ("admin", "")])
def test_a_wrong_login_gets_203_and_closes(user: str, password: str) -> None:
    session = DvripSession(SPEC, VALUES)
    payload, msg_id, close = receive(session, d.build_login(user, password))
    assert (msg_id, payload, close) == (d.LOGIN_REPLY, {"Ret": 203,
                                                        "SessionID": "0x00000000"}, True)


def test_system_info_before_login_is_refused_and_other_messages_close() -> None:
    session = DvripSession(SPEC, VALUES)
    payload, _, close = receive(session, d.build_system_info(0))
    assert (payload["Ret"], close) == (d.RET_NOT_LOGGED_IN, False)
    message = d.parse_message(d.build_message(1450, {"Name": "OPMachine"}))
    assert message is not None and session.receive(message) == (b"", True)


def test_over_the_lab(tmp_path: Path, run_lab: Any) -> None:
    devices = plan("127.66.0.0/28", None, ["xiongmai-dvr"])
    log = tmp_path / "requests.jsonl"
    got: dict[str, Any] = {}

    async def read(reader: asyncio.StreamReader) -> d.Message | None:
        head = await reader.readexactly(d.HEADER.size)
        parsed = d.read_header(head)
        assert parsed is not None
        return d.parse_message(head + await reader.readexactly(parsed[3]))

    async def body(by: dict[str, LabDevice]) -> None:
        ip = by["xiongmai-dvr"].ip
        reader, writer = await asyncio.open_connection(ip, d.PORT)
        writer.write(d.build_login("lab-operator", "lab-screening-pw"))
        login = await read(reader)
        assert login is not None
        writer.write(d.build_system_info(login.session))
        got["info"] = await read(reader)
        writer.close()
        reader, writer = await asyncio.open_connection(ip, d.PORT)
        writer.write(d.build_login("lab-operator", "nope"))
        got["refused"] = await read(reader)
        got["after"] = await reader.read()
        writer.close()

    run_lab(devices, log, body)
    truth = devices[0]
    info = got["info"].payload["SystemInfo"]
    assert (info["SerialNo"], info["SoftWareVersion"]) == (truth.serial, truth.firmware)
    assert got["refused"].payload["Ret"] == 203 and got["after"] == b""
    lines = [json.loads(x) for x in log.read_text().splitlines()]
    assert [(x["proto"], x["method"], x["path"]) for x in lines] == [
        ("dvrip", "1000", ""), ("dvrip", "1020", ""), ("dvrip", "1000", ""),
        ("dvrip", "REFUSED", "")]  # the wrong password is logged as a refused login
    assert "lab-operator" not in log.read_text() and d.sofia_hash("nope") not in log.read_text()
    assert load_profiles()["xiongmai-dvr"].firmware == truth.firmware
