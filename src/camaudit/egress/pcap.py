"""pcap and pcapng reader: mmap, hand-written Ethernet/VLAN/IPv4/IPv6/TCP/UDP, DNS answers,
TLS SNI and HTTP Host, aggregated per endpoint as it goes (see ``flows.py``).

Link types: Ethernet (1), raw IP (101, 12, 228, 229), Linux cooked v1/v2 (113, 276), BSD
loopback (0). A record that runs past the end of the file or claims an impossible length is
damage: reading stops there, what came before is kept and ``Capture.damage`` names the offset.
Nothing here raises on hostile bytes except ``UsageError`` for a file that is no capture at all.
"""

from __future__ import annotations

import mmap
import struct
from pathlib import Path

from camaudit.egress.flowrec import add_record
from camaudit.egress.flows import Capture, Damage, ip_text
from camaudit.errors import UsageError
from camaudit.wire.dns_msg import CNAME, parse_answers
from camaudit.wire.netflow import V9State, decode
from camaudit.wire.tls_hello import client_hello_sni, http_host

PCAP_MAGICS = {b"\xd4\xc3\xb2\xa1": ("<", 1e-6), b"\xa1\xb2\xc3\xd4": (">", 1e-6),
               b"\x4d\x3c\xb2\xa1": ("<", 1e-9), b"\xa1\xb2\x3c\x4d": (">", 1e-9)}
PCAPNG_MAGIC = b"\x0a\x0d\x0d\x0a"
MAX_CAPLEN = 262144
_HTTP_FIRST = frozenset(b"GPHODC")
# link type -> (bytes before the network header, how the network protocol is found)
_LINKS = {1: 14, 101: 0, 12: 0, 228: 0, 229: 0, 113: 16, 276: 20, 0: 4}
RawKey = tuple[bytes, bytes, int, int]


class _State:
    """Per-file state of the hot loop: raw-keyed connections, then merged into a Capture."""

    def __init__(self, cap: Capture, name: str, nf_ports: frozenset[int] = frozenset()) -> None:
        self.cap = cap
        self.name = name
        self.nf_ports = nf_ports
        self.nf_state = V9State()
        self.conns: dict[RawKey, list[float]] = {}
        self.packets = 0

    def payload(self, n: int, src: bytes, dst: bytes, proto: int, sport: int, dport: int,
                data: bytes) -> None:
        if proto == 17 and sport == 53:
            parsed = parse_answers(data)
            if parsed is None:
                return
            qname, answers = parsed
            names = {qname}
            for owner, rtype, value in answers:
                if rtype == CNAME:
                    names.add(owner)
                    names.add(value)
                    continue
                known = self.cap.names.get(value)
                for nm in (names | {owner}):
                    if known is None or nm not in known:
                        self.cap.add_name(value, nm, f"{self.name}#{n}: DNS answer {nm} -> "
                                                     f"{value} from {ip_text(src)}")
                        known = self.cap.names.get(value)
            return
        if proto != 6 or not data:
            return
        if data[0] == 0x16:
            name = client_hello_sni(data)
            kind = "TLS SNI"
        elif data[0] in _HTTP_FIRST:
            name = http_host(data)
            kind = "HTTP Host"
        else:
            return
        if name:
            client, port = (src, dport) if dport <= sport else (dst, sport)
            server = dst if client == src else src
            key = (ip_text(client), ip_text(server), "tcp", port)
            self.cap.add_flow_name(key, name, f"{self.name}#{n}: {kind} {name}")

    def netflow(self, data: bytes) -> None:
        """A NetFlow export datagram: its flows are evidence, the export itself is not."""
        for rec in decode(data, self.nf_state):
            add_record(self.cap, rec)
            self.cap.records += 1

    def merge(self) -> None:
        protos = {6: "tcp", 17: "udp", 1: "icmp", 58: "icmp6"}
        for (c, s, proto, port), v in self.conns.items():
            self.cap.add_conn((ip_text(c), ip_text(s), protos.get(proto, str(proto)), port), *v)
        self.cap.records += self.packets


