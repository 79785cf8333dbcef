"""Per-file state of the capture reader and the general frame parser.

The pcap fast path (``pcapvec``) sums IPv4 TCP/UDP packets in numpy; everything else (pcapng
blocks, IPv6, IP options, fragments, other link types) goes through ``frame`` into
``State.conns``, keyed per endpoint (client, server, proto, server port), and ``flush`` adds
those to the ``Capture``.

Payloads are parsed only where names can be: UDP from port 53 (DNS answers; an answer already
seen with another transaction id is skipped), TCP segments starting like a TLS handshake or an
HTTP request (a payload already read is not read again). Evidence text is formatted only for a
name not yet known for its address or connection, never per packet.
"""

from __future__ import annotations

import struct

from camaudit.egress.flowrec import add_record
from camaudit.egress.flows import Capture, ip_text, src_is_client
from camaudit.wire.dns_msg import CNAME, parse_answers
from camaudit.wire.netflow import V9State, decode
from camaudit.wire.tls_hello import client_hello_sni, http_host

HTTP_FIRST = frozenset(b"GPHODC")
PROTOS = {6: "tcp", 17: "udp", 1: "icmp", 58: "icmp6"}
RawKey = tuple[bytes, bytes, int, int]
MAX_DNS_SEEN = 65_536
MAX_TEMPLATE_FIELDS = 256  # fields of one NetFlow v9 template (real ones have tens)
MAX_TEMPLATES = 4096  # NetFlow v9 templates kept per capture file


def v9_problem(data: bytes) -> str:
    """What makes a NetFlow v9 export unusable before it is decoded, or "": a template of more
    than ``MAX_TEMPLATE_FIELDS`` fields or with a field of length 0 (decoding such templates
    costs time out of all proportion to the bytes: every record walks every field)."""
    if len(data) < 20 or data[0] != 0 or data[1] != 9:
        return ""
    off = 20
    while off + 4 <= len(data):
        fsid, ln = struct.unpack_from(">HH", data, off)
        if ln < 4 or off + ln > len(data):
            break
        if fsid == 0:
            pos, end = off + 4, off + ln
            while pos + 4 <= end:
                tid, nf = struct.unpack_from(">HH", data, pos)
                pos += 4
                if nf > MAX_TEMPLATE_FIELDS:
                    return f"NetFlow v9 template {tid} has {nf} fields"
                if pos + 4 * nf > end:
                    break
                for i in range(nf):
                    if struct.unpack_from(">H", data, pos + 4 * i + 2)[0] == 0:
                        return f"NetFlow v9 template {tid} has a field of length 0"
                pos += 4 * nf
        off += ln
    return ""


class State:
    """What one capture file accumulates before it is folded into the ``Capture``."""

    def __init__(self, cap: Capture, name: str, nf_ports: frozenset[int] = frozenset()) -> None:
        self.cap = cap
        self.name = name
        self.nf_ports = nf_ports
        self.nf_state = V9State()
        self.conns: dict[RawKey, list[float]] = {}
        self.dns_seen: set[bytes] = set()
        self.hellos: dict[bytes, str | None] = {}
        self.named: set[tuple[bytes, bytes, int, str]] = set()
        self.packets = 0

    def dns(self, n: int, src: bytes, data: bytes) -> None:
        """A UDP payload from port 53: names for the addresses in its answers."""
        self.dns_at(n, src, data, 0, len(data))

    def dns_at(self, n: int, src: bytes, buf: bytes, start: int, end: int) -> None:
        """``dns`` for the payload ``buf[start:end]`` (read only if it is news)."""
        body = buf[start + 2:end]
        if body in self.dns_seen:
            return
        if len(self.dns_seen) >= MAX_DNS_SEEN:
            self.dns_seen.clear()
        self.dns_seen.add(body)
        parsed = parse_answers(buf[start:end])
        if parsed is None:
            return
        qname, answers = parsed
        names = {qname: None}
        for owner, rtype, value in answers:
            if rtype == CNAME:
                names[owner] = names[value] = None
                continue
            known = self.cap.names.get(value, {})
            for nm in (*names, owner):
                if nm not in known:
                    self.cap.add_name(value, nm, f"{self.name}#{n}: DNS answer {nm} -> "
                                                 f"{value} from {ip_text(src)}")
                    known = self.cap.names.get(value, {})

    def tcp_name(self, n: int, src: bytes, dst: bytes, sport: int, dport: int,
                 data: bytes) -> None:
        """A TCP payload starting like a ClientHello or an HTTP request: the name it asks for."""
        kind = "TLS SNI" if data[0] == 0x16 else "HTTP Host"
        if data in self.hellos:
            name = self.hellos[data]
        else:
            name = client_hello_sni(data) if data[0] == 0x16 else http_host(data)
            if len(self.hellos) >= MAX_DNS_SEEN:
                self.hellos.clear()
            self.hellos[data] = name
        if not name:
            return
        # oriented as frame() orients the packet, so the name lands on its connection
        if src_is_client(src, dst, sport, dport):
            client, server, port = src, dst, dport
        else:
            client, server, port = dst, src, sport
        seen = (client, server, port, name)
        if seen in self.named:
            return
        if len(self.named) >= MAX_DNS_SEEN:
            self.named.clear()
        self.named.add(seen)
        key = (ip_text(client), ip_text(server), "tcp", port)
        known = self.cap.flow_names.get(key)
        if known is None or name not in known:
            self.cap.add_flow_name(key, name, f"{self.name}#{n}: {kind} {name}")

    def netflow(self, data: bytes, n: int = 0) -> None:
        """A NetFlow export datagram (packet ``n``): its flows are evidence, the export itself
        is not. An export whose templates cannot be decoded in bounded time is damage."""
        problem = v9_problem(data)
        if problem:
            self.cap.note(self.name, 0, f"packet {n}: {problem}: export skipped")
            return
        if len(self.nf_state.templates) > MAX_TEMPLATES:
            self.cap.note(self.name, 0, f"packet {n}: more than {MAX_TEMPLATES} NetFlow v9 "
                                        "templates: the earlier ones are forgotten")
            self.nf_state.templates.clear()
        for rec in decode(data, self.nf_state):
            add_record(self.cap, rec)
            self.cap.records += 1

    def flush(self) -> None:
        """Add the connections of the slow path to the Capture and forget them."""
        add = self.cap.add_conn
        for (c, sv, pr, port), v in self.conns.items():
            add((ip_text(c), ip_text(sv), PROTOS.get(pr, str(pr)), port), *v)
        self.conns.clear()


