from __future__ import annotations

import random
import struct

import numpy as np
from tests.egress.pcapgen import client_hello, ether, http_get, ipv4, ipv6, tcp, udp

from camaudit.egress.flows import Capture
from camaudit.egress.frames import State, frame
from camaudit.egress.pcapvec import Sums, chunk
from camaudit.wire.dns_msg import A, build_response

DEV, CLOUD = "192.168.1.64", "34.241.130.159"


def _records(frames: list[bytes]) -> tuple[bytes, list[int]]:
    """Little-endian pcap records (no file header) plus padding, and their offsets."""
    out, offs = bytearray(), []
    for i, f in enumerate(frames):
        offs.append(len(out))
        out += struct.pack("<IIII", 1000 + i, 500_000, len(f), len(f)) + f
    return bytes(out) + bytes(128), offs


def _mixed(seed: int) -> list[bytes]:
    rnd = random.Random(seed)
    out = []
    for i in range(400):
        r = rnd.random()
        dev, rem = f"192.168.1.{rnd.randrange(1, 5)}", f"34.241.{rnd.randrange(3)}.9"
        if r < 0.2:
            pkt = ipv4(rem, dev, 17, udp(53, 50000 + i, build_response(i, "a.example",
                                                                      [(A, rem)])))
        elif r < 0.3:
            pkt = ipv4(dev, rem, 6, tcp(40000 + i % 3, 443, client_hello(f"h{i % 4}.example")))
        elif r < 0.4:
            pkt = ipv4(dev, rem, 6, tcp(40000 + i % 3, 80, http_get("web.example")))
        elif r < 0.5:
            pkt = ipv6("2001:db8::1", "2001:db8::2", 6, tcp(40000, 443, b""))
        elif r < 0.55:
            pkt = ipv4(dev, rem, 1, b"\x08\x00" + bytes(30))
        elif r < 0.6:
            pkt = bytearray(ipv4(dev, rem, 17, udp(1, 2, b"f" * 20)))
            pkt[6:8] = b"\x00\x20"  # later fragment
            pkt = bytes(pkt)
        elif r < 0.8:
            pkt = ipv4(rem, dev, 6, tcp(8555, 40000 + i % 3, b"", 0x10))
        else:
            pkt = ipv4(dev, dev, 17, udp(123, 123, b"n" * rnd.randrange(0, 60)))
        out.append(ether(pkt, 7 if rnd.random() < 0.3 else None))
    out.append(b"\x00" * 20)  # runt frame
    return out


def test_vectorised_path_equals_the_general_parser() -> None:
    for seed in range(3):
        frames = _mixed(seed)
        buf, offs = _records(frames)
        fast, slow = Capture(), Capture()
        st_fast, st_slow = State(fast, "t"), State(slow, "t")
        sums = Sums()
        half = len(offs) // 2
        chunk(st_fast, sums, buf, offs[:half], 0, True, 1e-6, 1)
        chunk(st_fast, sums, buf, offs[half:], half, True, 1e-6, 1)
        sums.flush(st_fast)
        st_fast.flush()
        for n, (o, f) in enumerate(zip(offs, frames, strict=True), 1):
            frame(st_slow, n, buf, o + 16, o + 16 + len(f), 1000 + n - 1 + 0.5, 1)
        st_slow.flush()
        assert fast.conns == slow.conns
        assert fast.names == slow.names and fast.flow_names == slow.flow_names
        assert len(fast.conns) > 10 and fast.names and fast.flow_names


def test_netflow_exports_are_decoded_not_counted() -> None:
    v5 = struct.pack(">HHIIIIBBH", 5, 1, 0, 1_700_000_000, 0, 1, 0, 0, 0) + struct.pack(
        ">4s4s4sHHIIIIHHxBBBHHBBxx", bytes([192, 168, 1, 20]), bytes([114] * 4), bytes(4), 0,
        0, 7, 700, 0, 0, 50003, 53, 0, 17, 0, 0, 0, 0, 0)
    buf, offs = _records([ether(ipv4("10.0.0.1", "10.0.0.2", 17, udp(5000, 2055, v5)))])
    cap = Capture()
    st = State(cap, "t", frozenset({2055}))
    sums = Sums()
    chunk(st, sums, buf, offs, 0, True, 1e-6, 1)
    sums.flush(st)
    assert list(cap.conns) == [("192.168.1.20", "114.114.114.114", "udp", 53)]


def test_sums_merge_and_orientation() -> None:
    sums = Sums()
    k1 = np.array([(1 << 32) | 2, (1 << 32) | 2], dtype=np.uint64)
    k2 = np.array([(6 << 17) | (443 << 1), (6 << 17) | (443 << 1) | 1])
    sums.add(k1, k2, np.array([100, 40]), np.array([1, 1]), np.array([5.0, 6.0]),
             np.array([5.0, 6.0]))
    sums.add(k1[:1], k2[:1], np.array([10]), np.array([2]), np.array([1.0]), np.array([9.0]))
    cap = Capture()
    sums.flush(State(cap, "t"))
    assert cap.conns == {("0.0.0.1", "0.0.0.2", "tcp", 443): [110, 40, 3, 1, 1.0, 9.0]}
    sums.flush(State(cap, "t"))
    assert cap.conns[("0.0.0.1", "0.0.0.2", "tcp", 443)][:4] == [110, 40, 3, 1]
