from __future__ import annotations

import socket
import struct
from pathlib import Path

from tests.egress.pcapgen import ipv4, pcap_bytes, udp

from camaudit.egress.flowrec import read_nfdump_csv
from camaudit.egress.flows import Capture
from camaudit.egress.pcap import read_capture
from camaudit.wire.netflow import V9State, decode


def test_nfdump_csv(tmp_path: Path) -> None:
    p = tmp_path / "f.csv"
    p.write_text("ts,te,td,sa,da,sp,dp,pr,flg,fwd,stos,ipkt,ibyt\n"
                 "2023-11-14 22:13:20,2023-11-14 22:13:25,5,192.168.1.30,162.62.52.164,43000,"
                 "8666,TCP,......,0,0,4,400\n"
                 "2023-11-14 22:13:21,2023-11-14 22:13:26,5,162.62.52.164,192.168.1.30,8666,"
                 "43000,TCP,......,0,0,3,900\n"
                 "Summary\nflows,bytes\n")
    cap = Capture()
    read_nfdump_csv(p, cap)
    assert cap.conns == {("192.168.1.30", "162.62.52.164", "tcp", 8666):
                         [400, 900, 4, 3, 1700000000.0, 1700000006.0]}


def _v5(src: str, dst: str, sp: int, dp: int) -> bytes:
    head = struct.pack(">HHIIIIBBH", 5, 1, 10_000, 1_700_000_000, 0, 1, 0, 0, 0)
    rec = struct.pack(">4s4s4sHHIIIIHHxBBBHHBBxx", socket.inet_aton(src), socket.inet_aton(dst),
                      b"\x00" * 4, 0, 0, 7, 700, 9_000, 10_000, sp, dp, 0, 17, 0, 0, 0, 0, 0)
    return head + rec


def _v9(with_template: bool) -> bytes:
    fields = [(8, 4), (12, 4), (7, 2), (11, 2), (4, 1), (2, 4), (1, 4), (22, 4), (21, 4)]
    tpl = struct.pack(">HH", 256, len(fields)) + b"".join(struct.pack(">HH", *f) for f in fields)
    data = (socket.inet_aton("192.168.1.108") + socket.inet_aton("47.88.1.1")
            + struct.pack(">HHBIIII", 38000, 8800, 17, 3, 300, 1000, 2000))
    sets = b""
    if with_template:
        sets += struct.pack(">HH", 0, 4 + len(tpl)) + tpl
    sets += struct.pack(">HH", 256, 4 + len(data)) + data
    return struct.pack(">HHIIII", 9, 1, 2000, 1_700_000_000, 1, 42) + sets


def test_netflow_v9_waits_for_template() -> None:
    st = V9State()
    assert decode(_v9(False), st) == []
    recs = decode(_v9(True), st)
    assert len(recs) == 2 and recs[0].dst == "47.88.1.1" and recs[0].octets == 300
    assert decode(b"\x00\x09" + b"\xff" * 30, st) == []


def test_netflow_in_capture(tmp_path: Path) -> None:
    pkts = [(1.0, ipv4("10.0.0.1", "10.0.0.2", 17, udp(5000, 2055, _v5("192.168.1.20",
                                                                       "114.114.114.114",
                                                                       50003, 53))))]
    p = tmp_path / "nf.pcap"
    p.write_bytes(pcap_bytes(pkts))
    cap = Capture()
    read_capture(p, cap, frozenset({2055}))
    assert list(cap.conns) == [("192.168.1.20", "114.114.114.114", "udp", 53)]
    assert cap.conns[("192.168.1.20", "114.114.114.114", "udp", 53)][:4] == [700, 0, 7, 0]
