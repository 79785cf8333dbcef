"""pcap and pcapng reader: files read in chunks (memory stays bounded whatever the file size),
hand-written Ethernet/VLAN/IPv4/IPv6/TCP/UDP, DNS answers, TLS SNI and HTTP Host, aggregated per
endpoint as it goes (see ``frames.py`` and ``flows.py``).

Link types: Ethernet (1), raw IP (101, 12, 228, 229), Linux cooked v1/v2 (113, 276), BSD
loopback (0). A record that runs past the end of the file or claims an impossible length is
damage: reading stops there, what came before is kept and ``Capture.damage`` names the offset.
A pcapng block that cannot be used but whose length is sound (a packet of an interface never
described, a captured length past its block, interfaces beyond ``MAX_INTERFACES``) is damage
too, and reading goes on after it; so is a read error part-way (a corrupt gzip stream).
Nothing here raises on hostile bytes except ``UsageError`` for a file that is no capture at all.

pcap records are found (``pcapvec.walk``, stepping in Python where numpy cannot prove the
chain) and parsed in numpy per chunk (``pcapvec.chunk``); pcapng blocks
and packets of other shapes go through ``frames.frame``.
"""

from __future__ import annotations

import gzip
import struct
from collections.abc import Callable
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np

from camaudit.egress.fastpath import Fast, available
from camaudit.egress.flows import Capture, Damage
from camaudit.egress.frames import State, frame
from camaudit.egress.pcapvec import Sums, chunk, walk
from camaudit.egress.source import READ_ERRORS, Source, open_source
from camaudit.errors import UsageError

PCAP_MAGICS = {b"\xd4\xc3\xb2\xa1": ("<", 1e-6), b"\xa1\xb2\xc3\xd4": (">", 1e-6),
               b"\x4d\x3c\xb2\xa1": ("<", 1e-9), b"\xa1\xb2\x3c\x4d": (">", 1e-9)}
PCAPNG_MAGIC = b"\x0a\x0d\x0d\x0a"
MAX_CAPLEN = 262144
CHUNK = 16 << 20
_LINKS = frozenset((1, 101, 12, 228, 229, 113, 276, 0))
PAD = 128
STEPS = 256  # records stepped in Python after a run numpy proved
MIN_RUN = 4096  # a shorter run: numpy's test does not suit this chunk, step the rest
MAX_INTERFACES = 4096  # pcapng interfaces per section; more are damage
_LINK = struct.Struct("=q")  # native, as _fastpcap.c reads them
_UNIT = struct.Struct("=d")


