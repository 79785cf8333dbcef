"""The compiled fast path gives what the numpy path and the general parser give, packet for
packet: on every frame shape and link type the reader knows, with tiny tables and event lists,
and on damaged files (the same damage at the same offset)."""

from __future__ import annotations

import os
import random
import struct
from pathlib import Path

import numpy as np
import pytest
from tests.egress.pcapgen import (
    cameras,
    client_hello,
    ether,
    http_get,
    ipv4,
    ipv6,
    pcap_bytes,
    pcapng_bytes,
    tcp,
    udp,
)

from camaudit.egress import fastpath
from camaudit.egress.flows import Capture
from camaudit.egress.pcap import read_capture
from camaudit.wire.dns_msg import A, build_response

needs_ext = pytest.mark.skipif(not fastpath.available(),
                               reason="camaudit.egress._fastpcap was not built (no C compiler)")
DEV, REM = "192.168.1.64", "34.241.130.159"


def test_extension_is_built_where_a_compiler_was() -> None:
    # scripts/test.sh sets CAMAUDIT_REQUIRE_FAST when cc is on PATH: CI must run the C path
    if os.environ.get("CAMAUDIT_REQUIRE_FAST") and not fastpath.available():
        pytest.fail("the C fast path was not built although a compiler is present")


def _v5(dst: str) -> bytes:
    return struct.pack(">HHIIIIBBH", 5, 1, 0, 1_700_000_000, 0, 1, 0, 0, 0) + struct.pack(
        ">4s4s4sHHIIIIHHxBBBHHBBxx", bytes([192, 168, 1, 20]), bytes(map(int, dst.split("."))),
        bytes(4), 0, 0, 7, 700, 0, 0, 50003, 53, 0, 17, 0, 0, 0, 0, 0)


def _shapes(seed: int, n: int = 300) -> list[bytes]:
    """IP packets of every shape the readers treat differently."""
    rnd = random.Random(seed)
    out = []
    for i in range(n):
        dev, rem = f"192.168.1.{rnd.randrange(1, 4)}", f"34.241.{rnd.randrange(3)}.9"
        r = rnd.randrange(14)
        if r == 0:
            pkt = ipv4(rem, dev, 17, udp(53, 50000 + i, build_response(i, "a.example",
                                                                      [(A, rem)])))
        elif r == 1:
            pkt = ipv4(dev, rem, 6, tcp(40000 + i % 3, 443, client_hello(f"h{i % 4}.example")))
        elif r == 2:
            pkt = ipv4(dev, rem, 6, tcp(40000 + i % 3, 80, http_get("web.example")))
        elif r == 3:
            pkt = ipv6("2001:db8::1", "2001:db8::2", 6, tcp(40000, 443, b"x"))
        elif r == 4:
            pkt = ipv4(dev, rem, 1, b"\x08\x00" + bytes(30))
        elif r == 5:
            frag = bytearray(ipv4(dev, rem, 17, udp(1, 2, b"f" * 20)))
            frag[6:8] = b"\x00\x20"  # a later fragment
            pkt = bytes(frag)
        elif r == 6:  # IP options (ihl 6)
            body = tcp(40001, 8555, b"opt")
            pkt = struct.pack(">BBHHHBBH4s4s", 0x46, 0, 24 + len(body), 1, 0, 64, 6, 0,
                              bytes(map(int, dev.split("."))), bytes(map(int, rem.split("."))))
            pkt += b"\x01\x01\x01\x00" + body
        elif r == 7:  # total length 0 (segmentation offload)
            pkt = bytearray(ipv4(dev, rem, 6, tcp(40000, 8555, b"GET / HTTP/1.1\r\n")))
            pkt[2:4] = b"\x00\x00"
            pkt = bytes(pkt)
        elif r == 8:  # TCP header cut short
            pkt = ipv4(dev, rem, 6, tcp(40000, 8555, b"")[:12])
        elif r == 9:
            pkt = ipv4(dev, "10.0.0.2", 17, udp(5000, 2055, _v5(rem)))
        elif r == 10:
            pkt = ipv4(dev, dev, 17, udp(123, 123, b"n" * rnd.randrange(0, 60)))
        elif r == 11:  # bad header length
            pkt = b"\x43" + ipv4(dev, rem, 6, tcp(1, 2))[1:]
        else:
            pkt = ipv4(rem, dev, 6, tcp(8555, 40000 + i % 3, b"", 0x10))
        out.append(pkt)
    return out


