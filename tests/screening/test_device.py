from __future__ import annotations

import base64
import hashlib
import re
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from xml.etree.ElementTree import Element

import defusedxml.ElementTree as DET
import pytest

from camaudit.errors import UsageError
from camaudit.screening import device
from camaudit.screening.rules import DevicePath
from camaudit.screening.scan import Screener

USER, PASSWORD, REALM, NONCE = "operator", "s3cret-Pw!", "IP Camera(C0000)", "abc123"
# Synthetic capability documents: no real ethnicity field names of Hikvision ISAPI are known
# (facts §8 gap 7), so the advertising one uses the words of the facts' spec-sheet quote.
ANALYTICS = (b'<?xml version="1.0" encoding="UTF-8"?>\n<SmartCap xmlns="urn:test">'
             b'<FaceCaptureCap><faceAttribute><ageGroup opt="child,young,old"/>'
             b'<race opt="yellow,black,white"/><ethnicity opt="uygur,han"/></faceAttribute>'
             b'</FaceCaptureCap></SmartCap>')
PLAIN = (b'<?xml version="1.0" encoding="UTF-8"?>\n<SmartCap xmlns="urn:test">'
         b'<FaceCaptureCap><faceAttribute><ageGroup opt="child,young,old"/>'
         b'<glass opt="yes,no"/></faceAttribute></FaceCaptureCap></SmartCap>')
DAHUA = b"caps.FaceDetect.FeatureList[0]=Age\ncaps.FaceDetect.FeatureList[1]=emRace\n"
PATHS = [DevicePath("/ISAPI/Smart/capabilities", "Hikvision", "test"),
         DevicePath("/cgi-bin/configManager.cgi?action=getCaps&name=FaceDetect", "Dahua", "t"),
         DevicePath("/ISAPI/Intelligent/FDLib/capabilities", "Hikvision", "test")]


def _md5(text: str) -> str:
    return hashlib.md5(text.encode()).hexdigest()


class _Camera(BaseHTTPRequestHandler):
    documents: dict[str, bytes] = {}
    methods: list[str] = []
    # ONVIF: call name -> SOAP Body content of its reply; no entry: fault ActionNotSupported;
    # empty: no ONVIF at all (404). onvif_auth "wsse" checks the UsernameToken digest, "digest"
    # ignores it and wants HTTP Digest. Each POST is recorded as (path, call).
    onvif: dict[str, str] = {}
    onvif_auth = "wsse"
    posts: list[tuple[str, str]] = []
    strict_nc = False  # refuse a Digest nonce count already seen (replay), as the lab does
    last_nc = 0

    def log_message(self, format: str, *args: object) -> None:
        pass

    def _authorised(self) -> bool:
        header = self.headers.get("Authorization", "")
        fields = dict(re.findall(r'(\w+)="?([^",]*)"?', header))
        if not header.startswith("Digest ") or fields.get("username") != USER:
            return False
        ha1 = _md5(f"{USER}:{REALM}:{PASSWORD}")
        ha2 = _md5(f"{self.command}:{fields.get('uri', '')}")
        want = _md5(f"{ha1}:{NONCE}:{fields.get('nc')}:{fields.get('cnonce')}:auth:{ha2}")
        if fields.get("response") != want:
            return False
        nc = int(fields.get("nc") or "0", 16)
        if self.strict_nc and nc <= self.last_nc:
            return False
        type(self).last_nc = max(nc, self.last_nc)
        return True

    def _challenge(self) -> None:
        self.send_response(401)
        self.send_header("WWW-Authenticate",
                         f'Digest realm="{REALM}", nonce="{NONCE}", qop="auth"')
        self.send_header("Content-Length", "0")
        self.end_headers()

    def _reply(self, status: int, body: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", "application/soap+xml; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self) -> None:  # noqa: N802
        type(self).methods.append(self.command)
        data = self.rfile.read(min(int(self.headers.get("Content-Length") or 0), 1 << 16))
        root = DET.fromstring(data)
        body = next(e for e in root if e.tag == f"{{{SOAP}}}Body")
        call = body[0].tag.rsplit("}", 1)[-1]
        type(self).posts.append((self.path, call))
        if not self.onvif:
            self._reply(404, b"")
            return
        if self.onvif_auth == "digest" and not self._authorised():
            self._challenge()
            return
        if self.onvif_auth == "wsse" and not _token_valid(root):
            self._reply(400, soap_fault("Sender", "NotAuthorized"))
            return
        inner = self.onvif.get(call)
        if inner is None:
            self._reply(500, soap_fault("Receiver", "ActionNotSupported"))
            return
        self._reply(200, soap(f"<{call}Response>{inner}</{call}Response>").encode())

    def do_GET(self) -> None:  # noqa: N802
        type(self).methods.append(self.command)
        if not self._authorised():
            self._challenge()
            return
        body = self.documents.get(self.path)
        if body is not None and body.startswith(b"REDIRECT "):
            self.send_response(302)
            self.send_header("Location", body.split(b" ", 1)[1].decode())
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        if body is None:
            self.send_response(404)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


