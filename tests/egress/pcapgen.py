"""Write pcap and pcapng files with struct: the generated camera traffic of the egress tests and
the benchmark. Only file content: nothing here sends a packet."""

from __future__ import annotations

import socket
import struct
from dataclasses import dataclass, field

from camaudit.wire.dns_msg import CNAME, A, build_query, build_response


def ipv4(src: str, dst: str, proto: int, l4: bytes) -> bytes:
    return struct.pack(">BBHHHBBH4s4s", 0x45, 0, 20 + len(l4), 1, 0x4000, 64, proto, 0,
                       socket.inet_aton(src), socket.inet_aton(dst)) + l4


def ipv6(src: str, dst: str, proto: int, l4: bytes) -> bytes:
    return (struct.pack(">IHBB", 6 << 28, len(l4), proto, 64)
            + socket.inet_pton(socket.AF_INET6, src) + socket.inet_pton(socket.AF_INET6, dst)
            + l4)


def udp(sport: int, dport: int, payload: bytes) -> bytes:
    return struct.pack(">HHHH", sport, dport, 8 + len(payload), 0) + payload


def tcp(sport: int, dport: int, payload: bytes = b"", flags: int = 0x18) -> bytes:
    return struct.pack(">HHIIBBHHH", sport, dport, 1, 1, 5 << 4, flags, 65535, 0, 0) + payload


def ether(ip_packet: bytes, vlan: int | None = None) -> bytes:
    head = b"\x00\x11\x22\x33\x44\x55" + b"\x66\x77\x88\x99\xaa\xbb"
    et = b"\x86\xdd" if ip_packet[0] >> 4 == 6 else b"\x08\x00"
    if vlan is not None:
        return head + b"\x81\x00" + struct.pack(">H", vlan) + et + ip_packet
    return head + et + ip_packet


def client_hello(sni: str) -> bytes:
    name = sni.encode()
    ext = struct.pack(">HHHBH", 0, len(name) + 5, len(name) + 3, 0, len(name)) + name
    body = (b"\x03\x03" + b"\x00" * 32 + b"\x00" + b"\x00\x02\x13\x01" + b"\x01\x00"
            + struct.pack(">H", len(ext)) + ext)
    hs = b"\x01" + len(body).to_bytes(3, "big") + body
    return b"\x16\x03\x01" + struct.pack(">H", len(hs)) + hs


def http_get(host: str, path: str = "/") -> bytes:
    return f"GET {path} HTTP/1.1\r\nHost: {host}\r\nUser-Agent: cam\r\n\r\n".encode()


@dataclass
class Trace:
    """Packets (timestamp, IP packet) and, per (device, remote, proto, port), the expected
    IP-layer bytes and packets each way."""

    packets: list[tuple[float, bytes]] = field(default_factory=list)
    expect: dict[tuple[str, str, str, int], list[int]] = field(default_factory=dict)

    def add(self, ts: float, ip_packet: bytes, device: str, remote: str, proto: str,
            port: int, outbound: bool) -> None:
        self.packets.append((ts, ip_packet))
        e = self.expect.setdefault((device, remote, proto, port), [0, 0, 0, 0])
        if outbound:
            e[0] += len(ip_packet)
            e[2] += 1
        else:
            e[1] += len(ip_packet)
            e[3] += 1

    def dns(self, ts: float, dev: str, server: str, qid: int, qname: str,
            answers: list[tuple[int, str]]) -> None:
        self.add(ts, ipv4(dev, server, 17, udp(50000 + qid, 53, build_query(qid, qname))),
                 dev, server, "udp", 53, True)
        self.add(ts + 0.01, ipv4(server, dev, 17, udp(53, 50000 + qid,
                                                      build_response(qid, qname, answers))),
                 dev, server, "udp", 53, False)


T0 = 1_700_000_000.0
HIK, DAHUA, XM, EZVIZ, AXIS = ("192.168.1.64", "192.168.1.108", "192.168.1.20",
                               "192.168.1.30", "192.168.1.40")
RESOLVER, NTP = "192.168.1.1", "192.168.1.5"


