"""Connection handlers: hostile behaviours, garbage from clients, request log and bounded reads."""

from __future__ import annotations

import asyncio
import base64
import json
from pathlib import Path
from typing import Any

import pytest

from camaudit.lab.auth import AuthSpec
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


def _get(path: str, authorization: str | None = None, method: str = "GET") -> bytes:
    extra = f"Authorization: {authorization}\r\n" if authorization is not None else ""
    return f"{method} {path} HTTP/1.1\r\nHost: lab\r\n{extra}\r\n".encode()


def test_protected_routes_challenge_and_check_credentials(tmp_path: Path, run_lab: Any,
                                                           exchange: Any, records: Any) -> None:
    from tests.screening.test_device import ANALYTICS, PLAIN

    from camaudit.lab.auth import digest_response, parse_params

    devices = plan(NET, None, ["analytics-camera", "plain-camera"])
    cap = "/ISAPI/Smart/capabilities"
    user, password = "lab-operator", "lab-screening-pw"
    basic_ok = "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()
    seen: dict[str, bytes] = {}

    def digest(challenge: bytes, pw: str, nc: str = "00000001", uri: str = cap) -> str:
        head = challenge.split(b"\r\n\r\n", 1)[0].decode()
        value = next(h.split(": ", 1)[1] for h in head.split("\r\n")
                     if h.startswith("WWW-Authenticate: "))
        p = parse_params(value.removeprefix("Digest "))
        assert p is not None
        spec = AuthSpec("digest", p["realm"], user, pw)
        response = digest_response(spec, "GET", uri, p["nonce"], nc, "c0ffee")
        return (f'Digest username="{user}", realm="{p["realm"]}", nonce="{p["nonce"]}", '
                f'uri="{uri}", qop=auth, nc={nc}, cnonce="c0ffee", response="{response}", '
                f'opaque="{p["opaque"]}", algorithm=MD5')

    async def body(by: dict[str, LabDevice]) -> None:
        cam, plain = by["analytics-camera"].ip, by["plain-camera"].ip
        seen["challenge"] = await exchange(cam, 80, _get(cap))
        good = digest(seen["challenge"], password)
        seen["digest ok"] = await exchange(cam, 80, _get(cap, good))
        seen["replayed"] = await exchange(cam, 80, _get(cap, good))
        seen["next nc"] = await exchange(cam, 80, _get(cap, digest(seen["challenge"], password,
                                                                    "00000002")))
        seen["wrong pw"] = await exchange(cam, 80, _get(cap, digest(seen["challenge"], "nope")))
        seen["other uri"] = await exchange(cam, 80, _get("/ISAPI/System/capabilities", good))
        seen["404"] = await exchange(cam, 80, _get("/x", digest(seen["challenge"], password,
                                                                 "00000003", "/x")))
        seen["head"] = await exchange(cam, 80, _get(cap, method="HEAD"))
        seen["hostile"] = await exchange(cam, 80, _get(cap, 'Digest a="\\' + "\x00" * 600))
        seen["huge"] = await exchange(cam, 80, _get(cap, "Digest " + "a=b, " * 3000))
        seen["basic on digest"] = await exchange(cam, 80, _get(cap, basic_ok))
        seen["plain challenge"] = await exchange(plain, 80, _get(cap))
        seen["basic ok"] = await exchange(plain, 80, _get(cap, basic_ok))
        seen["basic wrong"] = await exchange(plain, 80, _get(cap, "Basic Zm9vOmJhcg=="))

    run_lab(devices, tmp_path / "log.jsonl", body)
    assert seen["challenge"].startswith(b"HTTP/1.1 401 Unauthorized\r\n")
    assert b'WWW-Authenticate: Digest realm="camaudit-lab", qop="auth", nonce="' in \
        seen["challenge"]
    assert seen["challenge"].endswith(b"Content-Length: 0\r\nConnection: close\r\n\r\n")
    assert seen["digest ok"].startswith(b"HTTP/1.1 200 OK\r\n")
    assert seen["digest ok"].endswith(b"\r\n\r\n" + ANALYTICS)
    assert seen["next nc"].endswith(ANALYTICS)
    for refused in ("replayed", "wrong pw", "other uri", "head", "hostile", "huge",
                    "basic on digest"):
        assert seen[refused].startswith(b"HTTP/1.1 401 Unauthorized\r\n"), refused
        assert ANALYTICS not in seen[refused], refused
    assert seen["head"].endswith(b"\r\n\r\n")
    assert seen["404"].startswith(b"HTTP/1.1 404 Not Found\r\n")
    assert b'WWW-Authenticate: Basic realm="camaudit-lab"\r\n' in seen["plain challenge"]
    assert seen["basic ok"].startswith(b"HTTP/1.1 200 OK\r\n") and \
        seen["basic ok"].endswith(PLAIN)
    assert seen["basic wrong"].startswith(b"HTTP/1.1 401 ")
    lines = records(tmp_path / "log.jsonl")
    # a request whose credentials were refused is logged twice: as itself, then as REFUSED (a
    # failed login); a request without credentials, or with a stale nonce, is not a failure
    refused = [r for r in lines if r["method"] == "REFUSED"]
    lines = [r for r in lines if r["method"] != "REFUSED"]
    assert len(lines) == len(seen)
    assert 0 < len(refused) < len(lines)
    assert all(set(r) == {"ip", "port", "proto", "method", "path"} for r in lines)
    assert {r["method"] for r in lines} == {"GET", "HEAD"}
    text = (tmp_path / "log.jsonl").read_text()
    assert password not in text and "Authorization" not in text and "Basic" not in text


