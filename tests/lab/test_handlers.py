"""Connection handlers: hostile behaviours, garbage from clients, request log and bounded reads."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest

from camaudit.lab.handlers import Conn, RequestLog
from camaudit.lab.plan import LabDevice, plan

pytestmark = pytest.mark.lab

NET = "127.66.0.0/28"
PROFILES = ["hikvision-ipc", "dahua-ipc", "hikvision-oem", "dahua-oem", "xiongmai-dvr",
            "slow", "oversized", "malformed", "xml-bomb"]



def test_hostile_profiles_do_not_crash_the_lab(tmp_path: Path, run_lab: Any,
                                                exchange: Any, records: Any) -> None:
    devices = plan(NET, None, PROFILES)
    seen: dict[str, bytes] = {}

    async def body(by: dict[str, LabDevice]) -> None:
        seen["slow"] = await exchange(by["slow"].ip, 80, b"GET / HTTP/1.1\r\n\r\n")
        seen["endless body"] = await exchange(by["oversized"].ip, 80, b"GET / HTTP/1.1\r\n\r\n",
                                              limit=1 << 20)
        seen["endless header"] = await exchange(by["oversized"].ip, 8080,
                                                b"GET / HTTP/1.1\r\n\r\n", limit=1 << 18)
        seen["garbage"] = await exchange(by["malformed"].ip, 37777, b"\x00")
        seen["garbage tls"] = await exchange(by["malformed"].ip, 443, b"\x16\x03\x01")
        seen["bomb"] = await exchange(by["xml-bomb"].ip, 80,
                                      b"GET /ISAPI/System/deviceInfo HTTP/1.1\r\n\r\n")
        # Garbage sent *to* the lab: closed without a reply, and the lab goes on.
        hik = by["hikvision-ipc"].ip
        seen["bad request"] = await exchange(hik, 80, b"\x00\xff\xfe junk\r\n\r\n")
        seen["bad rtsp"] = await exchange(hik, 554, b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc")
        seen["tls garbage"] = await exchange(hik, 443, b"GET / HTTP/1.1\r\n\r\n")
        seen["after"] = await exchange(hik, 80, b"GET / HTTP/1.1\r\n\r\n")

    run_lab(devices, tmp_path / "log.jsonl", body)
    assert seen["slow"] == b""
    assert len(seen["endless body"]) >= 1 << 20
    assert seen["endless body"].startswith(b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n")
    header = seen["endless header"]
    assert len(header) >= 1 << 18 and b"\r\nX-Fill: AAAA" in header
    assert b"\r\n\r\n" not in header
    assert len(seen["garbage"]) == 4096 and len(seen["garbage tls"]) == 4096
    assert b"<!ENTITY lol9" in seen["bomb"] and b"<DeviceInfo>&lol9;</DeviceInfo>" in seen["bomb"]
    assert seen["bad request"] == seen["bad rtsp"] == seen["tls garbage"] == b""
    assert seen["after"].startswith(b"HTTP/1.0 200 OK")
    lines = records(tmp_path / "log.jsonl")
    assert {"ip": devices[7].ip, "port": 37777, "proto": "tcp", "method": "DATA",
            "path": "00"} in lines
    assert any(r["method"] == "HANDSHAKE_FAILED" for r in lines)


def test_pipelined_rtsp_requests_each_get_a_reply(run_lab: Any, exchange: Any) -> None:
    devices = plan(NET, 1, ["hikvision-ipc"])
    seen: dict[str, bytes] = {}

    async def body(by: dict[str, LabDevice]) -> None:
        seen["both"] = await exchange(
            by["hikvision-ipc"].ip, 554,
            b"OPTIONS rtsp://h/ RTSP/1.0\r\nCSeq: 1\r\n\r\n"
            b"DESCRIBE rtsp://h/ RTSP/1.0\r\nCSeq: 2\r\nContent-Length: 3\r\n\r\nabc"
            b"PLAY rtsp://h/ RTSP/1.0\r\nCSeq: 3\r\n\r\n")

    run_lab(devices, None, body)
    replies = seen["both"].split(b"RTSP/1.0 ")[1:]
    assert [r.split(b"\r\n")[:2] for r in replies] == [
        [b"200 OK", b"CSeq: 1"], [b"401 Unauthorized", b"CSeq: 2"],
        [b"401 Unauthorized", b"CSeq: 3"]]


def test_head_read_is_bounded_and_keeps_what_follows() -> None:
    async def main() -> tuple[bytes, bytes, bytes]:
        reader = asyncio.StreamReader()
        reader.feed_data(b"GET / HTTP/1.1\r\n\r\nNEXT")
        reader.feed_eof()
        conn = Conn(reader, None)  # type: ignore[arg-type]  # reads only
        first = await conn.head(1.0)
        rest = await conn.head(1.0)
        huge = asyncio.StreamReader()
        huge.feed_data(b"A" * (1 << 20))
        capped = await Conn(huge, None).head(1.0)  # type: ignore[arg-type]
        return first, rest, capped

    first, rest, capped = asyncio.run(main())
    assert first == b"GET / HTTP/1.1\r\n\r\n" and rest == b"NEXT"
    assert 16 * 1024 <= len(capped) < 16 * 1024 + 4096


def test_request_log_writes_one_json_line_per_request(tmp_path: Path,
                                                       records: Any) -> None:
    log = RequestLog(tmp_path / "log.jsonl")
    log.write("127.0.0.5", 80, "http", "GET", "/a\"b")
    log.write("127.0.0.5", 8000, "tcp", "CONNECT", "")
    assert records(tmp_path / "log.jsonl") == [
        {"ip": "127.0.0.5", "port": 80, "proto": "http", "method": "GET", "path": "/a\"b"},
        {"ip": "127.0.0.5", "port": 8000, "proto": "tcp", "method": "CONNECT", "path": ""}]
    log.close()
    RequestLog(None).write("127.0.0.5", 80, "http", "GET", "/")
    assert json.loads((tmp_path / "log.jsonl").read_text().splitlines()[0])["port"] == 80