def cameras() -> Trace:
    """The five cameras of the egress tests (addresses and names from the facts)."""
    t = Trace()
    # Hikvision-like: local resolver, Hik-Connect registration on tcp/8555, TLS to litedev.
    t.dns(T0, HIK, RESOLVER, 1, "dev.hik-connect.com",
          [(CNAME, "dev-hik.eu-west-1.elb.amazonaws.com"), (A, "34.241.130.159")])
    for i in range(3):
        t.add(T0 + 1 + i, ipv4(HIK, "34.241.130.159", 6, tcp(41000, 8555, b"R" * 100)),
              HIK, "34.241.130.159", "tcp", 8555, True)
        t.add(T0 + 1.5 + i, ipv4("34.241.130.159", HIK, 6, tcp(8555, 41000, b"A" * 40)),
              HIK, "34.241.130.159", "tcp", 8555, False)
    t.add(T0 + 5, ipv4(HIK, "35.158.174.16", 6, tcp(41001, 443,
                                                    client_hello("litedev.hik-connect.com"))),
          HIK, "35.158.174.16", "tcp", 443, True)
    # Dahua-like: easy4ip P2P over UDP 8800.
    t.dns(T0 + 10, DAHUA, RESOLVER, 2, "www.easy4ipcloud.com", [(A, "47.88.1.1")])
    for i in range(2):
        t.add(T0 + 11 + i, ipv4(DAHUA, "47.88.1.1", 17, udp(38000, 8800, b"DHGET /probe/p2psrv")),
              DAHUA, "47.88.1.1", "udp", 8800, True)
    t.add(T0 + 13, ipv4("47.88.1.1", DAHUA, 17, udp(8800, 38000, b"DHPOST ok")),
          DAHUA, "47.88.1.1", "udp", 8800, False)
    # Xiongmai-like: its own resolver 114.114.114.114, then pub-cfg.secu100.net:8086 over HTTP.
    t.dns(T0 + 20, XM, "114.114.114.114", 3, "pub-cfg.secu100.net", [(A, "35.158.174.17")])
    post = (b"POST / HTTP/1.1\r\nHost: pub-cfg.secu100.net:8086\r\nContent-Length: 2\r\n\r\n{}")
    t.add(T0 + 21, ipv4(XM, "35.158.174.17", 6, tcp(42000, 8086, post)),
          XM, "35.158.174.17", "tcp", 8086, True)
    t.add(T0 + 22, ipv4("35.158.174.17", XM, 6, tcp(8086, 42000, b"HTTP/1.1 200 OK\r\n\r\n")),
          XM, "35.158.174.17", "tcp", 8086, False)
    # EZVIZ-like: straight to an address it never resolved (Tencent, Germany).
    t.add(T0 + 30, ipv4(EZVIZ, "162.62.52.164", 6, tcp(43000, 8666, b"\x00" * 60)),
          EZVIZ, "162.62.52.164", "tcp", 8666, True)
    t.add(T0 + 31, ipv4("162.62.52.164", EZVIZ, 6, tcp(8666, 43000, b"\x01" * 200)),
          EZVIZ, "162.62.52.164", "tcp", 8666, False)
    # Axis-like: only a local NTP server.
    t.add(T0 + 40, ipv4(AXIS, NTP, 17, udp(123, 123, b"\x23" + b"\x00" * 47)),
          AXIS, NTP, "udp", 123, True)
    t.add(T0 + 40.1, ipv4(NTP, AXIS, 17, udp(123, 123, b"\x24" + b"\x00" * 47)),
          AXIS, NTP, "udp", 123, False)
    return t


def pcap_bytes(packets: list[tuple[float, bytes]], link: str = "ether") -> bytes:
    """A little-endian microsecond pcap; link 'ether' wraps each IP packet in Ethernet
    (every third one VLAN-tagged), 'raw' writes the IP packets as they are (link type 101)."""
    out = [struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1 if link == "ether" else 101)]
    for i, (ts, pkt) in enumerate(packets):
        frame = ether(pkt, 7 if i % 3 == 2 else None) if link == "ether" else pkt
        sec = int(ts)
        out.append(struct.pack("<IIII", sec, round((ts - sec) * 1e6), len(frame), len(frame)))
        out.append(frame)
    return b"".join(out)


def pcapng_bytes(packets: list[tuple[float, bytes]]) -> bytes:
    """A little-endian pcapng: section header, one Ethernet interface, enhanced packets."""
    def block(btype: int, body: bytes) -> bytes:
        body += b"\x00" * (-len(body) % 4)
        n = 12 + len(body)
        return struct.pack("<II", btype, n) + body + struct.pack("<I", n)

    out = [block(0x0A0D0D0A, struct.pack("<IHHq", 0x1A2B3C4D, 1, 0, -1)),
           block(1, struct.pack("<HHI", 1, 0, 65535))]
    for ts, pkt in packets:
        frame = ether(pkt)
        us = round(ts * 1e6)
        out.append(block(6, struct.pack("<IIIII", 0, us >> 32, us & 0xFFFFFFFF, len(frame),
                                        len(frame)) + frame))
    return b"".join(out)
