"""The pcap hot path, vectorised: per chunk of the file, numpy finds the record chain (``walk``;
Python steps record by record only where numpy cannot prove the chain at once); numpy then reads
the Ethernet/VLAN/IPv4/TCP/UDP fields of all records at once, orients each packet (the lower
port is the service), and sums bytes and packets per (client, server, proto, server port,
direction) with first and last timestamps. Per-chunk sums are merged in numpy, so Python
touches each endpoint once per file, not each packet.

Python still sees, in packet order: frames of any other shape (IPv6, IP options, fragments,
other link types: ``frames.frame``), UDP from port 53 (DNS answers), TCP segments that start like
a TLS handshake or an HTTP request (SNI, Host) and NetFlow exports (``--netflow-port``).
"""

from __future__ import annotations

import socket
from typing import Any

import numpy as np

from camaudit.egress.frames import HTTP_FIRST, State, frame

Arr = np.ndarray[Any, Any]
_NAMED = np.array([c == 0x16 or c in HTTP_FIRST for c in range(256)])
_PROTO = {6: "tcp", 17: "udp"}
ROW = 72  # record header 16 + Ethernet 14 + VLAN 4 + IPv4 20 + TCP up to its data offset 13
_IPW = 33  # IPv4 header, ports and TCP header up to the data offset byte


def _rows(a: Arr, at: Arr, width: int) -> Arr:
    """The ``width`` bytes of ``a`` from each offset in ``at``, one row each (one gather)."""
    every = np.lib.stride_tricks.as_strided(a, shape=(max(len(a) - width + 1, 0), width),
                                            strides=(1, 1), writeable=False)
    out: Arr = every[at]
    return out


def _col(rows: Arr, start: int, width: int, code: str) -> Arr:
    """Columns ``start:start + width`` of a 2-D uint8 block read as numbers of dtype ``code``
    (``>u2``, ``<u4`` ...): one row of ``width // itemsize`` numbers per row of the block."""
    out: Arr = np.ascontiguousarray(rows[:, start:start + width]).view(code)
    return out


def walk(buf: bytes, off: int, avail: int, little: bool, max_caplen: int,
         max_frac: int) -> tuple[Arr, int]:
    """The longest run of pcap records from ``off`` that numpy can prove at once: (their
    offsets, the offset after them). Candidates are the positions whose timestamp has the top
    16 bits of the first record's, whose fraction of a second is below ``max_frac`` and whose
    captured length is at most the original length and ``max_caplen``; the run is the prefix in
    which each candidate's record ends exactly where the next candidate starts. Nothing is
    guessed: a record the test misses (or a stray candidate inside a payload) only ends the
    run there, and the caller steps on record by record."""
    if off + 16 > avail:
        return np.zeros(0, dtype=np.int64), off
    a = np.frombuffer(buf, dtype=np.uint8)
    top, second = (3, 2) if little else (0, 1)
    cand = np.flatnonzero(a[off + top:avail - 16 + top + 1] == a[off + top]) + off
    cand = cand[a[cand + second] == a[off + second]]
    hdr = _col(_rows(a, cand, 16), 0, 16, "<u4" if little else ">u4").astype(np.int64)
    incl = hdr[:, 2]
    keep = (incl <= max_caplen) & (hdr[:, 3] >= incl) & (hdr[:, 1] < max_frac)
    cand, incl = cand[keep], incl[keep]
    if len(cand) == 0 or cand[0] != off:
        return np.zeros(0, dtype=np.int64), off
    nxt = cand + 16 + incl
    bad = np.flatnonzero(nxt[:-1] != cand[1:])
    j = int(bad[0]) if len(bad) else len(cand) - 1
    return cand[:j], int(cand[j])


class Sums:
    """Per-endpoint sums of the fast path, kept as sorted numpy columns."""

    def __init__(self) -> None:
        self.cols: list[Arr] | None = None

    def add(self, k1: Arr, k2: Arr, nbytes: Arr, pkts: Arr, first: Arr, last: Arr) -> None:
        if self.cols is not None:
            old = self.cols
            k1, k2, nbytes, pkts, first, last = (np.concatenate((o, x)) for o, x in zip(
                old, (k1, k2, nbytes, pkts, first, last), strict=True))
        if len(k1) == 0:
            return
        # sort by (k1, k2) as one number: the rank of k1 above k2 (k2 < 2**25: proto, port,
        # direction); 2-3 times quicker than np.lexsort, and sums, minima and maxima do not
        # depend on the order within a group
        by1 = np.argsort(k1)
        s1 = k1[by1]
        rank = np.empty(len(k1), dtype=np.int64)
        rank[by1] = np.cumsum(np.concatenate(([True], s1[1:] != s1[:-1]))) - 1
        idx = np.argsort((rank << 25) | k2)
        k1, k2 = k1[idx], k2[idx]
        start = np.flatnonzero(np.concatenate(([True], (k1[1:] != k1[:-1])
                                               | (k2[1:] != k2[:-1]))))
        self.cols = [k1[start], k2[start], np.add.reduceat(nbytes[idx], start),
                     np.add.reduceat(pkts[idx], start), np.minimum.reduceat(first[idx], start),
                     np.maximum.reduceat(last[idx], start)]

    def flush(self, st: State) -> None:
        """Add the sums to the Capture as connections (client, server, proto, port)."""
        if self.cols is None:
            return
        text: dict[int, str] = {}
        add = st.cap.add_conn
        for k1, k2, b, p, first, last in zip(*(c.tolist() for c in self.cols), strict=True):
            c, s = k1 >> 32, k1 & 0xFFFFFFFF
            ct = text.get(c) or text.setdefault(c, socket.inet_ntoa(c.to_bytes(4, "big")))
            stx = text.get(s) or text.setdefault(s, socket.inet_ntoa(s.to_bytes(4, "big")))
            key = (ct, stx, _PROTO[k2 >> 17], (k2 >> 1) & 0xFFFF)
            if k2 & 1:
                add(key, 0, b, 0, p, first, last)
            else:
                add(key, b, 0, p, 0, first, last)
        self.cols = None


