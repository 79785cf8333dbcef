"""``scan --rate``: at most N connections start per second, all hosts together.

Cameras and small NVRs slow down, drop connections or reboot when scanned hard; operators on
fragile or metered links ask for a ceiling. ``Pacer`` spaces connection starts evenly (the n-th
start is no earlier than the first + n / rate: no bursts, whatever ``--concurrency`` allows) and
``PacedTransport`` applies it in front of the real transport, inside the concurrency limit, so
the spacing holds for the connections that actually open.

Waiting for the rate is not the host's fault: ``watch`` ties a host's ``asyncio.timeout`` to the
pacer, which moves that deadline on by the time the host's connections spent waiting (the union
of their waits, not the sum, since they wait side by side). ``--host-timeout`` keeps its meaning,
seconds of the host's own work, at any rate.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable

from camaudit.net.transport import Answer, Complete, Exchange, Transport


class Pacer:
    """Even spacing of connection starts; ``clock`` and ``sleep`` are seams for tests."""

    def __init__(self, rate: float, clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], Awaitable[None]] = asyncio.sleep) -> None:
        if not rate > 0:
            raise ValueError("rate must be a positive number of connections per second")
        self.interval = 1.0 / rate
        self._clock = clock
        self._sleep = sleep
        self._next = float("-inf")
        self._hosts: dict[str, tuple[asyncio.Timeout, list[float]]] = {}

    def watch(self, ip: str, deadline: asyncio.Timeout) -> None:
        """Move ``deadline`` on by the time ``ip``'s connections wait here (until ``forget``)."""
        self._hosts[ip] = (deadline, [float("-inf")])

    def forget(self, ip: str) -> None:
        self._hosts.pop(ip, None)

    async def wait(self, ip: str) -> None:
        """Return when a connection to ``ip`` may start."""
        now = self._clock()
        start = max(now, self._next)
        self._next = start + self.interval
        if start <= now:
            return
        host = self._hosts.get(ip)
        if host is not None:
            deadline, covered = host
            extra = start - max(now, covered[0])
            when = deadline.when()
            if extra > 0 and when is not None:
                deadline.reschedule(when + extra)
            covered[0] = max(covered[0], start)
        await self._sleep(start - now)


class PacedTransport:
    """``inner`` with every connection started through ``pacer``."""

    def __init__(self, inner: Transport, pacer: Pacer) -> None:
        self.inner = inner
        self.pacer = pacer

    async def connect(self, ip: str, port: int, timeout: float) -> bool:
        await self.pacer.wait(ip)
        return await self.inner.connect(ip, port, timeout)

    async def exchange(self, ip: str, port: int, payload: bytes | None, *, tls: bool = False,
                       timeout: float, max_bytes: int, complete: Complete | None = None,
                       read_banner: float = 0.0) -> Exchange:
        await self.pacer.wait(ip)
        return await self.inner.exchange(ip, port, payload, tls=tls, timeout=timeout,
                                         max_bytes=max_bytes, complete=complete,
                                         read_banner=read_banner)

    async def datagram(self, ip: str, port: int, payload: bytes, *, timeout: float,
                       max_bytes: int) -> Exchange:
        await self.pacer.wait(ip)
        return await self.inner.datagram(ip, port, payload, timeout=timeout,
                                         max_bytes=max_bytes)

    async def converse(self, ip: str, port: int, payload: bytes, answer: Answer, *,
                       timeout: float, max_bytes: int, complete: Complete) -> Exchange:
        await self.pacer.wait(ip)
        return await self.inner.converse(ip, port, payload, answer, timeout=timeout,
                                         max_bytes=max_bytes, complete=complete)
