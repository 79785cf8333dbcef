"""A transport that answers from a function and records every call (httpx ``MockTransport``).

    def handler(call: Call) -> Reply:
        if call.port == 80 and call.payload and call.payload.startswith(b"GET / "):
            return b"HTTP/1.0 200 OK\\r\\nServer: Hikvision-Webs\\r\\n\\r\\n"
        return Exchange(error="connection refused", connected=False)

    transport = FakeTransport(handler, open_ports={"127.0.0.1": {80}})

A handler returns an ``Exchange``, bytes (a reply that connected), ``None`` (connected, silent)
or ``HANG`` (never answer: the caller's timeout or cancellation ends it); it may also raise, to
test that a failure is contained. ``routes()`` builds a handler from a table keyed by
(ip, port, payload prefix). ``max_bytes`` and ``complete`` are applied to canned bytes as the real
transport would.
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Final

from camaudit.net.transport import MAX_TURNS, Answer, Complete, Exchange


class _Hang:
    def __repr__(self) -> str:
        return "HANG"


HANG: Final = _Hang()

Reply = Exchange | bytes | None | _Hang


@dataclass(frozen=True, slots=True)
class Call:
    """One recorded transport call. ``kind`` is "connect", "exchange" or "datagram" (each turn
    of a ``converse`` is recorded as an "exchange")."""

    kind: str
    ip: str
    port: int
    payload: bytes | None = None
    tls: bool = False
    timeout: float = 0.0
    max_bytes: int = 0
    read_banner: float = 0.0


Handler = Callable[[Call], Reply]


def _silent(call: Call) -> Reply:
    return None


def _cut(data: bytes, max_bytes: int, complete: Complete | None) -> bytes:
    """What a reader stopping at ``complete`` or ``max_bytes`` keeps of ``data``.

    Every prefix is tried up to 8 KiB, then 1 KiB steps (as reads arrive in chunks), so that
    oversized canned replies stay cheap.
    """
    data = data[:max_bytes]
    if complete is None:
        return data
    n = len(data)
    ends = itertools.chain(range(1, min(n, 8192) + 1), range(9216, n, 1024), [n])
    for end in ends:
        if complete(data[:end]):
            return data[:end]
    return data


class FakeTransport:
    """Transport double: ``handler`` answers, ``calls`` records, ``open_ports`` drives connects.

    With ``open_ports`` given, ``connect`` is true only for listed (ip, port) pairs and an
    ``exchange`` to any other port is refused without asking the handler. Without it, every port
    is open and the handler alone decides.
    """

    def __init__(self, handler: Handler = _silent, *,
                 open_ports: Mapping[str, Iterable[int]] | None = None) -> None:
        self.handler = handler
        self.open_ports = (None if open_ports is None
                           else {ip: frozenset(ports) for ip, ports in open_ports.items()})
        self.calls: list[Call] = []
        self.in_flight = 0
        self.max_in_flight = 0

    def _is_open(self, ip: str, port: int) -> bool:
        return self.open_ports is None or port in self.open_ports.get(ip, frozenset())

    async def _enter(self) -> None:
        self.in_flight += 1
        self.max_in_flight = max(self.max_in_flight, self.in_flight)
        await asyncio.sleep(0)

    async def connect(self, ip: str, port: int, timeout: float) -> bool:
        self.calls.append(Call("connect", ip, port, timeout=timeout))
        await self._enter()
        try:
            return self._is_open(ip, port)
        finally:
            self.in_flight -= 1

    async def exchange(self, ip: str, port: int, payload: bytes | None, *, tls: bool = False,
                       timeout: float, max_bytes: int, complete: Complete | None = None,
                       read_banner: float = 0.0) -> Exchange:
        call = Call("exchange", ip, port, payload, tls, timeout, max_bytes, read_banner)
        self.calls.append(call)
        await self._enter()
        try:
            if not self._is_open(ip, port):
                return Exchange(error="connection refused", connected=False)
            reply = self.handler(call)
            if isinstance(reply, _Hang):
                await asyncio.Event().wait()
                return Exchange(error="unreachable", connected=False)
            if reply is None:
                return Exchange()
            if isinstance(reply, bytes):
                return Exchange(data=_cut(reply, max_bytes, complete))
            return reply
        finally:
            self.in_flight -= 1

    async def datagram(self, ip: str, port: int, payload: bytes, *, timeout: float,
                       max_bytes: int) -> Exchange:
        """UDP: the handler answers a ``Call`` of kind "datagram" (None or HANG: no reply)."""
        call = Call("datagram", ip, port, payload, False, timeout, max_bytes)
        self.calls.append(call)
        await self._enter()
        try:
            reply = self.handler(call)
            if isinstance(reply, bytes):
                return Exchange(data=reply[:max_bytes])
            if isinstance(reply, Exchange):
                return reply
            return Exchange(error=f"timeout after {timeout}s")
        finally:
            self.in_flight -= 1

    async def converse(self, ip: str, port: int, payload: bytes, answer: Answer, *,
                       timeout: float, max_bytes: int, complete: Complete) -> Exchange:
        """Each turn is one handler call, as ``exchange``; the replies are joined."""
        data = b""
        request: bytes | None = payload
        for _ in range(MAX_TURNS):
            if request is None or len(data) >= max_bytes:
                break
            ex = await self.exchange(ip, port, request, timeout=timeout,
                                     max_bytes=max_bytes - len(data), complete=complete)
            data += ex.data
            if ex.error is not None or not ex.connected:
                return Exchange(data=data, error=ex.error, connected=ex.connected and bool(data))
            if not ex.data:
                break
            request = answer(ex.data)
        return Exchange(data=data)

    def exchanges(self, ip: str | None = None, port: int | None = None) -> list[Call]:
        """Recorded exchange calls, optionally for one ip and/or port."""
        return [c for c in self.calls if c.kind == "exchange"
                and (ip is None or c.ip == ip) and (port is None or c.port == port)]

    def payloads(self, ip: str | None = None, port: int | None = None) -> list[bytes]:
        """Payloads sent (banner reads send none and are left out)."""
        return [c.payload for c in self.exchanges(ip, port) if c.payload is not None]


def routes(table: Mapping[tuple[str, int, bytes], Reply], default: Reply = None) -> Handler:
    """A handler answering from ``(ip, port, payload prefix) -> reply``; longest prefix wins.

    A prefix of ``b""`` matches any payload, including the ``None`` of a banner read.
    """
    def handler(call: Call) -> Reply:
        payload = call.payload or b""
        best: tuple[int, Reply] | None = None
        for (ip, port, prefix), reply in table.items():
            if ip == call.ip and port == call.port and payload.startswith(prefix):
                if best is None or len(prefix) > best[0]:
                    best = (len(prefix), reply)
        return default if best is None else best[1]

    return handler