def frame(st: State, n: int, b: bytes, p: int, end: int, ts: float, link: int) -> None:
    """Account one captured frame ``buf[p:end]`` of any supported link type."""
    if link == 1:
        if end - p < 34:
            return
        et = (b[p + 12] << 8) | b[p + 13]
        p += 14
        while et == 0x8100 or et == 0x88A8:
            if end - p < 24:
                return
            et = (b[p + 2] << 8) | b[p + 3]
            p += 4
    elif link == 113 or link == 276:
        off = 14 if link == 113 else 0
        if end - p < 20:
            return
        et = (b[p + off] << 8) | b[p + off + 1]
        p += 16 if link == 113 else 20
    elif link == 0:
        if end - p < 24:
            return
        fam = b[p] if b[p] else b[p + 3]
        et = 0x0800 if fam == 2 else 0x86DD
        p += 4
    else:
        if end - p < 20:
            return
        et = 0x0800 if b[p] >> 4 == 4 else 0x86DD
    if et == 0x0800:
        if end - p < 20:
            return
        ihl = (b[p] & 15) << 2
        plen = (b[p + 2] << 8) | b[p + 3]
        proto = b[p + 9]
        src = b[p + 12:p + 16]
        dst = b[p + 16:p + 20]
        l4 = p + ihl
        if (b[p + 6] & 0x1F) or b[p + 7]:
            l4 = end  # a later fragment carries no ports
    elif et == 0x86DD:
        if end - p < 40:
            return
        plen = 40 + ((b[p + 4] << 8) | b[p + 5])
        proto = b[p + 6]
        src = b[p + 8:p + 24]
        dst = b[p + 24:p + 40]
        l4 = p + 40
    else:
        return
    ip_end = min(p + plen, end)
    sport = dport = 0
    if (proto == 6 or proto == 17) and l4 + 8 <= end:
        sport = (b[l4] << 8) | b[l4 + 1]
        dport = (b[l4 + 2] << 8) | b[l4 + 3]
        if proto == 17:
            if st.nf_ports and dport in st.nf_ports:
                st.netflow(b[l4 + 8:ip_end], n)
                return
            if sport == 53 and ip_end > l4 + 8:
                st.dns(n, src, b[l4 + 8:ip_end])
        elif l4 + 20 <= end:
            pl = l4 + ((b[l4 + 12] >> 4) << 2)
            if pl < ip_end and (b[pl] == 0x16 or b[pl] in HTTP_FIRST):
                st.tcp_name(n, src, dst, sport, dport, b[pl:ip_end])
    if src_is_client(src, dst, sport, dport):
        key, way = (src, dst, proto, dport), 0  # client to server
    else:
        key, way = (dst, src, proto, sport), 1
    v = st.conns.get(key)
    if v is None:
        v = st.conns[key] = [0, 0, 0, 0, ts, ts]
    elif ts < v[4]:
        v[4] = ts
    elif ts > v[5]:
        v[5] = ts
    v[way] += plen
    v[2 + way] += 1
