"""Properties of the sans-I/O codecs in ``camaudit.wire`` on hostile bytes: they never raise
(``ports`` raises ValueError of one line, as documented), return within a deadline, keep their
documented caps, and agree with each other where two of them answer the same question
(``framing.Framer`` and ``response_complete`` on every prefix; builders and parsers)."""

from __future__ import annotations

import ipaddress
import time
import tracemalloc

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from tests.hostile.strategies import hostile, props, size_of
from tests.hostile.targets import WIRE, v9_datagram

from camaudit.wire import (
    banner,
    bodyfmt,
    dahua_legacy,
    dns_msg,
    framing,
    http,
    mac,
    netflow,
    ports,
    rtsp,
    tls,
    tls_hello,
    wsd,
    xmldoc,
)


@pytest.mark.parametrize("name", sorted(WIRE))
def test_never_raises_and_output_is_bounded(name: str) -> None:
    target = WIRE[name]

    @props(examples=80, deadline_ms=500)
    @given(hostile(target))
    def check(data: bytes) -> None:
        out = target.call(data)
        # no amplification past the caps: 64 records of 255-character names at most
        assert size_of(out) <= 8 * len(data) + 64 * 1024

    check()


BIG = [b"\n" * (1 << 20), b"{" * (1 << 20), b"<a>" * 300_000, b"A" * (1 << 20),
       b"1\r\n1\r\n" * 150_000, b"\xff" * (1 << 20)]


@pytest.mark.parametrize("name", sorted(WIRE))
def test_one_mebibyte_of_worst_case_bytes_in_bounded_time_and_memory(name: str) -> None:
    target = WIRE[name]
    for data in BIG:
        tracemalloc.start()
        t0 = time.perf_counter()
        try:
            target.call(data)
        finally:
            _, peak = tracemalloc.get_traced_memory()
            tracemalloc.stop()
        took = time.perf_counter() - t0
        assert took < 3.0, f"{name}: {took:.1f} s on {data[:8]!r}..."
        assert peak < 64 << 20, f"{name}: {peak >> 20} MiB on {data[:8]!r}..."


# ---------------------------------------------------------------------------- HTTP and RTSP
_TOKEN = st.text("abcdefghijklmnopqrstuvwxyz-", min_size=1, max_size=12)
_VALUE = st.one_of(st.binary(max_size=24).map(lambda b: b.replace(b"\n", b"").decode("latin-1")),
                   st.sampled_from(["0", "5", "12", "999999999999", "-1", "\xb2", " 7 ", "chunked",
                                    "gzip, chunked", "1e3"]))


def _chunked(body: bytes, cuts: list[int], ext: bool, lf_only: bool) -> bytes:
    nl = b"\n" if lf_only else b"\r\n"
    out, pos = [], 0
    for cut in sorted({c % (len(body) + 1) for c in cuts} | {len(body)}):
        piece = body[pos:cut]
        if piece:
            out.append(f"{len(piece):x}".encode() + (b";a=b" if ext else b"") + nl + piece + nl)
        pos = cut
    return b"".join(out) + b"0" + nl + nl


@st.composite
def replies(draw: st.DrawFn, proto: str = "HTTP") -> bytes:
    status = draw(st.sampled_from([b"200 OK", b"204 No Content", b"101 Switching", b"404 x",
                                   b"304 Not Modified", b"999", b"2000 Bad"]))
    headers = draw(st.lists(st.tuples(st.sampled_from(["Content-Length", "Transfer-Encoding",
                                                       "Server", "CSeq"]) | _TOKEN, _VALUE),
                            max_size=6))
    body = draw(st.binary(max_size=300))
    if draw(st.booleans()):
        body = _chunked(body, draw(st.lists(st.integers(0, 300), max_size=8)),
                        draw(st.booleans()), draw(st.booleans()))
    nl = draw(st.sampled_from([b"\r\n", b"\n"]))
    head = proto.encode() + b"/1.1 " + status + nl
    head += b"".join(n.encode() + b": " + v.encode("latin-1") + nl for n, v in headers)
    return head + nl + body + draw(st.binary(max_size=20))


