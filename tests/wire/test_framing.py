"""Incremental framing gives the same answers as the whole-buffer check, in linear time."""

from __future__ import annotations

import random

import pytest

from camaudit.wire import http, rtsp
from camaudit.wire.framing import Framer

REPLIES = [
    b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello",
    b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n3;x=1\r\nabc\r\n0\r\n\r\n",
    b"HTTP/1.1 200 OK\nTransfer-Encoding: chunked\n\n5\nhello\n0\n\n",
    b"HTTP/1.1 204 No Content\r\n\r\n",
    b"HTTP/1.1 101 Switching\r\n\r\n",
    b"HTTP/1.0 200 OK\r\nServer: x\r\n\r\nbody until eof",
    b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n",
    b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhelloXX0\r\n\r\n",
    b"garbage without a head end",
    b"\r\n\r\n",
    b"SSH-2.0-dropbear\r\n",
    b"HTTP/1.1 401 Unauthorized\r\nCONTENT-LENGTH: 0\r\n\r\n",
]
RTSP = [
    b"RTSP/1.0 200 OK\r\nCSeq: 1\r\nContent-Length: 4\r\n\r\nv=0\n",
    b"RTSP/1.0 401 Unauthorized\r\nCSeq: 2\r\n\r\n",
]


@pytest.mark.parametrize("reply", REPLIES)
def test_http_framer_agrees_with_the_whole_buffer_check_on_every_prefix(reply: bytes) -> None:
    framer = Framer("http")
    for n in range(1, len(reply) + 1):
        assert framer(reply[:n]) == http.response_complete(reply[:n]), (reply, n)


@pytest.mark.parametrize("reply", RTSP)
def test_rtsp_framer_agrees_on_every_prefix(reply: bytes) -> None:
    framer = Framer("rtsp")
    for n in range(1, len(reply) + 1):
        assert framer(reply[:n]) == rtsp.response_complete(reply[:n]), (reply, n)


def test_random_cuts_and_a_new_buffer_reset_the_framer() -> None:
    rng = random.Random(7)
    framer = Framer("http")
    for reply in REPLIES * 5:
        cuts = sorted(rng.sample(range(1, len(reply) + 1), min(4, len(reply))))
        for n in cuts:
            assert framer(reply[:n]) == http.response_complete(reply[:n])


def test_one_byte_chunks_fed_one_read_at_a_time_stay_linear() -> None:
    """Before, each read re-decoded the whole body: 16 KiB sent one byte per chunk meant ~10^10
    byte steps (minutes). The framer looks at each byte a bounded number of times."""
    body = b"".join(b"1\r\nx\r\n" for _ in range(16 * 1024)) + b"0\r\n\r\n"
    reply = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" + body
    framer = Framer("http")
    done = [n for n in range(1, len(reply) + 1, 3) if framer(reply[:n])]
    assert framer(reply)
    assert not done or done[0] >= len(reply) - 3


def test_unknown_protocol_is_refused() -> None:
    with pytest.raises(ValueError):
        Framer("ftp")


@pytest.mark.parametrize("proto,reply", [
    ("http", b"HTTP/1.1 200 OK\r\nContent-Length: \xb9\r\n\r\nab"),
    ("rtsp", b"RTSP/1.0 200 OK\r\nContent-Length: \xb2\r\n\r\n")])
def test_content_length_of_unicode_digits_agrees_and_does_not_raise(proto: str,
                                                                     reply: bytes) -> None:
    """Found by the property tests: '¹' passes str.isdigit() but int() raises."""
    whole = http.response_complete if proto == "http" else rtsp.response_complete
    assert Framer(proto)(reply) == whole(reply)
