"""Shared fixtures: a FakeTransport factory and canned camera replies.

Every banner, header value and realm below is quoted from /work/shared/facts/
discovery-fingerprints.md (source named next to it); framing (status lines, Content-Length,
CSeq) is the minimum the protocols need.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping

import pytest

from camaudit.net.fake import FakeTransport, Handler, Reply, routes


@pytest.fixture(autouse=True)
def _private_inventory(tmp_path_factory: pytest.TempPathFactory,
                       monkeypatch: pytest.MonkeyPatch) -> None:
    """Commands that record scans write to a throwaway inventory, never the user's."""
    db = tmp_path_factory.mktemp("inventory") / "inventory.db"
    monkeypatch.setenv("CAMAUDIT_DB", str(db))


HIK_IP = "127.0.0.10"
DAHUA_IP = "127.0.0.20"

# A 16-byte stand-in icon; tests compare hashes of exactly these bytes.
FAVICON = b"\x00\x00\x01\x00\x01\x00\x10\x10\x00\x00\x01\x00\x20\x00\x68\x04"

Route = tuple[str, int, bytes]


def _hikvision(ip: str) -> dict[Route, Reply]:
    cap = (b"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
           b"<SessionLoginCap version=\"2.0\" xmlns=\"http://www.hikvision.com/ver20/XMLSchema\">"
           b"<isIrreversible>true</isIrreversible></SessionLoginCap>")
    return {
        # nmap-service-probes 9906: 302 Redirect, Server: Hikvision-Webs, Location .../index.asp
        (ip, 80, b"GET / "): (b"HTTP/1.0 302 Redirect\r\nServer: Hikvision-Webs\r\n"
                              b"Location: http://" + ip.encode() + b"/index.asp\r\n"
                              b"Content-Length: 0\r\n\r\n"),
        # Recog http_wwwauth.xml: Basic realm="hikvision"
        (ip, 80, b"GET /ISAPI/System/deviceInfo "): (
            b"HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Basic realm=\"hikvision\"\r\n"
            b"Content-Length: 0\r\n\r\n"),
        # facts 4.1: SessionLoginCap, Hikvision ver20 namespace (petrleocompel/hikaxpro_hacs#56)
        (ip, 80, b"GET /ISAPI/Security/sessionLogin/capabilities"): (
            b"HTTP/1.1 200 OK\r\nContent-Type: application/xml\r\nContent-Length: "
            + str(len(cap)).encode() + b"\r\n\r\n" + cap),
        (ip, 80, b"GET /favicon.ico "): (b"HTTP/1.1 200 OK\r\nContent-Length: 16\r\n\r\n"
                                         + FAVICON),
        (ip, 80, b"GET "): b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n",
        # ExoPlayer#9800: Public list and "Date:  " with two spaces; realm IP Camera(C1214)
        (ip, 554, b"OPTIONS "): (
            b"RTSP/1.0 200 OK\r\nCSeq: 1\r\nPublic: OPTIONS, DESCRIBE, PLAY, PAUSE, SETUP, "
            b"TEARDOWN, SET_PARAMETER, GET_PARAMETER\r\n"
            b"Date:  Tue, Dec 21 2021 12:08:36 GMT\r\n\r\n"),
        (ip, 554, b"DESCRIBE "): (
            b"RTSP/1.0 401 Unauthorized\r\nCSeq: 2\r\n"
            b"WWW-Authenticate: Digest realm=\"IP Camera(C1214)\"\r\n\r\n"),
        # Recog telnet_banners.xml
        (ip, 23, b""): b"192.0.0.64 login: ",
        # nmap-service-probes 1821 (NULL probe): Hikvision IPCam control port
        (ip, 8000, b""): b"\0\0\0\x10\0\0\0\x1e\0\0\0\x1e\0\0\0\0",
    }


def _dahua(ip: str) -> dict[Route, Reply]:
    body = b"\xef\xbb\xbf<!DOCTYPE html><html><head><title>WEB SERVICE</title></head></html>"
    return {
        # Plum-Island#204 / nmap 10444: upper-case CONNECTION/CONTENT-LENGTH, P3P, BOM body;
        # title WEB SERVICE (nuclei dahua-web-panel.yaml)
        (ip, 80, b"GET / "): (b"HTTP/1.1 200 OK\r\nCONNECTION: close\r\nCONTENT-LENGTH: "
                              + str(len(body)).encode() + b"\r\nCACHE-CONTROL: max-age=0\r\n"
                              b"CONTENT-TYPE: text/html\r\nP3P: CP=CAO PSA OUR\r\n\r\n" + body),
        # rroller/dahua#583: Basic realm="Device_CGI"
        (ip, 80, b"GET /cgi-bin/magicBox.cgi"): (
            b"HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Basic realm=\"Device_CGI\"\r\n"
            b"CONTENT-LENGTH: 0\r\n\r\n"),
        (ip, 80, b"GET "): b"HTTP/1.1 404 Not Found\r\nCONTENT-LENGTH: 0\r\n\r\n",
        # nmap 11572 and 12373: Server: Dahua Rtsp Server, Basic realm="device"
        (ip, 554, b"OPTIONS "): (b"RTSP/1.0 405 Method Not Allowed\r\nCSeq: 1\r\n"
                                 b"Server: Dahua Rtsp Server\r\n\r\n"),
        (ip, 554, b"DESCRIBE "): (b"RTSP/1.0 401 Unauthorized\r\nCSeq: 2\r\n"
                                  b"WWW-Authenticate: Basic realm=\"device\"\r\n"
                                  b"Server: Dahua Rtsp Server\r\n\r\n"),
    }


@pytest.fixture
def hik_ip() -> str:
    return HIK_IP


@pytest.fixture
def dahua_ip() -> str:
    return DAHUA_IP


@pytest.fixture
def favicon_bytes() -> bytes:
    return FAVICON


@pytest.fixture
def camera_routes() -> dict[Route, Reply]:
    """Canned Hikvision replies on HIK_IP and Dahua replies on DAHUA_IP."""
    return {**_hikvision(HIK_IP), **_dahua(DAHUA_IP)}


@pytest.fixture
def camera_ports() -> dict[str, set[int]]:
    return {HIK_IP: {23, 80, 554, 8000}, DAHUA_IP: {80, 554, 37777}}


MakeTransport = Callable[..., FakeTransport]


@pytest.fixture
def make_transport() -> MakeTransport:
    """``make_transport(table_or_handler, open_ports=..., default=...)`` -> FakeTransport."""

    def factory(answers: Mapping[Route, Reply] | Handler | None = None, *,
                open_ports: Mapping[str, Iterable[int]] | None = None,
                default: Reply = None) -> FakeTransport:
        if answers is None:
            answers = {}
        handler = answers if callable(answers) else routes(answers, default)
        return FakeTransport(handler, open_ports=open_ports)

    return factory
