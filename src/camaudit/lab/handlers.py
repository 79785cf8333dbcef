"""Connection handlers of the lab: HTTP(S), RTSP, DVRIP, banner/silent ports and hostile
behaviours.

Each accepted connection is served by ``handle()``, which never raises for anything a client
sends: reads are bounded in size and time, garbage closes the connection. Every request is
logged as one JSON line ``{"ip", "port", "proto", "method", "path"}``:

* ``http``/``https``/``rtsp`` with the request's method and target (an ONVIF POST's body is
  read, never logged: lab/onvif.py);
* ``dvrip`` with the message id as method and an empty path (lab/dvrip_service.py);
* ``tcp CONNECT ""`` for a connection that sent nothing (a port scan, a banner grab);
* ``tcp DATA <hex of the first 64 bytes>`` for bytes sent to a banner or silent port, or to a
  hostile port that did not get a parseable request;
* ``tls HANDSHAKE ""`` for a TLS handshake followed by no request (certificate grab), and
  ``tls HANDSHAKE_FAILED ""`` for bytes on a TLS port that were not a valid handshake.
"""

from __future__ import annotations

import asyncio
import json
import ssl
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from camaudit.lab import onvif
from camaudit.lab.auth import Guard
from camaudit.lab.dvrip_service import DvripSession, read_message
from camaudit.lab.profiles import Reply, Service
from camaudit.lab.render import (
    MAX_HEAD,
    build_reply,
    garbage,
    parse_head,
    request_values,
)
from camaudit.lab.specs import OnvifSpec

MAX_DISCARD = 1 << 20  # bytes read and thrown away per connection on banner/silent/slow ports
MAX_RTSP_BODY = 64 * 1024
STREAM_CAP = 256 << 20  # endless replies stop here even if the client keeps reading


@dataclass(frozen=True, slots=True)
class Timeouts:
    """Seconds: ``head`` to receive a request head, ``idle`` between RTSP requests and on
    banner/silent ports, ``hold`` the slow profile's silence, ``tls`` the handshake, ``stream``
    the longest endless reply, ``write`` to hand a reply to a client that does not read."""

    head: float = 5.0
    idle: float = 30.0
    hold: float = 30.0
    tls: float = 5.0
    stream: float = 60.0
    write: float = 10.0


class RequestLog:
    """Appends one JSON line per request to a file (flushed per line); no file, no log."""

    def __init__(self, path: Path | None) -> None:
        self._file: TextIO | None = None
        if path is not None:
            self._file = path.open("a", encoding="utf-8")

    def write(self, ip: str, port: int, proto: str, method: str, path: str) -> None:
        if self._file is None:
            return
        record = {"ip": ip, "port": port, "proto": proto, "method": method, "path": path}
        self._file.write(json.dumps(record) + "\n")
        self._file.flush()

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None


@dataclass(frozen=True, slots=True)
class Endpoint:
    """One listening port of one device, with everything its handler needs."""

    ip: str
    service: Service
    values: Mapping[str, str]
    tls: ssl.SSLContext | None
    log: RequestLog
    timeouts: Timeouts
    guard: Guard = field(default_factory=Guard)  # Digest nonces of this port (lab/auth.py)
    onvif: OnvifSpec | None = None  # this port answers the ONVIF services (lab/onvif.py)

    def record(self, proto: str, method: str, path: str) -> None:
        self.log.write(self.ip, self.service.port, proto, method, path)