def _link(pkt: bytes, link: int, i: int) -> bytes:
    if link == 1:
        if i % 5 == 1:
            return ether(pkt, 7)
        if i % 5 == 2:  # QinQ: an 802.1ad tag, then an 802.1Q tag
            inner = ether(pkt, 9)
            return inner[:12] + b"\x88\xa8\x00\x05" + inner[12:]
        return ether(pkt) if i % 11 else ether(pkt)[:20]  # some runts
    if link == 113:
        et = b"\x86\xdd" if pkt[0] >> 4 == 6 else b"\x08\x00"
        return b"\x00\x00\x00\x01\x00\x06" + bytes(8) + et + pkt
    if link == 276:
        et = b"\x86\xdd" if pkt[0] >> 4 == 6 else b"\x08\x00"
        return et + bytes(18) + pkt
    if link == 0:
        return struct.pack("<I", 24 if pkt[0] >> 4 == 6 else 2) + pkt
    return pkt


def _pcap(pkts: list[bytes], link: int, little: bool = True, nanos: bool = False) -> bytes:
    e = "<" if little else ">"
    out = [struct.pack(e + "IHHiIII", 0xA1B23C4D if nanos else 0xA1B2C3D4, 2, 4, 0, 0, 65535,
                       link)]
    for i, pkt in enumerate(pkts):
        f = _link(pkt, link, i)
        out.append(struct.pack(e + "IIII", 1_700_000_000 + i // 7, (i * 7919) % 999_999,
                               len(f), len(f)) + f)
    return b"".join(out)


def _pcapng(pkts: list[bytes]) -> bytes:
    """Two sections: Ethernet and raw-IP interfaces (nanosecond and default resolution), an
    interface of an unsupported link type, simple packet blocks and a comment block."""
    def block(btype: int, body: bytes) -> bytes:
        body += b"\x00" * (-len(body) % 4)
        return struct.pack("<II", btype, 12 + len(body)) + body + struct.pack("<I", 12 + len(body))

    def epb(ifid: int, ts: int, frame: bytes) -> bytes:
        return block(6, struct.pack("<IIIII", ifid, ts >> 32, ts & 0xFFFFFFFF, len(frame),
                                    len(frame)) + frame)

    out = []
    for section in range(2):
        out.append(block(0x0A0D0D0A, struct.pack("<IHHq", 0x1A2B3C4D, 1, 0, -1)))
        out.append(block(1, struct.pack("<HHI", 1, 0, 65535) + b"\x09\x00\x01\x00\x09\x00\x00\x00"
                         + bytes(4)))
        out.append(block(1, struct.pack("<HHI", 101, 0, 65535)))
        out.append(block(1, struct.pack("<HHI", 147, 0, 65535)))
        for i, pkt in enumerate(pkts):
            ifid = (i + section) % 3
            frame = _link(pkt, 1, i) if ifid == 0 else pkt
            out.append(epb(ifid, 1_700_000_000_000_000_000 + i * 10**6 if ifid == 0
                           else 1_700_000_000_000_000 + i, frame))
            if i % 50 == 0:
                out.append(block(3, struct.pack("<I", len(frame)) + frame))
                out.append(block(0x0BAD, b"comment"))
    return b"".join(out)


def _both(tmp_path: Path, data: bytes, monkeypatch: pytest.MonkeyPatch,
          nf: frozenset[int] = frozenset({2055})) -> tuple[Capture, Capture]:
    path = tmp_path / "t.cap"
    path.write_bytes(data)
    fast = Capture()
    read_capture(path, fast, nf)
    with monkeypatch.context() as m:
        m.setattr(fastpath, "_fastpcap", None)
        slow = Capture()
        read_capture(path, slow, nf)
    return fast, slow


def _same(a: Capture, b: Capture) -> None:
    assert a.conns == b.conns
    assert a.names == b.names and a.flow_names == b.flow_names
    assert a.damage == b.damage and a.records == b.records


@needs_ext
@pytest.mark.parametrize("link", [1, 101, 113, 276, 0])
@pytest.mark.parametrize("little,nanos", [(True, False), (False, True)])
def test_every_shape_and_link_type_as_the_numpy_path(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, link: int, little: bool,
        nanos: bool) -> None:
    pkts = _shapes(link)
    fast, slow = _both(tmp_path, _pcap(pkts, link, little, nanos), monkeypatch)
    _same(fast, slow)
    exports = sum(p[9] == 17 and p[22:24] == struct.pack(">H", 2055) for p in pkts)
    assert exports and fast.records == 300 + exports  # each export carries one flow
    assert len(fast.conns) > 20 and fast.names and fast.flow_names
    assert any(k[0] == "192.168.1.20" and k[1].startswith("34.241.") for k in fast.conns)
    assert any(":" in k[0] for k in fast.conns)  # IPv6, through the general parser


