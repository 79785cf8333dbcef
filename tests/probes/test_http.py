from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Callable
from typing import Any

from camaudit.model import Observation, ProbeError
from camaudit.net.fake import FakeTransport
from camaudit.net.transport import Exchange
from camaudit.probes.base import ProbeResult
from camaudit.probes.http import FAVICON, PATHS, HttpProbe

MakeTransport = Callable[..., FakeTransport]
Routes = dict[Any, Any]

ALL_GETS = [*PATHS, FAVICON]


def run(probe: HttpProbe, transport: FakeTransport, ip: str, port: int) -> ProbeResult:
    return asyncio.run(probe.run(ip, port, transport, 2.0))


def request_lines(transport: FakeTransport) -> list[bytes]:
    return [p.split(b"\r\n", 1)[0] for p in transport.payloads()]


def test_applies_to_http_ports_and_unknown_ones() -> None:
    http, https = HttpProbe(), HttpProbe(tls=True)
    assert all(http.applies_to(p) for p in (80, 81, 88, 8080, 8899, 9000))
    assert not any(http.applies_to(p) for p in (23, 443, 554, 8000, 8443, 34567, 37777))
    assert [p for p in (80, 443, 8443, 9000) if https.applies_to(p)] == [443, 8443]
    assert (http.name, https.name) == ("http", "https")


def test_hikvision_replies(make_transport: MakeTransport, camera_routes: Routes, hik_ip: str,
                           favicon_bytes: bytes) -> None:
    t = make_transport(camera_routes)
    result = run(HttpProbe(), t, hik_ip, 80)
    # every page was asked for with a GET, in order, and nothing else was sent
    assert request_lines(t) == [f"GET {p} HTTP/1.1".encode() for p in ALL_GETS]
    assert all(b"\r\nHost: 127.0.0.10\r\n" in p for p in t.payloads())
    assert all(c.tls is False and c.timeout == 2.0 for c in t.exchanges())
    obs = set(result.observations)
    assert Observation("http.header.server", "Hikvision-Webs", "tcp/80 GET /") in obs
    assert Observation("http.status", "302", "tcp/80 GET /") in obs
    assert Observation("http.realm", "hikvision",
                       "tcp/80 GET /ISAPI/System/deviceInfo") in obs
    cap_source = "tcp/80 GET /ISAPI/Security/sessionLogin/capabilities?username=admin"
    assert Observation("isapi.namespace", "http://www.hikvision.com/ver20/XMLSchema",
                       cap_source) in obs
    assert Observation("http.favicon.md5", hashlib.md5(favicon_bytes).hexdigest(),
                       "tcp/80 GET /favicon.ico") in obs
    assert result.errors == ()
    assert result.service == "http"


def test_dahua_replies(make_transport: MakeTransport, camera_routes: Routes,
                       dahua_ip: str) -> None:
    t = make_transport(camera_routes)
    result = run(HttpProbe(), t, dahua_ip, 80)
    obs = set(result.observations)
    assert Observation("http.title", "WEB SERVICE", "tcp/80 GET /") in obs
    assert Observation("http.header.layout",
                       "CONNECTION,CONTENT-LENGTH,CACHE-CONTROL,CONTENT-TYPE,P3P",
                       "tcp/80 GET /") in obs
    assert Observation("http.realm", "Device_CGI",
                       "tcp/80 GET /cgi-bin/magicBox.cgi?action=getSystemInfo") in obs
    assert not any(o.key.startswith("http.favicon") for o in obs)  # favicon was a 404
    assert result.errors == ()


def test_stops_after_root_when_reply_is_not_http(make_transport: MakeTransport) -> None:
    t = make_transport(default=b"\x00\x00\x00\x10\x00garbage\xff\xfe")
    result = run(HttpProbe(), t, "127.0.0.1", 80)
    assert request_lines(t) == [b"GET / HTTP/1.1"]
    assert result.observations == ()
    assert len(result.errors) == 1
    assert result.errors[0].source == "tcp/80 GET /"
    assert result.errors[0].message.startswith("not HTTP")
    assert result.service == ""


