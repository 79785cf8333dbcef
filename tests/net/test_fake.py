from __future__ import annotations

import asyncio

import pytest

from camaudit.net.fake import HANG, Call, FakeTransport, routes
from camaudit.net.transport import Exchange


def test_routes_longest_prefix_wins_and_default_applies() -> None:
    handler = routes({("127.0.0.1", 80, b"GET "): b"generic",
                      ("127.0.0.1", 80, b"GET /x "): b"specific",
                      ("127.0.0.1", 23, b""): b"banner"}, default=b"other")
    assert handler(Call("exchange", "127.0.0.1", 80, b"GET /x HTTP/1.1")) == b"specific"
    assert handler(Call("exchange", "127.0.0.1", 80, b"GET / HTTP/1.1")) == b"generic"
    assert handler(Call("exchange", "127.0.0.1", 23, None)) == b"banner"
    assert handler(Call("exchange", "127.0.0.2", 80, b"GET / ")) == b"other"


def test_fake_records_calls_and_applies_open_ports() -> None:
    fake = FakeTransport(lambda call: b"pong", open_ports={"127.0.0.1": [80]})

    async def go() -> tuple[bool, bool, Exchange, Exchange]:
        return (await fake.connect("127.0.0.1", 80, 1.0),
                await fake.connect("127.0.0.1", 81, 1.0),
                await fake.exchange("127.0.0.1", 80, b"ping", timeout=1.0, max_bytes=10),
                await fake.exchange("127.0.0.1", 81, b"ping", timeout=1.0, max_bytes=10))

    up, down, ok, refused = asyncio.run(go())
    assert (up, down) == (True, False)
    assert ok == Exchange(data=b"pong")
    assert refused == Exchange(error="connection refused", connected=False)
    assert [c.kind for c in fake.calls] == ["connect", "connect", "exchange", "exchange"]
    assert fake.payloads() == [b"ping", b"ping"]
    assert fake.payloads(port=81) == [b"ping"]


def test_fake_cuts_replies_like_a_reader() -> None:
    fake = FakeTransport(lambda call: b"HEAD|rest-of-stream")

    async def go() -> tuple[Exchange, Exchange]:
        return (await fake.exchange("127.0.0.1", 1, b"", timeout=1, max_bytes=4),
                await fake.exchange("127.0.0.1", 1, b"", timeout=1, max_bytes=99,
                                    complete=lambda b: b.endswith(b"|")))

    short, framed = asyncio.run(go())
    assert short.data == b"HEAD"
    assert framed.data == b"HEAD|"


def test_fake_hang_waits_until_cancelled() -> None:
    fake = FakeTransport(lambda call: HANG)

    async def go() -> None:
        await asyncio.wait_for(fake.exchange("127.0.0.1", 1, b"x", timeout=1, max_bytes=1), 0.01)

    with pytest.raises(TimeoutError):
        asyncio.run(go())
    assert fake.in_flight == 0


def test_fake_handler_exceptions_propagate() -> None:
    def broken(call: Call) -> bytes:
        raise RuntimeError("handler bug")

    fake = FakeTransport(broken)
    with pytest.raises(RuntimeError, match="handler bug"):
        asyncio.run(fake.exchange("127.0.0.1", 1, b"x", timeout=1, max_bytes=1))


def test_fake_cut_of_an_oversized_reply_is_bounded() -> None:
    calls: list[int] = []

    def never(buf: bytes) -> bool:
        calls.append(len(buf))
        return False

    big = b"A" * 200_000
    fake = FakeTransport(lambda call: big)
    ex = asyncio.run(fake.exchange("127.0.0.1", 1, b"", timeout=1, max_bytes=150_000,
                                   complete=never))
    assert ex.data == big[:150_000]
    assert calls[-1] == 150_000 and len(calls) < 8192 + 150
