"""The pcap hot path, vectorised: per chunk of the file, Python only walks the record chain (one
``struct`` call per record); numpy then reads the Ethernet/VLAN/IPv4/TCP/UDP fields of all records
at once, orients each packet (the lower port is the service), and sums bytes and packets per
(client, server, proto, server port, direction) with first and last timestamps. Per-chunk sums
are merged in numpy, so Python touches each endpoint once per file, not each packet.

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
_FOUR = np.arange(4, dtype=np.int64)


def _u16(a: Arr, i: Arr) -> Arr:
    out: Arr = (a[i].astype(np.int64) << 8) | a[i + 1]
    return out


def _u32(a: Arr, i: Arr, little: bool) -> Arr:
    """The 32-bit numbers at offsets ``i`` of byte array ``a`` (one gather of 4 bytes each)."""
    raw = np.ascontiguousarray(a[i[:, None] + _FOUR])
    out: Arr = raw.view("<u4" if little else ">u4")[:, 0].astype(np.int64)
    return out


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
        idx = np.lexsort((k2, k1))
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


def chunk(st: State, sums: Sums, buf: bytes, offs: list[int], n0: int, little: bool,
          unit: float, link: int) -> None:
    """Account the records starting at ``offs`` in ``buf`` (all complete; ``buf`` is padded
    so that header reads past a short record stay inside it). ``n0`` is the number of the
    packet before the first."""
    if not offs:
        return
    a = np.frombuffer(buf, dtype=np.uint8)
    o = np.array(offs, dtype=np.int64)
    incl = _u32(a, o + 8, little)
    ts = _u32(a, o, little) + _u32(a, o + 4, little) * unit
    p = o + 16
    end = p + incl
    if link == 1:
        et = _u16(a, p + 12)
        vlan = (et == 0x8100) & (incl >= 18)
        q = p + 14 + 4 * vlan
        et = np.where(vlan, _u16(a, p + 16), et)
        fast = et == 0x0800
    elif link in (101, 12, 228, 229):
        q = p
        fast = np.ones(len(o), dtype=bool)
    else:
        q = p
        fast = np.zeros(len(o), dtype=bool)
    hl = q - p
    fast &= (a[q] == 0x45) & (incl >= hl + 28)
    plen = _u16(a, q + 2)
    proto = a[q + 9]
    fast &= ((_u16(a, q + 6) & 0x1FFF) == 0) & ((proto == 17) | ((proto == 6) & (incl >= hl + 40)))
    ip_end = np.minimum(q + plen, end)
    src, dst = _u32(a, q + 12, False), _u32(a, q + 16, False)
    sport, dport = _u16(a, q + 20), _u16(a, q + 22)
    tcp = fast & (proto == 6)
    pl = np.where(tcp, q + 20 + ((a[np.where(tcp, q + 32, 0)] >> 4).astype(np.int64) << 2), 0)
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
        for n, k, pi, ei, qi, ii, li, sp, dp, ti in zip(*(c.tolist() for c in cols),
                                                          strict=True):
            if k == 0:
                frame(st, n, buf, pi, ei, ti, link)
            elif k == 1:
                st.netflow(buf[qi + 28:ii])
            elif k == 2:
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
