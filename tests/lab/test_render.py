"""Templates, dates, request parsing and reply building: pure functions, hostile-input safe."""

from __future__ import annotations

import calendar
import random

from camaudit.lab.render import (
    build_reply,
    date_ctime,
    date_http,
    date_rtsp_hik,
    expand_pattern,
    garbage,
    parse_head,
    render,
)

STAMP = calendar.timegm((2021, 12, 21, 12, 8, 36, 0, 0, 0))


def test_date_formats() -> None:
    assert date_rtsp_hik(STAMP) == "Tue, Dec 21 2021 12:08:36 GMT"  # ExoPlayer#9800 layout
    assert date_http(STAMP) == "Tue, 21 Dec 2021 12:08:36 GMT"
    assert date_ctime(STAMP) == "Tue Dec 21 12:08:36 2021"


def test_render_replaces_known_names_only() -> None:
    assert render("realm=\"Login to {serial}\" {other} {x", {"serial": "ND01"}) == \
        "realm=\"Login to ND01\" {other} {x"


def test_expand_pattern_is_seeded_and_keeps_braces() -> None:
    a = expand_pattern("{model}20##@@%%&&", random.Random("x"))
    b = expand_pattern("{model}20##@@%%&&", random.Random("x"))
    assert a == b and a.startswith("{model}20") and len(a) == len("{model}20##@@%%&&")
    assert a[9:11].isdigit() and a[15:17] == a[15:17].lower()


def test_parse_head_reads_request_line_and_headers() -> None:
    req = parse_head(b"OPTIONS rtsp://h/ RTSP/1.0\r\nCSeq: 3\r\nUser-Agent: t\r\n\r\n")
    assert (req.method, req.target, req.valid) == ("OPTIONS", "rtsp://h/", True)
    assert req.header("cseq") == "3"
    assert parse_head(b"GET /a?b=1 HTTP/1.1\r\n\r\n").path == "/a"


def test_parse_head_never_raises_on_garbage() -> None:
    rng = random.Random(7)
    for _ in range(300):
        req = parse_head(rng.randbytes(rng.randint(0, 300)))
        assert not req.valid or req.version.startswith(("HTTP/", "RTSP/"))
    assert not parse_head(garbage("seed")).valid
    assert not parse_head(b"\x00\xff\xfe / HTTP/1.1\r\n\r\n").valid


def test_build_reply_keeps_header_layout_and_counts_body() -> None:
    data = build_reply(200, "OK", "RTSP/1.0", ("CSeq: {cseq}", "Date:  {date}",
                                              "Content-Length: {content_length}"),
                       "héllo {serial}".encode(), {"cseq": "5", "date": "D", "serial": "S1"})
    head, body = data.split(b"\r\n\r\n", 1)
    assert head == b"RTSP/1.0 200 OK\r\nCSeq: 5\r\nDate:  D\r\nContent-Length: 9"
    assert body == "héllo S1".encode()


def test_garbage_is_deterministic() -> None:
    assert garbage("a") == garbage("a") != garbage("b")
    assert len(garbage("a", 100)) == 100