class Conn:
    """A stream pair with bounded reads that keep bytes read past a request head."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader = reader
        self.writer = writer
        self.pending = b""

    async def head(self, timeout: float) -> bytes:
        """A request head with its blank line, or what arrived before EOF/timeout/size limit."""
        buf = bytearray(self.pending)
        self.pending = b""
        try:
            async with asyncio.timeout(timeout):
                while b"\r\n\r\n" not in buf and len(buf) < MAX_HEAD:
                    chunk = await self.reader.read(4096)
                    if not chunk:
                        break
                    buf += chunk
        except TimeoutError:
            pass
        end = buf.find(b"\r\n\r\n")
        if end < 0:
            return bytes(buf)
        self.pending = bytes(buf[end + 4:])
        return bytes(buf[:end + 4])

    async def first(self, timeout: float) -> bytes:
        """The first bytes the client sends (at most 4 KiB); empty on EOF or timeout."""
        if self.pending:
            data, self.pending = self.pending, b""
            return data
        try:
            async with asyncio.timeout(timeout):
                return await self.reader.read(4096)
        except TimeoutError:
            return b""

    async def skip(self, count: int, timeout: float) -> bool:
        """Consume ``count`` body bytes; False on EOF or timeout."""
        take = min(count, len(self.pending))
        self.pending = self.pending[take:]
        count -= take
        try:
            async with asyncio.timeout(timeout):
                while count > 0:
                    chunk = await self.reader.read(min(count, 65536))
                    if not chunk:
                        return False
                    count -= len(chunk)
        except TimeoutError:
            return False
        return True

    async def discard(self, timeout: float) -> None:
        """Read and drop bytes until EOF, timeout or ``MAX_DISCARD`` bytes."""
        seen = 0
        try:
            async with asyncio.timeout(timeout):
                while seen < MAX_DISCARD:
                    chunk = await self.reader.read(65536)
                    if not chunk:
                        return
                    seen += len(chunk)
        except TimeoutError:
            return

    async def send(self, data: bytes, timeout: float) -> None:
        self.writer.write(data)
        async with asyncio.timeout(timeout):
            await self.writer.drain()


def _log_raw(ep: Endpoint, data: bytes) -> None:
    """Log what a client sent to a port that is not answering it as HTTP/RTSP."""
    if not data:
        ep.record("tcp", "CONNECT", "")
        return
    req = parse_head(data)
    if req.valid and ep.service.kind in ("http", "rtsp"):
        ep.record(ep.service.kind, req.method, req.target)
    else:
        ep.record("tcp", "DATA", data[:64].hex())


async def handle(ep: Endpoint, conn: Conn) -> None:
    """Serve one connection according to the service's kind and behaviour."""
    behaviour = ep.service.behaviour
    if behaviour == "slow":
        await _slow(ep, conn)
    elif behaviour == "garbage":
        await conn.send(garbage(f"{ep.ip}:{ep.service.port}"), ep.timeouts.write)
        _log_raw(ep, await conn.first(ep.timeouts.head))
    elif ep.service.kind in ("http", "https"):
        await _http(ep, conn)
    elif ep.service.kind == "rtsp":
        await _rtsp(ep, conn)
    elif ep.service.kind == "dvrip":
        await _dvrip(ep, conn)
    else:
        await _raw(ep, conn)


async def _slow(ep: Endpoint, conn: Conn) -> None:
    """Accept, read, answer nothing for ``hold`` seconds, close."""
    start = time.monotonic()
    data = await conn.head(ep.timeouts.hold)
    _log_raw(ep, data)
    if not conn.reader.at_eof():
        await conn.discard(max(0.0, ep.timeouts.hold - (time.monotonic() - start)))


async def _raw(ep: Endpoint, conn: Conn) -> None:
    """Banner ports send their banner on connect; silent ports send nothing."""
    if ep.service.banner:
        await conn.send(ep.service.banner, ep.timeouts.write)
    chunk = await conn.first(ep.timeouts.idle)
    _log_raw(ep, chunk)
    if chunk:
        await conn.discard(ep.timeouts.idle)


async def _tls(ep: Endpoint, conn: Conn) -> bool:
    if ep.tls is None:
        return False
    # The stream protocol decided at connect time that it is not over TLS; tell it before the
    # handshake, or asyncio warns on every client EOF ("returning true from eof_received()...").
    protocol = conn.writer.transport.get_protocol()
    if hasattr(protocol, "_over_ssl"):
        protocol._over_ssl = True
    try:
        await conn.writer.start_tls(ep.tls, ssl_handshake_timeout=ep.timeouts.tls)
    except ssl.SSLError:
        ep.record("tls", "HANDSHAKE_FAILED", "")
        return False
    except (OSError, TimeoutError):
        ep.record("tcp", "CONNECT", "")
        return False
    return True


async def _http(ep: Endpoint, conn: Conn) -> None:
    https = ep.service.kind == "https"
    if https and not await _tls(ep, conn):
        return
    data = await conn.head(ep.timeouts.head)
    if not data:
        if https:
            ep.record("tls", "HANDSHAKE", "")
        else:
            ep.record("tcp", "CONNECT", "")
        return
    req = parse_head(data)
    ep.record(ep.service.kind, req.method, req.target)
    if not req.valid or not data.endswith(b"\r\n\r\n"):
        return
    if ep.onvif is not None and req.method == "POST" and req.path in onvif.PATHS:
        await _onvif(ep, conn, req.path, req.header("Content-Length"))
        return
    reply = ep.service.reply_for(req.target)
    if reply is None:
        return
    values = {**ep.values, **request_values()}
    auth = ep.service.auth_for(req.target)
    if auth is not None:
        auth = auth.for_device(ep.values)
        ok, stale = ep.guard.check(auth, req.method, req.target, req.header("Authorization"))
        if not ok and not stale and req.header("Authorization"):
            ep.record(ep.service.kind, "REFUSED", req.target)  # a failed login, for tests
        if not ok:
            values["challenge"] = ep.guard.challenge(auth, stale=stale)
            refusal = ep.service.unauthorized_for(req.target) or _challenge(
                reply.version, values["challenge"])
            await conn.send(_reply_bytes(refusal, values, req.method == "HEAD"),
                            ep.timeouts.write)
            return
    if not ep.service.allows(req.target, req.method):
        reply = Reply(405, "Method Not Allowed", reply.version,
                      ("Content-Length: {content_length}", "Connection: close"), b"", False)
    if ep.service.behaviour in ("endless_body", "endless_header"):
        await _endless(ep, conn, reply, values)
        return
    await conn.send(_reply_bytes(reply, values, req.method == "HEAD"), ep.timeouts.write)