SOAP = "http://www.w3.org/2003/05/soap-envelope"
WSSE = ("http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd")
WSU = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd"


def soap(body: str) -> str:
    return (f'<?xml version="1.0" encoding="UTF-8"?><s:Envelope xmlns:s="{SOAP}" '
            'xmlns:tt="http://www.onvif.org/ver10/schema"><s:Body '
            'xmlns="urn:reply">' + body + "</s:Body></s:Envelope>")


def soap_fault(code: str, subcode: str) -> bytes:
    return soap(f"<s:Fault><s:Code><s:Value>s:{code}</s:Value><s:Subcode><s:Value "
                f'xmlns:ter="http://www.onvif.org/ver10/error">ter:{subcode}</s:Value>'
                "</s:Subcode></s:Code><s:Reason><s:Text xml:lang=\"en\">no</s:Text></s:Reason>"
                "</s:Fault>").encode()


def _token_valid(root: Element) -> bool:
    """The UsernameToken's PasswordDigest, recomputed from its nonce, created and PASSWORD."""
    token = root.find(f"{{{SOAP}}}Header/{{{WSSE}}}Security/{{{WSSE}}}UsernameToken")
    if token is None:
        return False
    nonce = base64.b64decode(token.findtext(f"{{{WSSE}}}Nonce") or "")
    created = token.findtext(f"{{{WSU}}}Created") or ""
    want = base64.b64encode(hashlib.sha1(nonce + created.encode() + PASSWORD.encode())
                            .digest()).decode()
    password = token.find(f"{{{WSSE}}}Password")
    return (token.findtext(f"{{{WSSE}}}Username") == USER and password is not None
            and password.get("Type", "").endswith("#PasswordDigest")
            and password.text == want and len(nonce) >= 16 and bool(created))


@contextmanager
def serve_camera() -> Iterator[tuple[str, type[_Camera]]]:
    """An HTTP server on 127.0.0.1 (free port) that wants Digest credentials."""
    handler = type("Cam", (_Camera,), {"documents": {}, "methods": [], "onvif": {},
                                       "posts": []})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", handler
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def camera() -> Iterator[tuple[str, type[_Camera]]]:
    with serve_camera() as cam:
        yield cam


def test_advertising_device_is_flagged_with_digest_credentials(
        camera: tuple[str, type[_Camera]]) -> None:
    url, handler = camera
    handler.documents = {PATHS[0].path: ANALYTICS, PATHS[1].path: DAHUA}
    docs, skipped = device.fetch(url, USER, PASSWORD, PATHS)
    assert [d.url for d in docs] == [url + PATHS[0].path, url + PATHS[1].path]
    assert [s.reason for s in skipped] == ["HTTP 404"]
    findings = device.screen_documents(Screener(workers=1), docs)
    got = {(f.path.removeprefix(url), f.rule, f.where) for f in findings}
    assert (PATHS[0].path, "ethnicity-face-attribute",
            "/SmartCap/FaceCaptureCap/faceAttribute/race") in got
    assert (PATHS[0].path, "uyghur-face-analytics",
            "/SmartCap/FaceCaptureCap/faceAttribute/ethnicity") in got
    assert (PATHS[1].path, "dahua-netsdk-race-field", None) in got
    assert set(handler.methods) == {"GET"}
    assert PASSWORD not in repr(findings) + repr(skipped) + repr(docs)