def test_unknown_port_that_is_not_http_is_left_alone(make_transport: MakeTransport) -> None:
    t = make_transport(default=b"SSH-2.0-dropbear\r\n")
    result = run(HttpProbe(), t, "127.0.0.1", 2222)
    assert request_lines(t) == [b"GET / HTTP/1.1"]
    assert result == ProbeResult()


def test_unknown_port_that_speaks_http_gets_every_path(make_transport: MakeTransport) -> None:
    t = make_transport(default=b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n")
    result = run(HttpProbe(), t, "127.0.0.1", 9000)
    assert len(t.payloads()) == len(ALL_GETS)
    assert all(b"Host: 127.0.0.1:9000\r\n" in p for p in t.payloads())
    assert result.service == "http"


def test_timeout_on_root_is_an_error(make_transport: MakeTransport) -> None:
    t = make_transport(default=Exchange(error="timeout after 2.0s"))
    result = run(HttpProbe(), t, "127.0.0.1", 8080)
    assert result.errors == (ProbeError("tcp/8080 GET /", "timeout after 2.0s"),)
    assert len(t.payloads()) == 1


def test_reset_midway_keeps_what_was_learnt(make_transport: MakeTransport) -> None:
    ok = b"HTTP/1.1 200 OK\r\nServer: Hikvision-Webs\r\nContent-Length: 0\r\n\r\n"
    t = make_transport({("127.0.0.1", 80, b"GET / "): ok},
                       default=Exchange(error="connection reset", connected=False))
    result = run(HttpProbe(), t, "127.0.0.1", 80)
    assert len(t.payloads()) == 2  # gave up after the connection failed
    assert Observation("http.header.server", "Hikvision-Webs", "tcp/80 GET /") in (
        result.observations)
    assert result.errors == (
        ProbeError("tcp/80 GET /doc/page/login.asp", "connection reset"),)


def test_https_uses_tls_and_a_bare_host(make_transport: MakeTransport) -> None:
    t = make_transport(default=b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")
    result = run(HttpProbe(tls=True), t, "fd00::5", 443)
    assert all(c.tls for c in t.exchanges())
    assert all(b"\r\nHost: [fd00::5]\r\n" in p for p in t.payloads())
    assert Observation("http.status", "200", "tcp/443 GET /") in result.observations
    assert result.service == "https"


def test_redirect_that_echoes_the_asked_path_is_not_evidence(make_transport: MakeTransport
                                                             ) -> None:
    """nginx `return 301 https://$host$request_uri` answers /doc/page/login.asp with a Location
    naming that path: the reply echoes camaudit's request, it is not Hikvision's page."""
    def answer(call: Any) -> bytes:
        path = call.payload.split(b" ", 2)[1]
        return (b"HTTP/1.1 301 Moved Permanently\r\nServer: nginx\r\nLocation: https://"
                + call.ip.encode() + path + b"\r\nContent-Length: 0\r\n\r\n")

    result = run(HttpProbe(), make_transport(answer), "127.0.0.1", 80)
    locations = [o.value for o in result.observations if o.key == "http.location"]
    assert locations == ["https://127.0.0.1/"]
    assert not any("/doc/page/login.asp" in o.value for o in result.observations)


def test_a_hikvision_landing_redirect_is_kept(make_transport: MakeTransport) -> None:
    t = make_transport({("127.0.0.1", 80, b"GET / "): (
        b"HTTP/1.1 302 Found\r\nLocation: /doc/page/login.asp?_1629446400000\r\n"
        b"Content-Length: 0\r\n\r\n")}, default=b"HTTP/1.1 404 Not Found\r\n\r\n")
    result = run(HttpProbe(), t, "127.0.0.1", 80)
    assert Observation("http.location", "/doc/page/login.asp?_1629446400000",
                       "tcp/80 GET /") in result.observations


def test_a_server_answering_every_path_alike_adds_nothing(make_transport: MakeTransport
                                                          ) -> None:
    page = b"<html><title>Router</title>/ISAPI/System/deviceInfo</html>"
    t = make_transport(default=b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%s"
                       % (len(page), page))
    result = run(HttpProbe(), t, "127.0.0.1", 80)
    titles = [o for o in result.observations if o.key == "http.title"]
    assert [o.source for o in titles] == ["tcp/80 GET /"]
