"""The one seam between probes and sockets (the httpx ``BaseTransport`` idea).

Probes never open sockets: they hand a payload to a ``Transport`` and parse the bytes that come
back with the sans-I/O codecs in ``camaudit.wire``. ``AsyncioTransport`` is the real network;
``camaudit.net.fake.FakeTransport`` answers from a function and records every call.

One ``exchange`` is one TCP connection:

    connect (+ TLS handshake, no verification)      bounded by ``timeout``
    read unprompted bytes for ``read_banner`` s     optional; ends early on ``complete``/EOF
    send ``payload`` and read the reply             bounded by ``timeout``; ends on
                                                    ``complete(reply)``, EOF or ``max_bytes``

``Exchange.data`` is the banner bytes followed by the reply bytes, at most ``max_bytes``.

Two more shapes, for depth (``camaudit.depth``):

    datagram    one UDP datagram to ip:port, the first datagram back from it (a vendor's
                discovery search sent to one routed host)
    converse    one TCP connection, several request/reply turns: ``answer(reply)`` gives the
                next request or None (a login, then a question in the login's session)

Network failures never raise: they come back as ``Exchange.error`` ("timeout after 2.0s",
"connection refused", "tls handshake failed: ..."), with whatever bytes arrived before.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import ssl
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

Complete = Callable[[bytes], bool]
Answer = Callable[[bytes], "bytes | None"]  # a reply -> the next request, or None to stop
MAX_TURNS = 4

_CHUNK = 65536


@dataclass(frozen=True, slots=True)
class Exchange:
    """What one connection gave: bytes read, the peer certificate (TLS) and any error."""

    data: bytes = b""
    peer_cert_der: bytes | None = None
    error: str | None = None
    connected: bool = True


class Transport(Protocol):
    async def exchange(self, ip: str, port: int, payload: bytes | None, *, tls: bool = False,
                       timeout: float, max_bytes: int, complete: Complete | None = None,
                       read_banner: float = 0.0) -> Exchange:
        """One connection: optional banner read, optional request, bounded reply read."""
        ...

    async def connect(self, ip: str, port: int, timeout: float) -> bool:
        """True when a TCP connection to ``ip:port`` opens within ``timeout``."""
        ...

    async def datagram(self, ip: str, port: int, payload: bytes, *, timeout: float,
                       max_bytes: int) -> Exchange:
        """One UDP datagram to ``ip:port``; the first datagram it sends back, if any."""
        ...

    async def converse(self, ip: str, port: int, payload: bytes, answer: Answer, *,
                       timeout: float, max_bytes: int, complete: Complete) -> Exchange:
        """Send ``payload``, read a reply (until ``complete``), send ``answer(reply)``, and so
        on for at most ``MAX_TURNS`` turns; ``data`` is every reply, one after the other."""
        ...


def describe_error(exc: BaseException, timeout: float) -> str:
    """One-line text for a network failure, as reports show it."""
    if isinstance(exc, TimeoutError):
        return f"timeout after {timeout}s"
    if isinstance(exc, ConnectionRefusedError):
        return "connection refused"
    if isinstance(exc, ConnectionResetError):
        return "connection reset"
    if isinstance(exc, ssl.SSLError):
        return f"tls handshake failed: {getattr(exc, 'reason', None) or exc}"
    if isinstance(exc, OSError):
        if exc.errno in (errno.EHOSTUNREACH, errno.ENETUNREACH):
            return "host unreachable"
        return f"network error: {exc.strerror or exc}"
    return f"{type(exc).__name__}: {exc}"


def audit_tls_context() -> ssl.SSLContext:
    """A client context that completes handshakes with anything: we audit, we do not trust.

    Certificates are not verified (they are evidence, read with ``getpeercert(binary_form=True)``)
    and old protocol versions and ciphers are allowed, since camera firmware is often old.
    """
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    ctx.minimum_version = ssl.TLSVersion.MINIMUM_SUPPORTED
    with contextlib.suppress(ssl.SSLError):
        ctx.set_ciphers("ALL:@SECLEVEL=0")
    return ctx


async def _read_until(reader: asyncio.StreamReader, buf: bytearray, max_bytes: int,
                      complete: Complete | None, start: int = 0) -> bool:
    """Append to ``buf`` until ``complete(buf[start:])``, EOF or ``max_bytes``; True on EOF."""
    while len(buf) < max_bytes:
        if complete is not None and len(buf) > start and complete(bytes(buf[start:])):
            return False
        chunk = await reader.read(min(_CHUNK, max_bytes - len(buf)))
        if not chunk:
            return True
        buf.extend(chunk)
    return False


class AsyncioTransport:
    """The real network, through ``asyncio.open_connection``."""

    def __init__(self) -> None:
        self._tls = audit_tls_context()

    async def connect(self, ip: str, port: int, timeout: float) -> bool:
        try:
            _, writer = await asyncio.wait_for(asyncio.open_connection(ip, port), timeout)
        except (OSError, TimeoutError):
            return False
        await _close(writer)
        return True

    async def exchange(self, ip: str, port: int, payload: bytes | None, *, tls: bool = False,
                       timeout: float, max_bytes: int, complete: Complete | None = None,
                       read_banner: float = 0.0) -> Exchange:
        try:
            reader, writer = await asyncio.wait_for(
                asyncio.open_connection(ip, port, ssl=self._tls if tls else None), timeout)
        except (OSError, TimeoutError) as exc:
            return Exchange(error=describe_error(exc, timeout), connected=False)
        cert: bytes | None = None
        if tls:
            sslobj = writer.get_extra_info("ssl_object")
            if isinstance(sslobj, ssl.SSLObject):
                cert = sslobj.getpeercert(binary_form=True)
        buf = bytearray()
        error: str | None = None
        try:
            closed = False
            if read_banner > 0:
                with contextlib.suppress(TimeoutError):
                    closed = await asyncio.wait_for(
                        _read_until(reader, buf, max_bytes, complete), read_banner)
            if payload is not None and not closed and len(buf) < max_bytes:
                writer.write(payload)
                await asyncio.wait_for(writer.drain(), timeout)
                await asyncio.wait_for(
                    _read_until(reader, buf, max_bytes, complete, len(buf)), timeout)
        except (OSError, TimeoutError) as exc:
            error = describe_error(exc, timeout)
        finally:
            await _close(writer)
        return Exchange(data=bytes(buf[:max_bytes]), peer_cert_der=cert, error=error)

    async def datagram(self, ip: str, port: int, payload: bytes, *, timeout: float,
                       max_bytes: int) -> Exchange:
        loop = asyncio.get_running_loop()
        got: asyncio.Future[bytes] = loop.create_future()
        try:
            transport, _ = await loop.create_datagram_endpoint(
                lambda: _FirstDatagram(got), remote_addr=(ip, port))
        except OSError as exc:
            return Exchange(error=describe_error(exc, timeout), connected=False)
        try:
            transport.sendto(payload)
            data = await asyncio.wait_for(got, timeout)
            return Exchange(data=data[:max_bytes])
        except (OSError, TimeoutError) as exc:
            return Exchange(error=describe_error(exc, timeout))
        finally:
            transport.close()

    async def converse(self, ip: str, port: int, payload: bytes, answer: Answer, *,
                       timeout: float, max_bytes: int, complete: Complete) -> Exchange:
        try:
            reader, writer = await asyncio.wait_for(asyncio.open_connection(ip, port), timeout)
        except (OSError, TimeoutError) as exc:
            return Exchange(error=describe_error(exc, timeout), connected=False)
        buf = bytearray()
        error: str | None = None
        request: bytes | None = payload
        try:
            for _ in range(MAX_TURNS):
                if request is None or len(buf) >= max_bytes:
                    break
                start = len(buf)
                writer.write(request)
                await asyncio.wait_for(writer.drain(), timeout)
                closed = await asyncio.wait_for(
                    _read_until(reader, buf, max_bytes, complete, start), timeout)
                request = answer(bytes(buf[start:])) if not closed else None
        except (OSError, TimeoutError) as exc:
            error = describe_error(exc, timeout)
        finally:
            await _close(writer)
        return Exchange(data=bytes(buf[:max_bytes]), error=error)


class _FirstDatagram(asyncio.DatagramProtocol):
    def __init__(self, got: asyncio.Future[bytes]) -> None:
        self.got = got

    def datagram_received(self, data: bytes, addr: tuple[str | object, int]) -> None:
        if not self.got.done():
            self.got.set_result(data)

    def error_received(self, exc: Exception) -> None:
        if not self.got.done():
            self.got.set_exception(exc)


async def _close(writer: asyncio.StreamWriter) -> None:
    writer.close()
    with contextlib.suppress(OSError, TimeoutError):
        await asyncio.wait_for(writer.wait_closed(), 1.0)


class BudgetTransport:
    """Wraps a transport for ONE host: once ``budget`` bytes have been read from it, further
    exchanges are not made and come back as errors, so a host that answers every request with
    the most it may send costs bounded time and memory, whatever it does."""

    def __init__(self, inner: Transport, budget: int) -> None:
        self.inner = inner
        self.budget = budget
        self.spent = 0

    async def connect(self, ip: str, port: int, timeout: float) -> bool:
        return await self.inner.connect(ip, port, timeout)

    async def exchange(self, ip: str, port: int, payload: bytes | None, *, tls: bool = False,
                       timeout: float, max_bytes: int, complete: Complete | None = None,
                       read_banner: float = 0.0) -> Exchange:
        left = self.budget - self.spent
        if left <= 0:
            return Exchange(error=f"host byte budget of {self.budget} bytes spent",
                            connected=False)
        ex = await self.inner.exchange(ip, port, payload, tls=tls, timeout=timeout,
                                       max_bytes=min(max_bytes, left), complete=complete,
                                       read_banner=read_banner)
        self.spent += len(ex.data)
        return ex

    async def datagram(self, ip: str, port: int, payload: bytes, *, timeout: float,
                       max_bytes: int) -> Exchange:
        left = self.budget - self.spent
        if left <= 0:
            return Exchange(error=f"host byte budget of {self.budget} bytes spent",
                            connected=False)
        ex = await self.inner.datagram(ip, port, payload, timeout=timeout,
                                       max_bytes=min(max_bytes, left))
        self.spent += len(ex.data)
        return ex

    async def converse(self, ip: str, port: int, payload: bytes, answer: Answer, *,
                       timeout: float, max_bytes: int, complete: Complete) -> Exchange:
        left = self.budget - self.spent
        if left <= 0:
            return Exchange(error=f"host byte budget of {self.budget} bytes spent",
                            connected=False)
        ex = await self.inner.converse(ip, port, payload, answer, timeout=timeout,
                                       max_bytes=min(max_bytes, left), complete=complete)
        self.spent += len(ex.data)
        return ex


class LimitedTransport:
    """Wraps a transport so that at most ``limit`` connections are open at once."""

    def __init__(self, inner: Transport, limit: int) -> None:
        if limit < 1:
            raise ValueError("concurrency limit must be at least 1")
        self.inner = inner
        self._sem = asyncio.Semaphore(limit)

    async def connect(self, ip: str, port: int, timeout: float) -> bool:
        async with self._sem:
            return await self.inner.connect(ip, port, timeout)

    async def exchange(self, ip: str, port: int, payload: bytes | None, *, tls: bool = False,
                       timeout: float, max_bytes: int, complete: Complete | None = None,
                       read_banner: float = 0.0) -> Exchange:
        async with self._sem:
            return await self.inner.exchange(ip, port, payload, tls=tls, timeout=timeout,
                                             max_bytes=max_bytes, complete=complete,
                                             read_banner=read_banner)

    async def datagram(self, ip: str, port: int, payload: bytes, *, timeout: float,
                       max_bytes: int) -> Exchange:
        async with self._sem:
            return await self.inner.datagram(ip, port, payload, timeout=timeout,
                                             max_bytes=max_bytes)

    async def converse(self, ip: str, port: int, payload: bytes, answer: Answer, *,
                       timeout: float, max_bytes: int, complete: Complete) -> Exchange:
        async with self._sem:
            return await self.inner.converse(ip, port, payload, answer, timeout=timeout,
                                             max_bytes=max_bytes, complete=complete)