@needs_ext
def test_pcapng_sections_interfaces_and_other_blocks(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    data = _pcapng(_shapes(5, 120))
    fast, slow = _both(tmp_path, data, monkeypatch)
    _same(fast, slow)
    plain, _ = _both(tmp_path, data, monkeypatch, nf=frozenset())
    # both sections, all three interfaces (the unsupported one counted, not parsed) and the
    # simple packet blocks; with --netflow-port, each export's flow is a record too
    assert plain.records == 2 * 120 + 2 * 3 < fast.records
    stamps = sorted({v[4] for v in fast.conns.values()})
    # nanosecond and microsecond interfaces both read in seconds
    assert 1.69e9 < stamps[0] and stamps[-1] < 1.71e9


@needs_ext
def test_tiny_table_and_event_list(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    data = _pcap(_shapes(9), 1)
    want = Capture()
    path = tmp_path / "t.pcap"
    path.write_bytes(data)
    read_capture(path, want, frozenset({2055}))
    for rows, events in ((2, 1), (4, 3), (8, 1)):
        monkeypatch.setattr(fastpath, "TABLE_ROWS", rows)
        monkeypatch.setattr(fastpath, "EVENTS", events)
        got = Capture()
        read_capture(path, got, frozenset({2055}))
        _same(got, want)
    ng = tmp_path / "t.pcapng"
    ng.write_bytes(_pcapng(_shapes(9, 80)))
    a, b = Capture(), Capture()
    read_capture(ng, a)
    monkeypatch.setattr(fastpath, "TABLE_ROWS", 1 << 16)
    monkeypatch.setattr(fastpath, "EVENTS", 1 << 14)
    read_capture(ng, b)
    _same(a, b)


@needs_ext
@pytest.mark.parametrize("kind", ["pcap", "pcapng"])
def test_damaged_files_read_as_the_numpy_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                              kind: str) -> None:
    t = cameras()
    base = pcap_bytes(t.packets) if kind == "pcap" else pcapng_bytes(t.packets)
    rnd = random.Random(kind)
    damaged = 0
    for _ in range(120):
        data = bytearray(base)
        for _ in range(rnd.randrange(1, 6)):
            at = rnd.randrange(24, len(data))
            data[at] = rnd.randrange(256) if rnd.random() < 0.7 else 0xFF
        cut = len(data) if rnd.random() < 0.6 else rnd.randrange(24, len(data))
        fast, slow = _both(tmp_path, bytes(data[:cut]), monkeypatch)
        _same(fast, slow)
        damaged += bool(fast.damage)
    assert damaged > 10


@needs_ext
def test_bad_arguments_are_refused() -> None:
    ext = fastpath._fastpcap
    assert ext is not None
    buf = pcap_bytes(cameras().packets)
    table, times = np.full((8, 4), -1, dtype=np.int64), np.zeros((8, 2))
    events, ev_times = np.zeros((4, 9), dtype=np.int64), np.zeros(4)

    def call(**kw: object) -> object:
        args = dict(buf=buf, off=24, avail=len(buf), little=True, link=1, unit=1e-6,
                    max_caplen=262144, n=0, nf=b"", table=table, times=times, used=0,
                    events=events, ev_times=ev_times)
        args.update(kw)
        return ext.scan_pcap(*args.values())

    off, n, used, nev, status = call()  # type: ignore[misc]
    assert 24 < off <= len(buf) and n > 0 and used > 0 and status in (0, 2)
    table[:, 1] = -1
    for kw, msg in ((dict(avail=len(buf) + 1), "offsets"), (dict(off=-1), "offsets"),
                    (dict(table=np.full((6, 4), -1, dtype=np.int64)), "table"),
                    (dict(used=8), "table"), (dict(events=np.zeros((4, 8), np.int64)), "events"),
                    (dict(nf=b"\x00" * 10), "netflow")):
        with pytest.raises(ValueError, match=msg):
            call(**kw)
    with pytest.raises(TypeError):
        call(table=b"\x00" * 256)  # read-only memory is never written


def test_port_map() -> None:
    assert fastpath.port_map(frozenset()) == b""
    bits = fastpath.port_map(frozenset({0, 2055, 65535}))
    assert len(bits) == 8192 and bits[0] == 1 and bits[-1] == 0x80
    assert bits[2055 // 8] == 1 << (2055 % 8) and sum(bin(b).count("1") for b in bits) == 3
