"""pcap and pcapng reader: files read in chunks (memory stays bounded whatever the file size),
hand-written Ethernet/VLAN/IPv4/IPv6/TCP/UDP, DNS answers, TLS SNI and HTTP Host, aggregated per
endpoint as it goes (see ``frames.py`` and ``flows.py``).

Link types: Ethernet (1), raw IP (101, 12, 228, 229), Linux cooked v1/v2 (113, 276), BSD
loopback (0). A record that runs past the end of the file or claims an impossible length is
damage: reading stops there, what came before is kept and ``Capture.damage`` names the offset.
Nothing here raises on hostile bytes except ``UsageError`` for a file that is no capture at all.

The pcap loop is inlined for speed: one ``struct`` call for the record header, one for the
Ethernet/IPv4 header; packets of other shapes go through ``frames.frame``.
"""

from __future__ import annotations

import struct
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

from camaudit.egress.flows import Capture, Damage
from camaudit.egress.frames import FLUSH_AT, HTTP_FIRST, ONE, State, frame
from camaudit.errors import UsageError

PCAP_MAGICS = {b"\xd4\xc3\xb2\xa1": ("<", 1e-6), b"\xa1\xb2\xc3\xd4": (">", 1e-6),
               b"\x4d\x3c\xb2\xa1": ("<", 1e-9), b"\xa1\xb2\x3c\x4d": (">", 1e-9)}
PCAPNG_MAGIC = b"\x0a\x0d\x0d\x0a"
MAX_CAPLEN = 262144
CHUNK = 4 << 20
_LINKS = frozenset((1, 101, 12, 228, 229, 113, 276, 0))
PAD = 96
# The 16-byte record header, then Ethernet type, IPv4 version/IHL, total length, flags and
# fragment offset, protocol, addresses and ports (the raw key), TCP data offset; read in the
# file's byte order (see _consts).
_REC = "IIII12xHBxHxxHxB2x12s8xB"
_VLAN = "16x4x12xHBxHxxHxB2x12s8xB"


class _Chunks:
    """A file read forward in chunks: ``buf`` holds file bytes from offset ``base`` on, then
    ``PAD`` zero bytes so that fixed-size header reads never run off its end; ``size`` is the
    number of real bytes."""

    def __init__(self, f: BinaryIO, first: bytes) -> None:
        self.f = f
        self.buf = first + bytes(PAD)
        self.size = len(first)
        self.base = 0

    def more(self, keep_from: int) -> bool:
        """Drop ``buf[:keep_from]``, append the next chunk; False at the end of the file."""
        data = self.f.read(CHUNK)
        if not data:
            return False
        self.buf = b"".join((self.buf[keep_from:self.size], data, bytes(PAD)))
        self.size = self.size - keep_from + len(data)
        self.base += keep_from
        return True


def _consts(order: str, link: int) -> tuple[int, int, int, list[int]]:
    """Ethernet types IPv4 and 802.1Q, the fragment-offset mask and the total-length table as
    read with ``order`` (little-endian files give byte-swapped big-endian fields)."""
    if link != 1:
        return -1, -1, 0, []
    if order == "<":
        return 0x0008, 0x0081, 0xFF1F, [((x & 0xFF) << 8) | (x >> 8) for x in range(65536)]
    return 0x0800, 0x8100, 0x1FFF, list(range(65536))


def _read_pcap(st: State, ch: _Chunks) -> None:
    buf = ch.buf
    if ch.size < 24:
        st.cap.damage.append(Damage(st.name, 0, "pcap file header truncated"))
        return
    order, unit = PCAP_MAGICS[buf[:4]]
    link = struct.unpack_from(order + "I", buf, 20)[0] & 0xFFFF
    if link not in _LINKS:
        raise UsageError(f"{st.name}: link type {link} is not supported (use tshark to convert)")
    hdr = struct.Struct(order + "IIII").unpack_from
    rec = struct.Struct(order + _REC).unpack_from
    vlan = struct.Struct(order + _VLAN).unpack_from
    et_ip, et_vlan, frag_mask, plen_of = _consts(order, link)
    tcp, udp, nf_ports = st.tcp, st.udp, st.nf_ports
    named = bytes(1 if c == 0x16 or c in HTTP_FIRST else 0 for c in range(256))
    off = 24
    n = 0
    while True:
        avail = ch.size
        while off + 16 <= avail:
            sec, frac, incl, _orig, et, vihl, plen, frag, proto, key, doff = rec(buf, off)
            p = off + 16
            end = p + incl
            if end > avail or incl > MAX_CAPLEN:
                break
            n += 1
            off = end
            q = p
            if et == et_vlan and incl >= 58:
                et, vihl, plen, frag, proto, key, doff = vlan(buf, p - 16)
                q = p + 4
            if et == et_ip and vihl == 0x45 and incl >= 54 and not frag & frag_mask:
                plen = plen_of[plen]
                if proto == 6:
                    table = tcp
                    pl = q + 34 + ((doff >> 4) << 2)
                    if pl < q + 14 + plen and pl < end and named[buf[pl]]:
                        st.tcp_name(n, key[:4], key[4:8], (key[8] << 8) | key[9],
                                    (key[10] << 8) | key[11], buf[pl:min(q + 14 + plen, end)])
                elif proto == 17:
                    table = udp
                    if nf_ports and (key[10] << 8) | key[11] in nf_ports:
                        st.netflow(buf[q + 42:min(q + 14 + plen, end)])
                        continue
                    if key[9] == 53 and key[8] == 0 and plen > 28:
                        st.dns(n, key[:4], buf[q + 42:min(q + 14 + plen, end)])
                else:
                    frame(st, n, buf, p, end, sec + frac * unit, link)
                    continue
                ts = sec + frac * unit
                v = table.get(key)
                if v is None:
                    table[key] = [plen + ONE, ts, ts]
                else:
                    v[0] += plen + ONE
                    v[2] = ts
                continue
            frame(st, n, buf, p, end, sec + frac * unit, link)
        if off + 16 <= avail:
            incl = hdr(buf, off)[2]
            if incl > MAX_CAPLEN:
                st.cap.damage.append(Damage(st.name, ch.base + off,
                                            f"corrupt record: captured length {incl}"))
                break
        if len(tcp) + len(udp) > FLUSH_AT:
            st.flush()
        if not ch.more(off):
            _pcap_end(st, ch, off, hdr)
            break
        buf = ch.buf
        off = 0
    st.packets = n


