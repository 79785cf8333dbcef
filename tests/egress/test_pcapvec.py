from __future__ import annotations

import random
import struct
from pathlib import Path

import numpy as np
import pytest
from tests.egress.pcapgen import client_hello, ether, http_get, ipv4, ipv6, tcp, udp

from camaudit.egress import fastpath, pcap
from camaudit.egress.flows import Capture
from camaudit.egress.frames import State, frame
from camaudit.egress.pcapvec import Sums, chunk, walk
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


def _file(frames: list[bytes], stamps: list[int], little: bool = True) -> bytes:
    e = "<" if little else ">"
    out = bytearray(struct.pack(e + "IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
    for f, t in zip(frames, stamps, strict=True):
        out += struct.pack(e + "IIII", t, 0, len(f), len(f)) + f
    return bytes(out)


def test_walk_proves_the_record_chain() -> None:
    frames = _mixed(1)
    buf = _file(frames, [1_700_000_000 + i for i in range(len(frames))]) + bytes(128)
    offs = [24]
    for f in frames[:-1]:
        offs.append(offs[-1] + 16 + len(f))
    run, resume = walk(buf, 24, len(buf) - 128, True, 262144, 1_000_000)
    assert run.tolist() == offs[:-1] and resume == offs[-1]
    # a record whose captured length exceeds its original length is not proven
    bad = bytearray(buf)
    bad[offs[7] + 12:offs[7] + 16] = struct.pack("<I", 1)
    run, resume = walk(bytes(bad), 24, len(buf) - 128, True, 262144, 1_000_000)
    assert run.tolist() == offs[:6] and resume == offs[6]
    # nor one whose fraction of a second is out of range
    bad = bytearray(buf)
    bad[offs[9] + 4:offs[9] + 8] = struct.pack("<I", 1_000_000)
    run, resume = walk(bytes(bad), 24, len(buf) - 128, True, 262144, 1_000_000)
    assert run.tolist() == offs[:8] and resume == offs[8]


def _slow(frames: list[bytes], stamps: list[int], name: str) -> Capture:
    cap = Capture()
    st = State(cap, name)
    for n, (f, t) in enumerate(zip(frames, stamps, strict=True), 1):
        frame(st, n, f, 0, len(f), float(t), 1)
    st.flush()
    return cap


def test_stray_headers_and_timestamp_wraps_read_as_the_general_parser(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(fastpath, "_fastpcap", None)  # the numpy path's record walk
    monkeypatch.setattr(pcap, "MIN_RUN", 8)
    monkeypatch.setattr(pcap, "STEPS", 3)
    for seed, little in ((0, True), (1, False), (2, True)):
        frames = _mixed(seed)
        t0 = 0x6553FFF0 + seed
        stamps = [t0 + i // 8 for i in range(len(frames))]  # crosses a 65,536 s boundary
        for i in range(5, len(frames), 37):
            # a payload that looks like a record header of the same second, 4 bytes long
            fake = struct.pack("<IIII" if little else ">IIII", stamps[i], 0, 4, 4)
            frames[i] = ether(ipv4(DEV, CLOUD, 17, udp(40000, 9000, fake * 3)))
        path = tmp_path / f"s{seed}.pcap"
        path.write_bytes(_file(frames, stamps, little))
        cap = Capture()
        pcap.read_capture(path, cap)
        slow = _slow(frames, stamps, str(path))
        assert cap.records == len(frames) and not cap.damage
        assert cap.conns == slow.conns and cap.names == slow.names
        assert cap.flow_names == slow.flow_names


def test_sums_equal_a_dictionary_of_sums() -> None:
    rng = np.random.default_rng(7)
    sums = Sums()
    want: dict[tuple[int, int], list[float]] = {}
    for _ in range(3):
        n = 500
        k1 = (rng.integers(0, 5, n).astype(np.uint64) << np.uint64(32)) | rng.integers(
            0, 2**32, n, dtype=np.uint64) % np.uint64(7)
        k2 = (rng.choice([6, 17], n).astype(np.int64) << 17) | (rng.integers(0, 65536, n) % 9
                                                                << 1) | rng.integers(0, 2, n)
        nb, ts = rng.integers(40, 1500, n), rng.random(n) * 100
        sums.add(k1, k2, nb, np.ones(n, dtype=np.int64), ts, ts)
        for a, b, c, t in zip(k1.tolist(), k2.tolist(), nb.tolist(), ts.tolist(), strict=True):
            v = want.setdefault((a, b), [0, 0, t, t])
            v[0] += c
            v[1] += 1
            v[2], v[3] = min(v[2], t), max(v[3], t)
    assert sums.cols is not None
    got = {(a, b): [c, d, e, f] for a, b, c, d, e, f in zip(*(x.tolist() for x in sums.cols),
                                                              strict=True)}
    assert got == want and list(got) == sorted(want)