async def _rtsp(ep: Endpoint, conn: Conn) -> None:
    """RTSP keeps the connection for more requests until the client closes or goes idle."""
    seen = False
    while True:
        data = await conn.head(ep.timeouts.idle)
        if not data:
            if not seen:
                ep.record("tcp", "CONNECT", "")
            return
        seen = True
        req = parse_head(data)
        ep.record("rtsp", req.method, req.target)
        if not req.valid or not data.endswith(b"\r\n\r\n"):
            return
        length = (req.header("Content-Length") or "0").strip()
        if not (length.isascii() and length.isdigit()) or int(length) > MAX_RTSP_BODY:
            return
        if not await conn.skip(int(length), ep.timeouts.head):
            return
        reply = ep.service.reply_to(req.method)
        if reply is None:
            return
        values = {**ep.values, **request_values(cseq=req.header("CSeq") or "")}
        if ep.service.behaviour in ("endless_body", "endless_header"):
            await _endless(ep, conn, reply, values)
            return
        await conn.send(_reply_bytes(reply, values, False), ep.timeouts.write)


async def _onvif(ep: Endpoint, conn: Conn, path: str, length_header: str | None) -> None:
    """Read the SOAP body (at most ``onvif.MAX_BODY`` bytes) and answer it."""
    length = (length_header or "").strip()
    if not (length.isascii() and length.isdigit()) or int(length) > onvif.MAX_BODY:
        return
    body = bytearray(conn.pending[:int(length)])
    conn.pending = b""
    try:
        async with asyncio.timeout(ep.timeouts.head):
            while len(body) < int(length):
                chunk = await conn.reader.read(int(length) - len(body))
                if not chunk:
                    return
                body += chunk
    except TimeoutError:
        return
    answer = onvif.answer(ep.onvif, path, bytes(body), ep.values)
    if answer.status == 400 and b"UsernameToken" in body:
        ep.record("onvif", "REFUSED", path)  # a token was sent and refused: a failed login
    await conn.send(build_reply(answer.status, answer.reason, "HTTP/1.1",
                                ("Content-Type: application/soap+xml; charset=utf-8",
                                 "Content-Length: {content_length}", "Connection: close"),
                                answer.body, {}, template_body=False), ep.timeouts.write)


async def _dvrip(ep: Endpoint, conn: Conn) -> None:
    """DVRIP messages until the client closes, goes idle or fails to log in."""
    assert ep.service.dvrip is not None
    session = DvripSession(ep.service.dvrip, ep.values)
    seen = False
    while True:
        message, raw = await read_message(conn.reader, ep.timeouts.idle)
        if message is None:
            if raw or not seen:
                _log_raw(ep, raw)
            return
        seen = True
        ep.record("dvrip", str(message.message_id), "")
        reply, close = session.receive(message)
        if close and message.message_id == 1000:
            ep.record("dvrip", "REFUSED", "")  # a refused login
        if reply:
            await conn.send(reply, ep.timeouts.write)
        if close:
            return


def _challenge(version: str, www_authenticate: str) -> Reply:
    """The 401 a protected route sends without valid credentials (no body, no templates)."""
    return Reply(401, "Unauthorized", version,
                 ("Date: {date_http}", f"WWW-Authenticate: {www_authenticate}",
                  "Content-Type: text/html", "Content-Length: {content_length}",
                  "Connection: close"), b"", False)


def _reply_bytes(reply: Reply, values: Mapping[str, str], head_only: bool) -> bytes:
    return build_reply(reply.status, reply.reason, reply.version, reply.headers, reply.body,
                       values, template_body=reply.template_body, head_only=head_only)


async def _endless(ep: Endpoint, conn: Conn, reply: Reply, values: Mapping[str, str]) -> None:
    """The reply's head, then an endless body or an endless last header line."""
    head = _reply_bytes(reply, values, True)
    if ep.service.behaviour == "endless_header":
        head = head[:-2] + b"X-Fill: "
        chunk = b"A" * 65536
    else:
        chunk = b"<p>0123456789abcdef</p>\n" * 2730
    sent = 0
    try:
        async with asyncio.timeout(ep.timeouts.stream):
            await conn.send(head, ep.timeouts.write)
            while sent < STREAM_CAP and not conn.writer.is_closing():
                conn.writer.write(chunk)
                await conn.writer.drain()
                sent += len(chunk)
    except TimeoutError:
        return