def _pcap_end(st: State, ch: _Chunks, off: int,
              hdr: Callable[[bytes, int], tuple[int, ...]]) -> None:
    """Damage at the end of a pcap file: a partial record header or record."""
    left = ch.size - off
    if left == 0:
        return
    if left < 16:
        st.cap.damage.append(Damage(st.name, ch.base + off,
                                    f"truncated record header ({left} of 16 bytes)"))
        return
    incl = hdr(ch.buf, off)[2]
    st.cap.damage.append(Damage(st.name, ch.base + off, f"truncated record: {incl} bytes "
                                                        f"announced, {left - 16} present"))


def _read_pcapng(st: State, ch: _Chunks) -> None:
    order = "<"
    links: list[tuple[int, float]] = []
    off = 0
    n = 0
    while True:
        buf = ch.buf
        size = ch.size
        while off + 12 <= size:
            btype = struct.unpack_from(order + "I", buf, off)[0]
            if btype == 0x0A0D0D0A:
                order = "<" if buf[off + 8:off + 12] == b"\x4d\x3c\x2b\x1a" else ">"
                links = []
            blen = struct.unpack_from(order + "I", buf, off + 4)[0]
            if blen < 12 or blen % 4 or blen > MAX_CAPLEN + 64:
                st.cap.damage.append(Damage(st.name, ch.base + off, f"corrupt block: length "
                                                                    f"{blen}"))
                st.packets = n
                return
            if off + blen > size:
                break
            if btype == 1 and blen >= 20:
                link = struct.unpack_from(order + "H", buf, off + 8)[0]
                links.append((link, _tsresol(buf, off + 16, off + blen - 4, order)))
            elif btype == 6 and blen >= 32:
                ifid, hi, lo, incl = struct.unpack_from(order + "IIII", buf, off + 8)
                if ifid < len(links) and 28 + incl <= blen:
                    n += 1
                    link, unit = links[ifid]
                    if link in _LINKS:
                        frame(st, n, buf, off + 28, off + 28 + incl, ((hi << 32) | lo) * unit,
                              link)
            elif btype == 3 and blen >= 16 and links:
                n += 1
                incl = min(struct.unpack_from(order + "I", buf, off + 8)[0], blen - 16)
                if links[0][0] in _LINKS:
                    frame(st, n, buf, off + 12, off + 12 + incl, 0.0, links[0][0])
            off += blen
        if not ch.more(off):
            left = ch.size - off
            if 0 < left < 12:
                st.cap.damage.append(Damage(st.name, ch.base + off, "truncated block header"))
            elif left:
                blen = struct.unpack_from(order + "I", ch.buf, off + 4)[0]
                st.cap.damage.append(Damage(st.name, ch.base + off, f"truncated block: {blen} "
                                                                    f"bytes announced, {left} "
                                                                    "present"))
            break
        off = 0
    st.packets = n


def _tsresol(buf: bytes, off: int, end: int, order: str) -> float:
    """The if_tsresol option of an Interface Description Block (default microseconds)."""
    while off + 4 <= end:
        code, ln = struct.unpack_from(order + "HH", buf, off)
        if code == 0:
            break
        if code == 9 and ln >= 1:
            v = buf[off + 4]
            return float(2.0 ** -(v & 0x7F)) if v & 0x80 else float(10.0 ** -v)
        off += 4 + ((ln + 3) & ~3)
    return 1e-6


def is_capture(head: bytes) -> bool:
    return head[:4] in PCAP_MAGICS or head[:4] == PCAPNG_MAGIC


def read_capture(path: Path, cap: Capture, nf_ports: frozenset[int] = frozenset()) -> None:
    """Read one pcap or pcapng file into ``cap``; UDP datagrams to ``nf_ports`` are decoded
    as NetFlow v5/v9 exports instead of being counted."""
    name = str(path)
    try:
        f = path.open("rb")
    except OSError as e:
        raise UsageError(f"cannot read '{name}': {e.strerror or e}") from e
    with f:
        try:
            first = f.read(CHUNK)
        except OSError as e:
            raise UsageError(f"cannot read '{name}': {e.strerror or e}") from e
        if not first:
            raise UsageError(f"{name}: empty file")
        st = State(cap, name, nf_ports)
        ch = _Chunks(f, first)
        if first[:4] == PCAPNG_MAGIC:
            _read_pcapng(st, ch)
        elif first[:4] in PCAP_MAGICS:
            _read_pcap(st, ch)
        else:
            raise UsageError(f"{name}: offset 0: not a pcap or pcapng file")
        st.flush()
        cap.records += st.packets
        cap.files.append(name)