class _Chunks:
    """A file read forward in chunks: ``buf`` holds file bytes from offset ``base`` on, then at
    least ``PAD`` more bytes so that fixed-size header reads never run off its end (zeros at
    the end of the file, else the file's next bytes, which the next chunk reads again);
    ``size`` is the number of bytes of this chunk."""

    def __init__(self, f: BinaryIO, first: bytes) -> None:
        self.f = f
        self.buf = first + bytes(PAD)
        self.size = len(first)
        self.base = 0
        self.error = ""  # why reading stopped before the end of the file, if it did
        try:
            # a gzip stream can seek back only by decompressing again from its start
            self.seekable = f.seekable() and not isinstance(f, gzip.GzipFile)
        except (OSError, ValueError):
            self.seekable = False

    def more(self, keep_from: int) -> bool:
        """Drop ``buf[:keep_from]``, append the next chunk; False at the end of the file or
        at a read error (``error`` says which)."""
        try:
            return self._more(keep_from)
        except READ_ERRORS as e:
            self.error = f"unreadable from here on: {e}"
            return False

    def damage(self, st: State, off: int) -> bool:
        """Report a read error at ``off`` of this chunk as damage; True when there was one."""
        if self.error:
            st.cap.note(st.name, self.base + off, self.error)
        return bool(self.error)

    def _more(self, keep_from: int) -> bool:
        tail = self.size - keep_from
        if self.seekable:
            # read the kept tail again with the next chunk: one read, no 16 MB copy
            self.f.seek(self.base + keep_from)
            want = tail + CHUNK + PAD
            data = self.f.read(want)
            if len(data) <= tail:
                return False
            self.base += keep_from
            if len(data) == want:
                self.buf, self.size = data, want - PAD
            else:
                self.buf, self.size = data + bytes(PAD), len(data)
            return True
        data = self.f.read(CHUNK)
        if not data:
            return False
        self.buf = b"".join((self.buf[keep_from:self.size], data, bytes(PAD)))
        self.size = tail + len(data)
        self.base += keep_from
        return True


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
    incl_of = struct.Struct(order + "8xI").unpack_from
    frac = 1_000_000 if unit == 1e-6 else 1_000_000_000
    sums = Sums()
    fast = Fast(st, sums, MAX_CAPLEN) if available() else None
    off = 24
    n = 0
    while True:
        avail = ch.size
        if fast is not None:
            off, n = fast.pcap(buf, off, avail, order == "<", link, unit, n)
        else:
            off, n = _walk_and_sum(st, sums, buf, off, avail, order, unit, link, frac, n)
        if off + 16 <= avail:
            incl = incl_of(buf, off)[0]
            if incl > MAX_CAPLEN:
                st.cap.damage.append(Damage(st.name, ch.base + off,
                                            f"corrupt record: captured length {incl}"))
                break
        if not ch.more(off):
            if not ch.damage(st, off):
                _pcap_end(st, ch, off, hdr)
            break
        buf = ch.buf
        off = 0
    if fast is not None:
        fast.drain()
    sums.flush(st)
    st.packets = n


def _walk_and_sum(st: State, sums: Sums, buf: bytes, off: int, avail: int, order: str,
                  unit: float, link: int, frac: int, n: int) -> tuple[int, int]:
    """The numpy path over one chunk: its whole records found and summed; (offset after
    them, packets so far)."""
    incl_of = struct.Struct(order + "8xI").unpack_from
    parts: list[np.ndarray[Any, Any]] = []
    offs: list[int] = []
    app = offs.append
    budget = 0
    while off + 16 <= avail:
        if budget == 0:
            run, off = walk(buf, off, avail, order == "<", MAX_CAPLEN, frac)
            parts.append(run)
            # numpy proved a long run: step a little, then let it try again; otherwise
            # step through the rest of the chunk record by record
            budget = STEPS if len(run) >= MIN_RUN else -1
            continue
        (incl,) = incl_of(buf, off)
        end = off + 16 + incl
        if end > avail or incl > MAX_CAPLEN:
            break
        app(off)
        off = end
        budget -= 1
        if budget == 0:
            parts.append(np.array(offs, dtype=np.int64))
            offs = []
            app = offs.append
    parts.append(np.array(offs, dtype=np.int64))
    found = np.concatenate(parts)
    chunk(st, sums, buf, found, n, order == "<", unit, link)
    return off, n + len(found)


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


class _Links:
    """The interfaces of a pcapng section: (link type, time unit) each, and the same as the
    arrays the compiled path reads, grown one interface at a time (never rebuilt)."""

    def __init__(self) -> None:
        self.list: list[tuple[int, float]] = []
        self.links = bytearray()
        self.units = bytearray()

    def add(self, link: int, unit: float) -> None:
        self.list.append((link, unit))
        self.links += _LINK.pack(link if link in _LINKS else -1)
        self.units += _UNIT.pack(unit)