def test_plain_device_is_clean(camera: tuple[str, type[_Camera]]) -> None:
    url, handler = camera
    handler.documents = {PATHS[0].path: PLAIN}
    docs, _ = device.fetch(url, USER, PASSWORD, PATHS)
    assert len(docs) == 1
    assert device.screen_documents(Screener(workers=1), docs) == []


def test_wrong_password_is_reported_without_the_password(
        camera: tuple[str, type[_Camera]]) -> None:
    url, handler = camera
    handler.documents = {PATHS[0].path: ANALYTICS}
    docs, skipped = device.fetch(url, USER, "wrong-one", PATHS[:1])
    assert docs == [] and [s.reason for s in skipped] == ["credentials refused"]
    assert "wrong-one" not in repr(skipped)


def test_redirects_are_not_followed(camera: tuple[str, type[_Camera]]) -> None:
    url, handler = camera
    handler.documents = {PATHS[0].path: b"REDIRECT http://8.8.8.8/steal",
                         "/other": ANALYTICS}
    docs, skipped = device.fetch(url, USER, PASSWORD, PATHS[:1])
    assert docs == [] and [s.reason for s in skipped] == ["HTTP 302"]
    assert handler.methods == ["GET", "GET"]  # challenge, then the authorised GET


@pytest.mark.parametrize(("url", "message"), [
    ("http://8.8.8.8/", "not loopback, private or link-local"),
    ("http://admin:pw@127.0.0.1/", "must not carry credentials"),
    ("ftp://127.0.0.1/", "needs an http:// or https:// URL"),
])
def test_bad_urls_are_refused_before_any_request(url: str, message: str) -> None:
    with pytest.raises(UsageError, match=message) as err:
        device.check_url(url)
    assert "pw@" not in str(err.value)


def test_public_host_allowed_only_when_asked() -> None:
    assert device.check_url("http://8.8.8.8/", allow_public=True).hostname == "8.8.8.8"


def test_password_file(tmp_path: Path) -> None:
    (tmp_path / "pw").write_text("s3cret\nignored\n", encoding="utf-8")
    assert device.read_password(str(tmp_path / "pw")) == "s3cret"
    (tmp_path / "empty").write_text("", encoding="utf-8")
    with pytest.raises(UsageError, match="is empty"):
        device.read_password(str(tmp_path / "empty"))
    with pytest.raises(UsageError, match="cannot read password file"):
        device.read_password(str(tmp_path / "missing"))