@pytest.mark.parametrize("proto", ["http", "rtsp"])
def test_framer_agrees_with_response_complete_on_every_prefix(proto: str) -> None:
    whole = http.response_complete if proto == "http" else rtsp.response_complete

    @props(examples=150)
    @given(replies(proto.upper()), st.integers(1, 7))
    def check(reply: bytes, step: int) -> None:
        f = framing.Framer(proto)
        for n in range(0, len(reply) + 1, step):
            assert f(reply[:n]) == whole(reply[:n]), (n, reply[:n])

    check()


@props(examples=150)
@given(st.binary(max_size=2000), st.lists(st.integers(0, 2000), max_size=40), st.booleans(),
       st.booleans())
def test_dechunk_gives_back_the_body_however_it_is_cut(body: bytes, cuts: list[int], ext: bool,
                                                      lf_only: bool) -> None:
    got, done, ok = http.dechunk(_chunked(body, cuts, ext, lf_only))
    assert (got, done, ok) == (body, True, True)


def test_one_byte_chunks_are_dechunked_and_framed_in_linear_time() -> None:
    body = bytes(range(256)) * 1024  # 256 KiB: the body limit, one byte per chunk
    reply = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" + _chunked(
        body, list(range(len(body))), False, False)
    t0 = time.perf_counter()
    resp = http.parse_response(reply)
    f = framing.Framer("http")
    answers = [f(reply[:n]) for n in range(1024, len(reply), 1024)]
    assert time.perf_counter() - t0 < 5.0
    assert resp.body == body[:http.BODY_LIMIT] and not any(answers[:-8])


@props(examples=100)
@given(replies())
def test_http_parse_keeps_its_caps(reply: bytes) -> None:
    resp = http.parse_response(reply)
    assert len(resp.body) <= http.BODY_LIMIT
    assert all("\n" not in v for _, v in resp.headers)


# ---------------------------------------------------------------------------- DNS, TLS, flows
_LABEL = st.text("abcdefghijklmnopqrstuvwxyz0123456789-", min_size=1, max_size=20)
_NAME = st.lists(_LABEL, min_size=1, max_size=5).map(".".join)
_ANSWER = st.one_of(
    st.tuples(st.just(dns_msg.A), st.ip_addresses(v=4).map(str)),
    st.tuples(st.just(dns_msg.AAAA), st.ip_addresses(v=6).map(str)),
    st.tuples(st.just(dns_msg.CNAME), _NAME))


@props(examples=150)
@given(st.integers(0, 65535), _NAME, st.lists(_ANSWER, min_size=1, max_size=8))
def test_dns_answers_round_trip(qid: int, qname: str, answers: list[tuple[int, str]]) -> None:
    got = dns_msg.parse_answers(dns_msg.build_response(qid, qname, answers))
    assert got is not None and got[0] == qname
    values = [(t, str(ipaddress.ip_address(v)) if t != dns_msg.CNAME else v)
              for _, t, v in got[1]]
    assert values == [(t, v) for t, v in answers]


@props(examples=150)
@given(st.binary(max_size=600))
def test_dns_answers_are_capped(msg: bytes) -> None:
    got = dns_msg.parse_answers(msg)
    if got is not None:
        assert len(got[1]) <= 64 and all(len(o) <= 255 for o, _, _ in got[1])


@props(examples=100)
@given(_NAME)
def test_sni_and_host_round_trip(name: str) -> None:
    from tests.egress.pcapgen import client_hello, http_get

    assert tls_hello.client_hello_sni(client_hello(name)) == name
    assert tls_hello.http_host(http_get(name + ":8080")) == name


