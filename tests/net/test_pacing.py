from __future__ import annotations

import asyncio
from typing import Any

import pytest

from camaudit.net.fake import FakeTransport
from camaudit.net.pacing import PacedTransport, Pacer


class _Clock:
    """A clock that only moves when a test moves it; sleeps are recorded, not slept."""

    def __init__(self) -> None:
        self.now = 100.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.slept.append(round(seconds, 9))


class _Deadline:
    """What Pacer uses of asyncio.Timeout."""

    def __init__(self, when: float | None) -> None:
        self.at = when

    def when(self) -> float | None:
        return self.at

    def reschedule(self, when: float | None) -> None:
        self.at = when


def _run(coro: Any) -> Any:
    return asyncio.run(coro)


def test_starts_are_spaced_evenly_without_bursts() -> None:
    clock = _Clock()
    pacer = Pacer(4, clock=clock, sleep=clock.sleep)

    async def go() -> None:
        for _ in range(4):  # four at the same instant: 0, 0.25, 0.5, 0.75 s later
            await pacer.wait("10.0.0.1")
        clock.now += 10  # idle for a long time: the next start is immediate, no saved credit
        await pacer.wait("10.0.0.1")
        await pacer.wait("10.0.0.1")

    _run(go())
    assert clock.slept == [0.25, 0.5, 0.75, 0.25]


def test_a_waiting_host_gets_its_deadline_moved_by_the_union_of_waits() -> None:
    clock = _Clock()
    pacer = Pacer(10, clock=clock, sleep=clock.sleep)
    deadline, other = _Deadline(130.0), _Deadline(None)
    pacer.watch("10.0.0.1", deadline)  # type: ignore[arg-type]
    pacer.watch("10.0.0.2", other)  # type: ignore[arg-type]

    async def go() -> None:
        await pacer.wait("10.0.0.1")  # starts now: no wait, no change
        assert deadline.at == 130.0
        # three connections of the host wait side by side until 0.1, 0.2 and 0.3 s from now:
        # together they waited 0.3 s, not 0.6
        await asyncio.gather(*(pacer.wait("10.0.0.1") for _ in range(3)))
        await pacer.wait("10.0.0.2")  # a host without a deadline (None) is left alone
        await pacer.wait("10.0.0.9")  # an unwatched host is fine too

    _run(go())
    assert deadline.at == pytest.approx(130.3)
    assert other.at is None
    pacer.forget("10.0.0.1")
    _run(pacer.wait("10.0.0.1"))
    assert deadline.at == pytest.approx(130.3)


def test_rate_must_be_positive() -> None:
    for bad in (0, -1, float("nan")):
        with pytest.raises(ValueError, match="positive"):
            Pacer(bad)


def test_paced_transport_waits_before_each_connection() -> None:
    clock = _Clock()
    inner = FakeTransport(lambda call: b"ok", open_ports={"127.0.0.1": {80}})
    t = PacedTransport(inner, Pacer(2, clock=clock, sleep=clock.sleep))

    async def go() -> None:
        assert await t.connect("127.0.0.1", 80, 1.0)
        ex = await t.exchange("127.0.0.1", 80, b"GET / HTTP/1.0\r\n\r\n", timeout=1.0,
                              max_bytes=10)
        assert ex.data == b"ok"

    _run(go())
    assert clock.slept == [0.5]
    assert [c.kind for c in inner.calls] == ["connect", "exchange"]