# ---------------------------------------------------------------- hostile devices (issue 12)
@contextmanager
def serve_raw(reply: Callable[[socket.socket], None]) -> Iterator[str]:
    """A TCP server on 127.0.0.1 whose every connection gets ``reply(conn)``."""
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(16)
    stop = threading.Event()

    def loop() -> None:
        while not stop.is_set():
            try:
                conn, _ = srv.accept()
            except OSError:
                return
            threading.Thread(target=_handle, args=(conn,), daemon=True).start()

    def _handle(conn: socket.socket) -> None:
        with conn:
            try:
                conn.recv(65536)
                reply(conn)
            except OSError:
                pass

    threading.Thread(target=loop, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{srv.getsockname()[1]}"
    finally:
        stop.set()
        srv.close()


def _trickle(conn: socket.socket) -> None:
    conn.sendall(b"HTTP/1.1 200 OK\r\n")
    for _ in range(100):  # one header byte every 0.2 s: each read beats a 1 s timeout
        time.sleep(0.2)
        conn.sendall(b"X")


def test_a_trickling_device_is_cut_at_the_overall_deadline() -> None:
    with serve_raw(_trickle) as url:
        start = time.monotonic()
        with device.Deadline(1.5) as deadline:
            docs, skipped = device.fetch(url, USER, PASSWORD, PATHS, timeout=1.0,
                                         deadline=deadline)
        assert time.monotonic() - start < 3.0  # was: 20 s per path, without end
    assert docs == [] and len(skipped) == len(PATHS)
    assert any("deadline" in s.reason for s in skipped)


def _basic_only(conn: socket.socket) -> None:
    conn.sendall(b'HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Basic realm="cam"\r\n'
                 b"Content-Length: 0\r\nConnection: close\r\n\r\n")


def _sha256_only(conn: socket.socket) -> None:
    conn.sendall(b'HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Digest realm="cam", '
                 b'nonce="n", qop="auth", algorithm=SHA-256\r\n'
                 b"Content-Length: 0\r\nConnection: close\r\n\r\n")


def _error_500(conn: socket.socket) -> None:
    conn.sendall(b"HTTP/1.1 500 Oops\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")


def test_basic_over_plain_http_is_refused_unless_allowed() -> None:
    with serve_raw(_basic_only) as url:
        docs, skipped = device.fetch(url, USER, PASSWORD, PATHS[:1])
        assert docs == [] and skipped[0].reason == device.PLAIN_BASIC
        docs, skipped = device.fetch(url, USER, PASSWORD, PATHS[:1], allow_plain_basic=True)
        assert skipped[0].reason == "credentials refused"  # tried, and refused
    assert device.basic_allowed("https://10.0.0.1/", False)
    assert not device.basic_allowed("http://10.0.0.1/", False)


@pytest.mark.parametrize("reply", [_sha256_only, _error_500, _basic_only])
def test_a_device_that_serves_nothing_is_an_error_not_clean(
        reply: Callable[[socket.socket], None], tmp_path: Path) -> None:
    from camaudit.cli.screen import _device_report

    pw = tmp_path / "pw"
    pw.write_text(PASSWORD + "\n", encoding="utf-8")
    with serve_raw(reply) as url, pytest.raises(UsageError) as err:
        _device_report(Screener(workers=1), url, USER, pw, False, 2.0, 10.0)
    assert "no capability document could be fetched" in str(err.value)
    assert PASSWORD not in str(err.value) and "\n" not in str(err.value)


def test_credentials_in_a_device_url_never_reach_a_message() -> None:
    for url in ("ftp://admin:hunter2@127.0.0.1/", "http://admin:hunter2@127.0.0.1/",
                "http://admin:hunter2@no-such-host.invalid/"):
        with pytest.raises(UsageError) as err:
            device.check_url(url)
        assert "hunter2" not in str(err.value)


def test_wrong_password_costs_one_failed_login_in_the_whole_run(
        camera: tuple[str, type[_Camera]]) -> None:
    """urllib alone would answer each refusal five more times, path after path: a Dahua
    device locks the account after five failures. One digest handler per run stops it."""
    from camaudit.screening import onvif

    url, handler = camera
    handler.documents = {p.path: ANALYTICS for p in PATHS}
    handler.onvif, handler.onvif_auth = {"GetServices": ""}, "digest"
    digest = device.digest_handler(url, USER, "wrong-one")
    docs, skipped = device.fetch(url, USER, "wrong-one", PATHS, digest=digest)
    onvif_docs, onvif_skipped = onvif.fetch(url, USER, "wrong-one", digest=digest)
    assert docs == [] and onvif_docs == []
    assert [s.reason for s in skipped] == ["credentials refused"] + [device.NOT_SENT] * (
        len(PATHS) - 1)
    assert [s.reason for s in onvif_skipped] == [device.NOT_SENT]
    # one unsigned GET met the challenge, one signed GET was refused, nothing else was sent
    assert handler.methods == ["GET", "GET"] and handler.posts == []
