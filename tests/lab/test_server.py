"""The lab server in-process on 127.66.0.0/28: real sockets, loopback only.

Each test starts ``serve()`` with a few profiles, talks to it with plain asyncio clients and
checks the replies and the request log.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509

from camaudit.errors import LabError
from camaudit.lab.plan import LabDevice, plan
from camaudit.lab.server import serve

pytestmark = pytest.mark.lab

NET = "127.66.0.0/28"
PROFILES = ["hikvision-ipc", "dahua-ipc", "hikvision-oem", "dahua-oem", "xiongmai-dvr",
            "slow", "oversized", "malformed", "xml-bomb"]


def test_replies_and_log(tmp_path: Path, run_lab: Any, exchange: Any, records: Any,
                         client_tls: Any) -> None:
    devices = plan(NET, None, PROFILES)
    log = tmp_path / "lab.jsonl"
    seen: dict[str, bytes] = {}

    async def body(by: dict[str, LabDevice]) -> None:
        hik, dahua = by["hikvision-ipc"].ip, by["dahua-ipc"].ip
        seen["hik /"] = await exchange(hik, 80, b"GET / HTTP/1.1\r\nHost: h\r\n\r\n")
        seen["hik cap"] = await exchange(
            hik, 80, b"GET /ISAPI/Security/sessionLogin/capabilities?username=admin "
                     b"HTTP/1.1\r\n\r\n")
        seen["hik isapi"] = await exchange(hik, 80,
                                           b"GET /ISAPI/System/deviceInfo HTTP/1.1\r\n\r\n")
        seen["dahua /"] = await exchange(dahua, 80, b"GET / HTTP/1.1\r\n\r\n")
        seen["dahua cgi"] = await exchange(
            dahua, 80, b"GET /cgi-bin/magicBox.cgi?action=getSystemInfo HTTP/1.1\r\n\r\n")
        seen["xm"] = await exchange(by["xiongmai-dvr"].ip, 80, b"GET /Login.htm HTTP/1.0\r\n\r\n")
        seen["banner"] = await exchange(hik, 8000, b"")
        # RTSP keeps the connection: OPTIONS then DESCRIBE on one socket.
        reader, writer = await asyncio.open_connection(hik, 554)
        writer.write(b"OPTIONS rtsp://h/ RTSP/1.0\r\nCSeq: 41\r\n\r\n")
        seen["options"] = await reader.readuntil(b"\r\n\r\n")
        writer.write(b"DESCRIBE rtsp://h/Streaming/Channels/101 RTSP/1.0\r\nCSeq: 42\r\n\r\n")
        seen["describe"] = await reader.readuntil(b"\r\n\r\n")
        writer.close()
        await writer.wait_closed()
        seen["dahua rtsp"] = await exchange(dahua, 554, b"DESCRIBE rtsp://d/ RTSP/1.0\r\n"
                                                        b"CSeq: 2\r\n\r\n")
        for name in ("hikvision-ipc", "dahua-ipc"):
            reader, writer = await asyncio.open_connection(by[name].ip, 443, ssl=client_tls)
            ssl_object = writer.get_extra_info("ssl_object")
            seen[f"cert {name}"] = ssl_object.getpeercert(binary_form=True)
            writer.close()
            await writer.wait_closed()
        reader, writer = await asyncio.open_connection(hik, 443, ssl=client_tls)
        writer.write(b"GET / HTTP/1.1\r\n\r\n")
        seen["https /"] = await reader.read()
        writer.close()
        await writer.wait_closed()

    run_lab(devices, log, body)
    by = {d.profile: d for d in devices}
    assert seen["hik /"].startswith(b"HTTP/1.0 200 OK\r\nDate: ")
    assert b"\r\nServer: App-webs/\r\n" in seen["hik /"]
    assert b'"/doc/page/login.asp?_" + (new Date()).getTime();' in seen["hik /"]
    assert b'<SessionLoginCap xmlns="http://www.hikvision.com/ver20/XMLSchema">' in seen["hik cap"]
    assert seen["hik isapi"].startswith(b"HTTP/1.0 401 Unauthorized\r\n")
    assert b'WWW-Authenticate: Digest qop="auth", realm="IP Camera(C' in seen["hik isapi"]
    head, body = seen["dahua /"].split(b"\r\n\r\n", 1)
    names = [line.split(b":")[0] for line in head.split(b"\r\n")[1:]]
    assert names == [b"CONNECTION", b"CONTENT-LENGTH", b"CACHE-CONTROL", b"CONTENT-TYPE",
                     b"Etag", b"P3P"]
    assert body.startswith(b"\xef\xbb\xbf<!DOCTYPE html") and b"<title>WEB SERVICE</title>" in body
    assert int(dict(line.split(b": ", 1) for line in head.split(b"\r\n")[1:])[b"CONTENT-LENGTH"]) \
        == len(body)
    serial = by["dahua-ipc"].serial
    assert f'Digest realm="Login to {serial}", '.encode() in seen["dahua cgi"]
    assert b"uc-httpd 1.0.0" in seen["xm"] and b"<title>NETSurveillance WEB</title>" in seen["xm"]
    assert seen["banner"] == b"\0\0\0\x10\0\0\0\x1e\0\0\0\x1e\0\0\0\0"
    options = seen["options"].decode()
    assert options.startswith("RTSP/1.0 200 OK\r\nCSeq: 41\r\nPublic: OPTIONS, DESCRIBE, PLAY, "
                              "PAUSE, SETUP, TEARDOWN, SET_PARAMETER, GET_PARAMETER\r\nDate:  ")
    assert options.endswith(" GMT\r\n\r\n")
    assert seen["describe"].startswith(b"RTSP/1.0 401 Unauthorized\r\nCSeq: 42\r\n")
    assert b'realm="IP Camera(C' in seen["describe"]
    assert f'realm="Login to {serial}"'.encode() in seen["dahua rtsp"]
    assert b"Server: Dahua Rtsp Server" in seen["dahua rtsp"]
    hik_cert = x509.load_der_x509_certificate(seen["cert hikvision-ipc"])
    assert hik_cert.subject.rfc4514_string() == \
        "CN=www.hikvision.com,OU=DVRNVR,O=HIKVISION,L=HangZhou,ST=ZheJiang,C=CN"
    dahua_cert = x509.load_der_x509_certificate(seen["cert dahua-ipc"])
    assert dahua_cert.subject.rfc4514_string() == f"CN={by['dahua-ipc'].ip},C=CN"
    assert dahua_cert.issuer.rfc4514_string().startswith("CN=Dahua Device NVR CA,")
    assert seen["https /"].startswith(b"HTTP/1.0 200 OK\r\n")

    log_lines = records(log)
    assert all(set(r) == {"ip", "port", "proto", "method", "path"} for r in log_lines)
    hik = by["hikvision-ipc"].ip
    for expected in [
        {"ip": hik, "port": 80, "proto": "http", "method": "GET", "path": "/"},
        {"ip": hik, "port": 554, "proto": "rtsp", "method": "OPTIONS", "path": "rtsp://h/"},
        {"ip": hik, "port": 554, "proto": "rtsp", "method": "DESCRIBE",
         "path": "rtsp://h/Streaming/Channels/101"},
        {"ip": hik, "port": 8000, "proto": "tcp", "method": "CONNECT", "path": ""},
        {"ip": hik, "port": 443, "proto": "tls", "method": "HANDSHAKE", "path": ""},
        {"ip": hik, "port": 443, "proto": "https", "method": "GET", "path": "/"},
    ]:
        assert expected in log_lines
    assert len(log_lines) == 13


def test_bind_failure_names_address_and_port() -> None:
    (device,) = plan(NET, 1, ["web-server"])

    async def main() -> None:
        blocker = await asyncio.start_server(lambda r, w: None, device.ip, 80)
        try:
            with pytest.raises(LabError, match=rf"cannot bind {device.ip}:80"):
                await serve([device], None, None)
        finally:
            blocker.close()
            await blocker.wait_closed()
    asyncio.run(main())


def test_the_open_file_limit_is_raised_or_the_error_says_both_numbers() -> None:
    import resource
    import subprocess
    import sys

    code = ("from camaudit.lab.server import ensure_files; import resource\n"
            "try:\n    ensure_files(3000)\nexcept Exception as e:\n    print('ERR', e)\n"
            "print(resource.getrlimit(resource.RLIMIT_NOFILE)[0])")

    def limited(soft: int, hard: int) -> list[str]:
        def pre() -> None:
            resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))
        return subprocess.run([sys.executable, "-c", code], preexec_fn=pre,  # noqa: PLW1509
                              capture_output=True, text=True, check=True,
                              timeout=60).stdout.splitlines()

    assert limited(1024, 8192) == ["4024"]  # raised to what 3,000 listeners need
    err, soft = limited(1024, 2048)
    assert err.startswith("ERR the lab needs 4024 open files") and "hard limit is 2048" in err
    assert soft == "2048"