def frame(st: _State, n: int, buf: mmap.mmap, p: int, end: int, ts: float, link: int) -> None:
    """Account one captured frame ``buf[p:end]`` (the hot path)."""
    if link == 1:
        if end - p < 34:
            return
        et = (buf[p + 12] << 8) | buf[p + 13]
        p += 14
        while et == 0x8100 or et == 0x88A8:
            if end - p < 24:
                return
            et = (buf[p + 2] << 8) | buf[p + 3]
            p += 4
    elif link == 113 or link == 276:
        off = 14 if link == 113 else 0
        if end - p < 20:
            return
        et = (buf[p + off] << 8) | buf[p + off + 1]
        p += 16 if link == 113 else 20
    elif link == 0:
        if end - p < 24:
            return
        fam = buf[p] if buf[p] else buf[p + 3]
        et = 0x0800 if fam == 2 else 0x86DD
        p += 4
    else:
        if end - p < 20:
            return
        et = 0x0800 if buf[p] >> 4 == 4 else 0x86DD
    if et == 0x0800:
        if end - p < 20:
            return
        ihl = (buf[p] & 15) << 2
        plen = (buf[p + 2] << 8) | buf[p + 3]
        proto = buf[p + 9]
        src = buf[p + 12:p + 16]
        dst = buf[p + 16:p + 20]
        l4 = p + ihl
        if (buf[p + 6] & 0x1F) or buf[p + 7]:
            l4 = end  # a later fragment carries no ports
        ip_end = p + plen
    elif et == 0x86DD:
        if end - p < 40:
            return
        plen = 40 + ((buf[p + 4] << 8) | buf[p + 5])
        proto = buf[p + 6]
        src = buf[p + 8:p + 24]
        dst = buf[p + 24:p + 40]
        l4 = p + 40
        ip_end = p + plen
    else:
        return
    if ip_end > end:
        ip_end = end
    if (proto == 6 or proto == 17) and l4 + 8 <= end:
        sport = (buf[l4] << 8) | buf[l4 + 1]
        dport = (buf[l4 + 2] << 8) | buf[l4 + 3]
        if proto == 17:
            if st.nf_ports and dport in st.nf_ports:
                st.netflow(buf[l4 + 8:ip_end])
                return
            if sport == 53 and ip_end > l4 + 8:
                st.payload(n, src, dst, 17, sport, dport, buf[l4 + 8:ip_end])
        elif l4 + 20 <= end:
            pl = l4 + ((buf[l4 + 12] >> 4) << 2)
            if pl < ip_end and (buf[pl] == 0x16 or buf[pl] in _HTTP_FIRST):
                st.payload(n, src, dst, 6, sport, dport, buf[pl:ip_end])
    else:
        sport = dport = 0
    if dport < sport or (dport == sport and src <= dst):
        key = (src, dst, proto, dport)
        v = st.conns.get(key)
        if v is None:
            st.conns[key] = [plen, 0, 1, 0, ts, ts]
        else:
            v[0] += plen
            v[2] += 1
            v[5] = ts
    else:
        key = (dst, src, proto, sport)
        v = st.conns.get(key)
        if v is None:
            st.conns[key] = [0, plen, 0, 1, ts, ts]
        else:
            v[1] += plen
            v[3] += 1
            v[5] = ts


def _read_pcap(st: _State, buf: mmap.mmap, size: int) -> None:
    order, unit = PCAP_MAGICS[bytes(buf[:4])]
    if size < 24:
        st.cap.damage.append(Damage(st.name, 0, "pcap file header truncated"))
        return
    link = struct.unpack_from(order + "I", buf, 20)[0] & 0xFFFF
    if link not in _LINKS:
        raise UsageError(f"{st.name}: link type {link} is not supported (use tshark to convert)")
    hdr = struct.Struct(order + "IIII").unpack_from
    off = 24
    n = 0
    while off < size:
        if off + 16 > size:
            st.cap.damage.append(Damage(st.name, off, f"truncated record header "
                                                      f"({size - off} of 16 bytes)"))
            break
        sec, frac, incl, _orig = hdr(buf, off)
        if incl > MAX_CAPLEN:
            st.cap.damage.append(Damage(st.name, off, f"corrupt record: captured length {incl}"))
            break
        p = off + 16
        end = p + incl
        if end > size:
            st.cap.damage.append(Damage(st.name, off, f"truncated record: {incl} bytes "
                                                      f"announced, {size - p} present"))
            break
        n += 1
        frame(st, n, buf, p, end, sec + frac * unit, link)
        off = end
    st.packets = n


def _read_pcapng(st: _State, buf: mmap.mmap, size: int) -> None:
    order = "<"
    links: list[tuple[int, float]] = []
    off = 0
    n = 0
    while off < size:
        if off + 12 > size:
            st.cap.damage.append(Damage(st.name, off, "truncated block header"))
            break
        btype = struct.unpack_from(order + "I", buf, off)[0]
        if btype == 0x0A0D0D0A:
            bom = bytes(buf[off + 8:off + 12])
            order = "<" if bom == b"\x4d\x3c\x2b\x1a" else ">"
            links = []
        blen = struct.unpack_from(order + "I", buf, off + 4)[0]
        if blen < 12 or blen % 4 or blen > MAX_CAPLEN + 64:
            st.cap.damage.append(Damage(st.name, off, f"corrupt block: length {blen}"))
            break
        if off + blen > size:
            st.cap.damage.append(Damage(st.name, off, f"truncated block: {blen} bytes "
                                                      f"announced, {size - off} present"))
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
                    frame(st, n, buf, off + 28, off + 28 + incl, ((hi << 32) | lo) * unit, link)
        elif btype == 3 and blen >= 16 and links:
            n += 1
            incl = min(struct.unpack_from(order + "I", buf, off + 8)[0], blen - 16)
            if links[0][0] in _LINKS:
                frame(st, n, buf, off + 12, off + 12 + incl, 0.0, links[0][0])
        off += blen
    st.packets = n


def _tsresol(buf: mmap.mmap, off: int, end: int, order: str) -> float:
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
        with path.open("rb") as f:
            size = f.seek(0, 2)
            if size == 0:
                raise UsageError(f"{name}: empty file")
            buf = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)
    except OSError as e:
        raise UsageError(f"cannot read '{name}': {e.strerror or e}") from e
    try:
        st = _State(cap, name, nf_ports)
        if bytes(buf[:4]) == PCAPNG_MAGIC:
            _read_pcapng(st, buf, size)
        elif bytes(buf[:4]) in PCAP_MAGICS:
            _read_pcap(st, buf, size)
        else:
            raise UsageError(f"{name}: offset 0: not a pcap or pcapng file")
        st.merge()
        cap.files.append(name)
    finally:
        buf.close()