def _read_pcapng(st: State, ch: _Chunks) -> None:
    order = "<"
    links = _Links()
    sums = Sums()
    fast = Fast(st, sums, MAX_CAPLEN) if available() else None
    note = st.cap.note
    off = 0
    n = 0
    corrupt = False
    while True:
        buf = ch.buf
        size = ch.size
        while off + 12 <= size:
            if fast is not None and links.list:
                # Enhanced Packet Blocks in C, up to a block of another kind or shape
                off, n = fast.pcapng(buf, off, size, order == "<", links.links, links.units, n)
                if off + 12 > size:
                    break
            btype = struct.unpack_from(order + "I", buf, off)[0]
            if btype == 0x0A0D0D0A:
                order = "<" if buf[off + 8:off + 12] == b"\x4d\x3c\x2b\x1a" else ">"
                links = _Links()
            blen = struct.unpack_from(order + "I", buf, off + 4)[0]
            if blen < 12 or blen % 4 or blen > MAX_CAPLEN + 64:
                note(st.name, ch.base + off, f"corrupt block: length {blen}")
                corrupt = True
                break
            if off + blen > size:
                break
            at = ch.base + off
            if btype == 1:
                if blen < 20:
                    note(st.name, at, f"interface block of {blen} bytes")
                elif len(links.list) >= MAX_INTERFACES:
                    note(st.name, at, f"more than {MAX_INTERFACES} interfaces: ignored")
                else:
                    link = struct.unpack_from(order + "H", buf, off + 8)[0]
                    links.add(link, _tsresol(buf, off + 16, off + blen - 4, order))
            elif btype == 6:
                n = _epb(st, buf, off, blen, order, links.list, n, at)
            elif btype == 3:
                if blen < 16 or not links.list:
                    note(st.name, at, "simple packet block before any interface"
                         if blen >= 16 else f"simple packet block of {blen} bytes")
                else:
                    n += 1
                    incl = min(struct.unpack_from(order + "I", buf, off + 8)[0], blen - 16)
                    if links.list[0][0] in _LINKS:
                        frame(st, n, buf, off + 12, off + 12 + incl, 0.0, links.list[0][0])
            off += blen
        if corrupt:
            break
        if not ch.more(off):
            if ch.damage(st, off):
                break
            left = ch.size - off
            if 0 < left < 12:
                note(st.name, ch.base + off, "truncated block header")
            elif left:
                blen = struct.unpack_from(order + "I", ch.buf, off + 4)[0]
                note(st.name, ch.base + off, f"truncated block: {blen} bytes announced, "
                                             f"{left} present")
            break
        off = 0
    if fast is not None:
        fast.drain()
    sums.flush(st)
    st.packets = n


def _epb(st: State, buf: bytes, off: int, blen: int, order: str,
         links: list[tuple[int, float]], n: int, at: int) -> int:
    """One Enhanced Packet Block the compiled path left (or every one, without it): its frame
    accounted, or damage when it cannot be; the packet count after it."""
    if blen < 32:
        st.cap.note(st.name, at, f"packet block of {blen} bytes")
        return n
    ifid, hi, lo, incl = struct.unpack_from(order + "IIII", buf, off + 8)
    if ifid >= len(links):
        st.cap.note(st.name, at, f"packet of interface {ifid}, which was never described")
        return n
    if 28 + incl > blen:
        st.cap.note(st.name, at, f"packet of {incl} bytes in a block of {blen}")
        return n
    n += 1
    link, unit = links[ifid]
    if link in _LINKS:
        frame(st, n, buf, off + 28, off + 28 + incl, ((hi << 32) | lo) * unit, link)
    return n


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


def read_capture(path: Path, cap: Capture, nf_ports: frozenset[int] = frozenset(),
                 src: Source | None = None) -> None:
    """Read one pcap or pcapng file into ``cap``; UDP datagrams to ``nf_ports`` are decoded
    as NetFlow v5/v9 exports instead of being counted. ``src`` is the file already open
    (``source.open_source``: read once, gzip undone), else ``path`` is opened."""
    own = src is None
    if src is None:
        src = open_source(path)
    try:
        _read_capture(src, cap, nf_ports)
    finally:
        if own:
            src.close()


def _read_capture(src: Source, cap: Capture, nf_ports: frozenset[int]) -> None:
    name = src.name
    f = src.stream
    try:
        first = f.read(CHUNK)
    except READ_ERRORS as e:
        raise UsageError(f"cannot read '{name}': {getattr(e, 'strerror', None) or e}") from e
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
