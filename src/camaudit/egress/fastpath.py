"""The compiled capture fast path: ``_fastpcap`` (C, built at install time when a compiler is
there) walks pcap records and pcapng Enhanced Packet Blocks and sums every IPv4 TCP/UDP packet
per endpoint into a table this module owns, so Python never touches those packets. What it lists
as events is read here, in packet order, by the general code of ``frames``: DNS answers, TCP
payloads that start like a ClientHello or an HTTP request, NetFlow exports and frames of any
other shape (IPv6, fragments, other protocols, short frames).

Without the extension (``available()`` is False) ``pcap.py`` uses the numpy path of
``pcapvec``; both give the same result, which the tests check packet for packet.
"""

from __future__ import annotations

from types import ModuleType
from typing import Any

import numpy as np

from camaudit.egress.frames import State, frame
from camaudit.egress.pcapvec import Sums

_fastpcap: ModuleType | None
try:
    from camaudit.egress import _fastpcap
except ImportError:  # built without a C compiler: the numpy path serves
    _fastpcap = None

FULL = 2  # scan_* returned before a record could overflow the table or event list
DNS, NAME, FRAME = 2, 3, 0
TABLE_ROWS = 1 << 16  # endpoints summed in C before numpy merges them (half may be used)
EVENTS = 1 << 14  # events per call


def available() -> bool:
    return _fastpcap is not None


def port_map(ports: frozenset[int]) -> bytes:
    """The 65536-bit map of NetFlow export ports the extension reads (empty for none)."""
    if not ports:
        return b""
    bits = np.zeros(65536, dtype=bool)
    bits[list(ports)] = True
    return np.packbits(bits, bitorder="little").tobytes()


class Fast:
    """The extension's table and event list for one capture file."""

    def __init__(self, st: State, sums: Sums, max_caplen: int) -> None:
        if _fastpcap is None:
            raise RuntimeError("camaudit.egress._fastpcap was not built")
        self.mod = _fastpcap
        self.st = st
        self.sums = sums
        self.max_caplen = max_caplen
        self.table = np.full((TABLE_ROWS, 4), -1, dtype=np.int64)
        self.times = np.zeros((TABLE_ROWS, 2))
        self.used = 0
        self.events = np.zeros((EVENTS, 9), dtype=np.int64)
        self.event_times = np.zeros(EVENTS)
        self.nf = port_map(st.nf_ports)

    def pcap(self, buf: bytes, off: int, avail: int, little: bool, link: int, unit: float,
             n: int) -> tuple[int, int]:
        """The pcap records of ``buf[off:avail]`` accounted, up to the end of the last whole
        one or a record that claims too long a captured length (the caller reports that
        damage): (offset after them, packets so far)."""
        while True:
            off, n, self.used, nev, status = self.mod.scan_pcap(
                buf, off, avail, little, link, unit, self.max_caplen, n, self.nf, self.table,
                self.times, self.used, self.events, self.event_times)
            self._read_events(buf, nev)
            if status != FULL:
                return off, n
            self._drain_if_full()

    def pcapng(self, buf: bytes, off: int, avail: int, little: bool, links: bytearray,
               units: bytearray, n: int) -> tuple[int, int]:
        """Enhanced Packet Blocks from ``off`` accounted, up to the first block of another kind
        or shape (the caller reads that one) or the end of ``buf[:avail]``: (offset, packets).
        ``links`` and ``units`` hold one native int64 link type (-1: unsupported) and one
        float64 time unit per interface; the caller grows them as interfaces are described
        (never rebuilt per call: a file of many interfaces stays linear)."""
        while True:
            off, n, self.used, nev, status = self.mod.scan_pcapng(
                buf, off, avail, little, links, units, self.max_caplen + 64, n, self.nf,
                self.table, self.times, self.used, self.events, self.event_times)
            self._read_events(buf, nev)
            if status != FULL:
                return off, n
            self._drain_if_full()

    def _drain_if_full(self) -> None:
        if self.used >= TABLE_ROWS // 2:
            self.drain()

    def drain(self) -> None:
        """Move the table's sums into ``sums`` (numpy merges them) and empty it."""
        if self.used == 0:
            return
        full = self.table[:, 1] != -1
        rows: np.ndarray[Any, Any] = self.table[full]
        times: np.ndarray[Any, Any] = self.times[full]
        self.sums.add(rows[:, 0].view(np.uint64), rows[:, 1], rows[:, 2], rows[:, 3],
                      times[:, 0], times[:, 1])
        self.table[:, 1] = -1
        self.used = 0

    def _read_events(self, buf: bytes, nev: int) -> None:
        st = self.st
        seen, hellos, named = st.dns_seen, st.hellos, st.named
        for (n, kind, start, end, addr, pay, ip_end, sport, dport), ts in zip(
                self.events[:nev].tolist(), self.event_times[:nev].tolist(), strict=True):
            if kind == DNS:
                if buf[pay + 2:ip_end] not in seen:  # most answers repeat: skip the call
                    st.dns_at(n, buf[addr:addr + 4], buf, pay, ip_end)
            elif kind == NAME:
                # a payload read before, whose name this connection already has: skip the call
                # (the test of State.tcp_name with flows.src_is_client, inlined: a hot loop)
                data = buf[pay:ip_end]
                name = hellos.get(data, "")
                if name is None:
                    continue
                if name:
                    src, dst = buf[addr:addr + 4], buf[addr + 4:addr + 8]
                    if dport < sport or (dport == sport and src <= dst):
                        if (src, dst, dport, name) in named:
                            continue
                    elif (dst, src, sport, name) in named:
                        continue
                st.tcp_name(n, buf[addr:addr + 4], buf[addr + 4:addr + 8], sport, dport, data)
            elif kind == FRAME:
                frame(st, n, buf, start, end, ts, addr)
            else:
                st.netflow(buf[pay:ip_end], n)
