from __future__ import annotations

import io
import struct
from pathlib import Path

import pytest
from tests.egress.pcapgen import (
    AXIS,
    DAHUA,
    EZVIZ,
    HIK,
    T0,
    XM,
    cameras,
    ipv4,
    pcap_bytes,
    pcapng_bytes,
    tcp,
)

from camaudit.egress import fastpath, pcap
from camaudit.egress.analysis import analyse
from camaudit.egress.flows import Capture
from camaudit.egress.pcap import read_capture
from camaudit.errors import UsageError
from camaudit.model import Device

INVENTORY = [Device(ip=ip) for ip in (HIK, DAHUA, XM, EZVIZ, AXIS)]


@pytest.fixture(autouse=True, params=["c", "numpy"])
def reader_path(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every test here runs on the compiled fast path and on the numpy path."""
    if request.param == "numpy":
        monkeypatch.setattr(fastpath, "_fastpcap", None)
    elif not fastpath.available():
        pytest.skip("camaudit.egress._fastpcap was not built (no C compiler)")


def _run(tmp_path: Path, data: bytes, name: str = "c.pcap") -> tuple[Capture, dict]:
    p = tmp_path / name
    p.write_bytes(data)
    cap = Capture()
    read_capture(p, cap)
    res = analyse(cap, INVENTORY)
    return cap, {d.ip: d for d in res.devices}


@pytest.mark.parametrize("fmt", ["pcap", "raw", "pcapng"])
def test_each_camera_finding_exact(tmp_path: Path, fmt: str) -> None:
    t = cameras()
    data = pcapng_bytes(t.packets) if fmt == "pcapng" else pcap_bytes(
        t.packets, "raw" if fmt == "raw" else "ether")
    cap, devs = _run(tmp_path, data)
    assert not cap.damage
    assert cap.records == len(t.packets)
    got = {(f.device, f.ip, f.proto, f.port): f for d in devs.values() for f in d.findings}
    expect = {k: v for k, v in t.expect.items() if not k[1].startswith("192.168.")}
    assert set(got) == set(expect)
    for k, (bo, bi, po, pi) in expect.items():
        f = got[k]
        assert (f.bytes_out, f.bytes_in, f.packets_out, f.packets_in) == (bo, bi, po, pi), k
    hik = got[(HIK, "34.241.130.159", "tcp", 8555)]
    assert (hik.destination, hik.country, hik.asn, hik.kind, hik.rule) == (
        "dev.hik-connect.com", "IE", "AS16509", "vendor-cloud", "hik-connect")
    assert hik.first_seen == "2023-11-14T22:13:21Z" and hik.last_seen == "2023-11-14T22:13:23Z"
    assert set(hik.names) == {"dev.hik-connect.com", "dev-hik.eu-west-1.elb.amazonaws.com"}
    assert any("DNS answer dev.hik-connect.com -> 34.241.130.159" in e for e in hik.evidence)
    sni = got[(HIK, "35.158.174.16", "tcp", 443)]
    assert (sni.destination, sni.kind) == ("litedev.hik-connect.com", "vendor-cloud")
    assert any("TLS SNI litedev.hik-connect.com" in e for e in sni.evidence)
    dh = got[(DAHUA, "47.88.1.1", "udp", 8800)]
    assert (dh.destination, dh.country, dh.asn, dh.kind, dh.rule) == (
        "www.easy4ipcloud.com", "US", "AS45102", "p2p", "dahua-p2p")
    dns = got[(XM, "114.114.114.114", "udp", 53)]
    assert (dns.destination, dns.country, dns.kind, dns.rule) == (
        "114.114.114.114", "CN", "public-dns", "public-dns-114")
    assert dns.reasons == ("public-dns (public-dns-114: 114.114.114.114)", "country CN")
    xm = got[(XM, "35.158.174.17", "tcp", 8086)]
    assert (xm.destination, xm.kind, xm.rule) == ("pub-cfg.secu100.net", "vendor-cloud",
                                                  "xmeye-cloud")
    assert any("HTTP Host pub-cfg.secu100.net" in e for e in xm.evidence)
    ez = got[(EZVIZ, "162.62.52.164", "tcp", 8666)]
    assert ez.names == ()
    assert (ez.destination, ez.country, ez.asn, ez.kind, ez.rule) == (
        "AS132203 Shenzhen Tencent Computer Systems Company Limited", "DE", "AS132203",
        "cn-cloud", "as-tencent")
    assert devs[AXIS].findings == () and not devs[AXIS].flagged
    assert devs[AXIS].local_connections == 1
    assert all(devs[ip].flagged for ip in (HIK, DAHUA, XM, EZVIZ))
    assert hik.first_seen.startswith("2023-11-14") and T0 > 0


def test_truncated_capture_keeps_what_was_read(tmp_path: Path) -> None:
    t = cameras()
    data = pcap_bytes(t.packets)
    cut = len(data) - 30
    cap, devs = _run(tmp_path, data[:cut])
    assert len(cap.damage) == 1
    d = cap.damage[0]
    assert "truncated record" in d.message
    assert d.offset < cut and d.offset > 24
    assert cap.records == len(t.packets) - 1
    assert devs[HIK].findings and devs[EZVIZ].findings


def test_corrupt_record_length_reports_offset(tmp_path: Path) -> None:
    t = cameras()
    data = bytearray(pcap_bytes(t.packets[:3]))
    second = 24 + 16 + int.from_bytes(data[24 + 8:24 + 12], "little")
    data[second + 8:second + 12] = (10_000_000).to_bytes(4, "little")
    cap, _ = _run(tmp_path, bytes(data))
    assert cap.records == 1
    assert cap.damage[0].offset == second
    assert "corrupt record" in cap.damage[0].message


def test_pcapng_truncated_block(tmp_path: Path) -> None:
    data = pcapng_bytes(cameras().packets)
    cap, _ = _run(tmp_path, data[:-7], "c.pcapng")
    assert cap.damage and "truncated block" in cap.damage[0].message


def test_not_a_capture_is_usage_error(tmp_path: Path) -> None:
    p = tmp_path / "x.pcap"
    p.write_bytes(b"hello world, not a capture")
    with pytest.raises(UsageError, match="offset 0"):
        read_capture(p, Capture())


@pytest.mark.parametrize("junk", [b"\xd4\xc3\xb2\xa1" + bytes(20) + b"\xff" * 40,
                                  pcap_bytes([(1.0, b"\x45" + b"\xff" * 30)]),
                                  pcap_bytes([(1.0, b"\x60" + b"\x00" * 10)], "raw")])
def test_hostile_bytes_never_raise(tmp_path: Path, junk: bytes) -> None:
    p = tmp_path / "j.pcap"
    p.write_bytes(junk)
    read_capture(p, Capture())


def _big_endian(data: bytes) -> bytes:
    """The same little-endian pcap rewritten big-endian (file and record headers)."""
    out = bytearray(struct.pack(">IHHiIII", *struct.unpack_from("<IHHiIII", data, 0)))
    off = 24
    while off < len(data):
        sec, us, incl, orig = struct.unpack_from("<IIII", data, off)
        out += struct.pack(">IIII", sec, us, incl, orig) + data[off + 16:off + 16 + incl]
        off += 16 + incl
    return bytes(out)


def test_chunk_boundaries_and_byte_order_do_not_change_results(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    data = pcap_bytes(cameras().packets)
    want, _ = _run(tmp_path, data)
    monkeypatch.setattr(pcap, "CHUNK", 37)
    small, _ = _run(tmp_path, data)
    swapped, _ = _run(tmp_path, _big_endian(data))
    for got in (small, swapped):
        assert got.conns == want.conns and got.names == want.names
        assert got.flow_names == want.flow_names and got.records == want.records
    last = 24
    while last + 16 + struct.unpack_from("<I", data, last + 8)[0] < len(data):
        last += 16 + struct.unpack_from("<I", data, last + 8)[0]
    cut, _ = _run(tmp_path, data[:-30])
    assert [(d.offset, d.message[:16]) for d in cut.damage] == [(last, "truncated record")]
    assert cut.records == want.records - 1


def test_sums_merge_across_many_chunks(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    pkts = [(1.0 + i, ipv4(HIK, f"34.241.{i % 7}.1", 6, tcp(41000 + i, 8555, b"x")))
            for i in range(300)]
    pkts += [(400.0, ipv4("34.241.0.1", HIK, 6, tcp(8555, 41000, b"yy")))]
    monkeypatch.setattr(pcap, "CHUNK", 512)
    cap, _ = _run(tmp_path, pcap_bytes(pkts))
    assert len(cap.conns) == 7 and cap.records == 301
    assert cap.conns[(HIK, "34.241.0.1", "tcp", 8555)] == [41 * 43, 42, 43, 1, 1.0, 400.0]


class _Stream(io.BytesIO):
    def seekable(self) -> bool:
        return False


def test_chunks_read_the_same_bytes_with_or_without_seeking(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pcap, "CHUNK", 10)
    data = bytes(range(256)) * 3
    for f in (io.BytesIO(data), _Stream(data)):
        ch = pcap._Chunks(f, f.read(pcap.CHUNK))
        seen = []
        for k in range(1000):
            if not ch.more(min((0, 3, 7, 10, 2)[k % 5], ch.size)):
                break
            assert ch.buf[:ch.size] == data[ch.base:ch.base + ch.size]
            assert len(ch.buf) >= ch.size + pcap.PAD
            seen.append((ch.base, ch.size))
        # every byte was offered (chunk ends may differ: the seeking reader takes the
        # file's last bytes in one piece)
        assert ch.base + ch.size == len(data) and len(seen) > 50
        assert all(b + n >= b2 for (b, n), (b2, _) in zip(seen, seen[1:], strict=False))