def chunk(st: State, sums: Sums, buf: bytes, offs: list[int] | Arr, n0: int, little: bool,
          unit: float, link: int) -> None:
    """Account the records starting at ``offs`` in ``buf`` (all complete; ``buf`` is padded
    so that header reads past a short record stay inside it). ``n0`` is the number of the
    packet before the first."""
    if len(offs) == 0:
        return
    a = np.frombuffer(buf, dtype=np.uint8)
    o = np.asarray(offs, dtype=np.int64)
    # one gather: the first ROW bytes of every record (record header, link header, IPv4
    # header, ports, TCP data offset), then fields are columns of that block
    rows = _rows(a, o, ROW)
    hdr = _col(rows, 0, 16, "<u4" if little else ">u4").astype(np.int64)
    incl = hdr[:, 2]
    ts = hdr[:, 0] + hdr[:, 1] * unit
    p = o + 16
    end = p + incl
    if link == 1:
        et = _col(rows, 28, 2, ">u2")[:, 0]
        vlan = (et == 0x8100) & (incl >= 18)
        q = p + 14 + 4 * vlan
        et = np.where(vlan, _col(rows, 32, 2, ">u2")[:, 0], et)
        fast = et == 0x0800
        ip = np.where(vlan[:, None], rows[:, 34:34 + _IPW], rows[:, 30:30 + _IPW])
    elif link in (101, 12, 228, 229):
        q = p
        fast = np.ones(len(o), dtype=bool)
        ip = rows[:, 16:16 + _IPW]
    else:
        q = p
        fast = np.zeros(len(o), dtype=bool)
        ip = rows[:, 16:16 + _IPW]
    hl = q - p
    fast &= (ip[:, 0] == 0x45) & (incl >= hl + 28)
    words = _col(ip, 0, 8, ">u2").astype(np.int64)
    plen = words[:, 1]
    proto = ip[:, 9]
    fast &= ((words[:, 3] & 0x1FFF) == 0) & ((proto == 17) | ((proto == 6) & (incl >= hl + 40)))
    ip_end = np.minimum(q + plen, end)
    addr = _col(ip, 12, 8, ">u4").astype(np.int64)
    src, dst = addr[:, 0], addr[:, 1]
    ports = _col(ip, 20, 4, ">u2").astype(np.int64)
    sport, dport = ports[:, 0], ports[:, 1]
    tcp = fast & (proto == 6)
    pl = np.where(tcp, q + 20 + ((ip[:, 32] >> 4).astype(np.int64) << 2), 0)
    pl_ok = tcp & (pl < ip_end)
    named = pl_ok & _NAMED[a[np.where(pl_ok, pl, 0)]]
    udp = fast & (proto == 17)
    dns = udp & (sport == 53) & (ip_end > q + 28)
    nf = udp & np.isin(dport, list(st.nf_ports)) if st.nf_ports else np.zeros(len(o), bool)
    cand = np.flatnonzero(~fast | named | dns | nf)
    if len(cand):
        kind = np.where(fast, np.where(nf, 1, np.where(dns, 2, 3)), 0)[cand]
        cols = (cand + n0 + 1, kind, p[cand], end[cand], q[cand], ip_end[cand], pl[cand],
                sport[cand], dport[cand], ts[cand])
        seen = st.dns_seen
        for n, k, pi, ei, qi, ii, li, sp, dp, ti in zip(*(c.tolist() for c in cols),
                                                          strict=True):
            if k == 0:
                frame(st, n, buf, pi, ei, ti, link)
            elif k == 1:
                st.netflow(buf[qi + 28:ii], n)
            elif k == 2:
                if buf[qi + 30:ii] not in seen:  # most answers repeat: skip the call
                    st.dns_at(n, buf[qi + 12:qi + 16], buf, qi + 28, ii)
            else:
                st.tcp_name(n, buf[qi + 12:qi + 16], buf[qi + 16:qi + 20], sp, dp, buf[li:ii])
    keep = fast & ~nf
    src, dst, sport, dport = src[keep], dst[keep], sport[keep], dport[keep]
    cf = (dport < sport) | ((dport == sport) & (src <= dst))
    k1 = (np.where(cf, src, dst).astype(np.uint64) << np.uint64(32)) | np.where(
        cf, dst, src).astype(np.uint64)
    k2 = (proto[keep].astype(np.int64) << 17) | (np.where(cf, dport, sport) << 1) | ~cf
    sums.add(k1, k2, plen[keep], np.ones(len(k1), dtype=np.int64), ts[keep], ts[keep])
