from __future__ import annotations

import socket
import struct

from camaudit.wire.netflow import MAX_PENDING, FlowRecord, V9State, decode

V9_FIELDS = [(8, 4), (12, 4), (7, 2), (11, 2), (4, 1), (2, 4), (1, 4), (22, 4), (21, 4)]


def _v5(records: list[tuple[str, str, int, int, int]], count: int | None = None) -> bytes:
    head = struct.pack(">HHIIIIBBH", 5, len(records) if count is None else count, 10_000,
                       1_700_000_000, 500_000_000, 1, 0, 0, 0)
    body = b"".join(struct.pack(">4s4s4sHHIIIIHHxBBBHHBBxx", socket.inet_aton(s),
                                socket.inet_aton(d), bytes(4), 0, 0, 7, 700, 9_000, 10_000, sp,
                                dp, 0, pr, 0, 0, 0, 0, 0) for s, d, sp, dp, pr in records)
    return head + body


def _v9(source: int, template: bool, data: bool, tid: int = 256) -> bytes:
    tpl = struct.pack(">HH", tid, len(V9_FIELDS)) + b"".join(
        struct.pack(">HH", *f) for f in V9_FIELDS)
    rec = (socket.inet_aton("192.168.1.108") + socket.inet_aton("47.88.1.1")
           + struct.pack(">HHBIIII", 38000, 8800, 17, 3, 300, 1000, 2000))
    sets = b""
    if template:
        sets += struct.pack(">HH", 0, 4 + len(tpl)) + tpl
    if data:
        sets += struct.pack(">HH", tid, 4 + 2 * len(rec)) + rec + rec
    return struct.pack(">HHIIII", 9, 1, 2000, 1_700_000_000, 1, source) + sets


def test_v5_records_with_absolute_times() -> None:
    recs = decode(_v5([("192.168.1.20", "114.114.114.114", 50003, 53, 17),
                       ("192.168.1.30", "162.62.52.164", 43000, 8666, 6)]), V9State())
    base = 1_700_000_000.5 - 10.0
    assert recs == [
        FlowRecord("192.168.1.20", "114.114.114.114", 17, 50003, 53, 7, 700, base + 9.0,
                   base + 10.0),
        FlowRecord("192.168.1.30", "162.62.52.164", 6, 43000, 8666, 7, 700, base + 9.0,
                   base + 10.0)]


def test_v5_count_larger_than_datagram_keeps_whole_records_only() -> None:
    d = _v5([("10.0.0.1", "8.8.8.8", 1, 53, 17)] * 2, count=30)
    assert len(decode(d, V9State())) == 2
    assert len(decode(d[:-1], V9State())) == 1
    assert decode(d[:20], V9State()) == []


def test_v9_templates_are_per_source_and_pending_is_bounded() -> None:
    st = V9State()
    assert decode(_v9(42, template=False, data=True), st) == []
    assert decode(_v9(7, template=True, data=False), st) == []  # another exporter's template
    assert len(st.pending) == 1
    recs = decode(_v9(42, template=True, data=False), st)
    assert [(r.src, r.dst, r.dport, r.octets, r.packets) for r in recs] == [
        ("192.168.1.108", "47.88.1.1", 8800, 300, 3)] * 2
    # switched times are uptime milliseconds: export time - uptime (2 s) + 1 s and + 2 s
    assert (recs[0].first, recs[0].last) == (1_699_999_999.0, 1_700_000_000.0)
    assert st.pending == []
    for _ in range(MAX_PENDING + 10):
        decode(_v9(99, template=False, data=True), st)
    assert len(st.pending) == MAX_PENDING


def test_hostile_datagrams_never_raise() -> None:
    st = V9State()
    good = _v9(1, template=True, data=True)
    for cut in range(len(good)):
        decode(good[:cut], st)
    assert decode(b"", st) == [] and decode(b"\x00\x0a" + bytes(40), st) == []
    assert decode(b"\x00\x09" + b"\xff" * 30, st) == []
    # a template with zero-length fields gives no records and no endless loop
    zero = struct.pack(">HH", 300, 1) + struct.pack(">HH", 8, 0)
    d = (struct.pack(">HHIIII", 9, 1, 0, 0, 0, 5) + struct.pack(">HH", 0, 4 + len(zero)) + zero
         + struct.pack(">HH", 300, 12) + bytes(8))
    assert decode(d, st) == []