@props(examples=100)
@given(st.text(max_size=200))
def test_dn_normalisation_is_stable(text: str) -> None:
    once = tls.normalize_dn(text)
    assert tls.normalize_dn(once) == once


@props(examples=150)
@given(st.lists(st.tuples(st.integers(0, 0xFFFF), st.integers(0, 0xFFFF)), max_size=64),
       st.binary(max_size=2000))
def test_netflow_v9_templates_of_any_shape_give_bounded_records(
        template: list[tuple[int, int]], records: bytes) -> None:
    state = netflow.V9State()
    got = netflow.decode(v9_datagram(template, records), state)
    assert len(got) <= len(records) // 8 + 1
    assert len(state.pending) <= netflow.MAX_PENDING


@props(examples=100)
@given(st.lists(st.binary(min_size=4, max_size=200), max_size=80))
def test_netflow_pending_data_sets_are_capped(bodies: list[bytes]) -> None:
    state = netflow.V9State()
    for i, body in enumerate(bodies):
        d = v9_datagram([], b"")[:20] + (256 + i).to_bytes(2, "big") + (4 + len(body)).to_bytes(
            2, "big") + body
        netflow.decode(d, state)
    assert len(state.pending) <= netflow.MAX_PENDING


# ---------------------------------------------------------------------------- small codecs
@props(examples=150)
@given(st.text(max_size=80))
def test_mac_normalisation_is_canonical_and_stable(text: str) -> None:
    got = mac.normalize_mac(text)
    if got is not None:
        assert len(got) == 17 and mac.normalize_mac(got) == got


@props(examples=150)
@given(st.text(max_size=200))
def test_ports_raise_only_a_one_line_value_error(text: str) -> None:
    try:
        got = ports.parse_ports(text)
    except ValueError as e:
        assert "\n" not in str(e)
        return
    assert ports.parse_ports(ports.canonical(got)) == got


@props(examples=100)
@given(st.text(max_size=3000))
def test_body_formats_keep_their_caps(text: str) -> None:
    for obs in (bodyfmt.kv_observations(text, "t"), bodyfmt.json_observations(text, "t")):
        assert len(obs) <= bodyfmt.MAX_FIELDS + 1
        assert all(len(o.value) <= 64 * bodyfmt.MAX_FIELDS for o in obs)


@props(examples=100)
@given(st.binary(max_size=6000))
def test_banner_is_capped_and_printable(data: bytes) -> None:
    b = banner.parse(23, data)
    assert len(b.data) <= banner.LIMIT
    assert not any(ord(c) < 32 and c not in "\t\n" for c in b.telnet_text)


@props(examples=100)
@given(st.text(max_size=4000))
def test_scopes_are_capped(text: str) -> None:
    assert len(wsd.parse_scopes(text)) <= wsd.MAX_SCOPES


@props(examples=100)
@given(st.from_regex(r"[0-9a-f]{2}(:[0-9a-f]{2}){5}", fullmatch=True), st.text(max_size=40),
       st.text(max_size=16), st.ip_addresses(v=4).map(str), st.integers(0, 65535))
def test_dahua_legacy_reply_round_trips(mac_text: str, model: str, dtype: str, ip: str,
                                        port: int) -> None:
    assume("\x00" not in model + dtype and len(dtype.encode()) <= 16)
    r = dahua_legacy.parse(dahua_legacy.build_reply(mac=mac_text, model=model, device_type=dtype,
                                                    ip=ip, tcp_port=port))
    assert r.valid and r.mac == mac_text and r.ip == ip and r.tcp_port == port


@pytest.mark.parametrize("doc", [
    b'<!DOCTYPE a [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">]><a>&b;</a>',
    b"<a>" * 100_000 + b"</a>" * 100_000,
    b'<?xml version="1.0" encoding="x-unknown"?><a/>'])
def test_hostile_xml_is_refused_not_raised(doc: bytes) -> None:
    root, problem = xmldoc.parse_xml(doc)
    assert root is None and problem