def _digest(challenge: str, method: str, uri: str) -> str:
    from camaudit.lab import LAB_PASSWORD, LAB_USER
    from camaudit.lab.auth import digest_response, parse_params

    p = parse_params(challenge.removeprefix("Digest ")) or {}
    spec = AuthSpec("digest", p["realm"], LAB_USER, LAB_PASSWORD)
    response = digest_response(spec, method, uri, p["nonce"], "00000001", "c0ffee")
    extra = f', opaque="{p["opaque"]}"' if "opaque" in p else ""
    return (f'Digest username="{LAB_USER}", realm="{p["realm"]}", nonce="{p["nonce"]}", '
            f'uri="{uri}", qop=auth, nc=00000001, cnonce="c0ffee", '
            f'response="{response}"{extra}')


def test_guarded_depth_endpoints(run_lab: Any, exchange: Any) -> None:
    devices = plan(NET, None, ["hikvision-ipc", "dahua-nvr", "hikvision-nvr"])
    seen: dict[str, bytes] = {}

    async def get(ip: str, uri: str, method: str = "GET") -> tuple[bytes, bytes]:
        first = await exchange(ip, 80, f"{method} {uri} HTTP/1.1\r\n\r\n".encode())
        line = next(x for x in first.split(b"\r\n") if x.startswith(b"WWW-Authenticate: "))
        challenge = line.split(b": ", 1)[1].decode()
        auth = (_digest(challenge, method, uri) if challenge.startswith("Digest") else
                "Basic " + base64.b64encode(b"lab-operator:lab-screening-pw").decode())
        second = await exchange(ip, 80, f"{method} {uri} HTTP/1.1\r\nAuthorization: {auth}"
                                        "\r\n\r\n".encode())
        return first, second

    async def body(by: dict[str, LabDevice]) -> None:
        hik, nvr, dahua = by["hikvision-ipc"], by["hikvision-nvr"], by["dahua-nvr"]
        seen["hik 401"], seen["hik info"] = await get(hik.ip, "/ISAPI/System/deviceInfo")
        _, seen["hik put"] = await get(hik.ip, "/ISAPI/System/deviceInfo", "PUT")
        seen["nvr 401"], seen["nvr channels"] = await get(
            nvr.ip, "/ISAPI/ContentMgmt/InputProxy/channels")
        _, seen["dahua cameras"] = await get(
            dahua.ip, "/cgi-bin/LogicDeviceManager.cgi?action=getCameraAll")
        soap = (b'<?xml version="1.0"?><s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-'
                b'envelope" xmlns:d="http://www.onvif.org/ver10/device/wsdl"><s:Body>'
                b"<d:GetSystemDateAndTime/></s:Body></s:Envelope>")
        seen["onvif"] = await exchange(hik.ip, 80, b"POST /onvif/device_service HTTP/1.1\r\n"
                                       b"Content-Length: " + str(len(soap)).encode() +
                                       b"\r\n\r\n" + soap)

    run_lab(devices, None, body)
    by = {d.profile: d for d in devices}
    assert seen["hik 401"].startswith(b"HTTP/1.0 401 Unauthorized\r\nDate: ")
    assert b"\r\nServer: App-webs/\r\n" in seen["hik 401"]
    assert b'WWW-Authenticate: Digest qop="auth", realm="IP Camera(C' in seen["hik 401"]
    assert seen["hik info"].startswith(b"HTTP/1.0 200 OK\r\n")
    assert f"<serialNumber>{by['hikvision-ipc'].serial}</serialNumber>".encode() in \
        seen["hik info"]
    assert b"<firmwareVersion>V5.5.6</firmwareVersion>" in seen["hik info"]
    assert seen["hik put"].startswith(b"HTTP/1.0 405 Method Not Allowed\r\n")
    assert b'WWW-Authenticate: Basic realm="hikvision"' in seen["nvr 401"]
    assert seen["nvr channels"].count(b"<InputProxyChannel>") == 3
    assert b"<ipAddress>192.168.254.2</ipAddress>" in seen["nvr channels"]
    assert seen["dahua cameras"].count(b".DeviceInfo.SerialNo=") == 2
    assert seen["onvif"].startswith(b"HTTP/1.1 200 OK\r\nContent-Type: application/soap+xml")
    assert b"GetSystemDateAndTimeResponse" in seen["onvif"]
