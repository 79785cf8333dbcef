from __future__ import annotations

from tests.egress.pcapgen import client_hello, ether, http_get, ipv4, ipv6, tcp, udp

from camaudit.egress.flows import Capture
from camaudit.egress.frames import State, frame
from camaudit.wire.dns_msg import CNAME, A, build_response

DEV, CLOUD = "192.168.1.64", "34.241.130.159"


def test_flush_adds_slow_path_connections_once() -> None:
    cap = Capture()
    st = State(cap, "t")
    pkt = ipv4(DEV, CLOUD, 6, tcp(41000, 8555, b"R" * 10))
    frame(st, 1, pkt, 0, len(pkt), 1.0, 101)
    st.flush()
    st.flush()
    assert cap.conns == {(DEV, CLOUD, "tcp", 8555): [50, 0, 1, 0, 1.0, 1.0]}


def test_dns_answer_seen_again_with_new_id_is_not_reparsed() -> None:
    cap = Capture()
    st = State(cap, "t.pcap")
    answers = [(CNAME, "dev-hik.elb.example.com"), (A, CLOUD)]
    st.dns(5, bytes([192, 168, 1, 1]), build_response(1, "dev.hik-connect.com", answers))
    st.dns(9, bytes([192, 168, 1, 1]), build_response(2, "dev.hik-connect.com", answers))
    assert list(cap.names[CLOUD]) == ["dev.hik-connect.com", "dev-hik.elb.example.com"]
    assert cap.names[CLOUD]["dev.hik-connect.com"] == (
        "t.pcap#5: DNS answer dev.hik-connect.com -> 34.241.130.159 from 192.168.1.1")
    st.dns(11, bytes(4), b"\x00\x01garbage")
    assert len(st.dns_seen) == 2  # the second answer differed only in its id


def test_tcp_name_orients_by_port_and_formats_once() -> None:
    cap = Capture()
    st = State(cap, "t")
    src, dst = bytes([192, 168, 1, 64]), bytes([35, 158, 174, 16])
    for n in (1, 2):
        st.tcp_name(n, src, dst, 41001, 443, client_hello("LiteDev.Hik-Connect.com"))
    st.tcp_name(3, dst, src, 80, 41002, http_get("ignored.example"))
    st.tcp_name(4, src, dst, 41003, 80, b"GET / HTTP/1.1\r\n\r\n")
    # equal ports: the lower address is the client, as frame() counts the packet
    st.tcp_name(5, src, dst, 5000, 5000, http_get("peer.example"))
    assert cap.flow_names == {
        ("35.158.174.16", DEV, "tcp", 5000): {"peer.example": "t#5: HTTP Host peer.example"},
        (DEV, "35.158.174.16", "tcp", 443): {"litedev.hik-connect.com":
                                             "t#1: TLS SNI litedev.hik-connect.com"},
        (DEV, "35.158.174.16", "tcp", 80): {"ignored.example": "t#3: HTTP Host ignored.example"}}


def test_generic_frame_paths() -> None:
    cap = Capture()
    st = State(cap, "t")
    v6 = ipv6("2001:db8::5", "2001:4860:4860::8888", 17, udp(50000, 53, b"q" * 20))
    frame(st, 1, v6, 0, len(v6), 1.0, 101)
    tagged = ether(ipv4(DEV, CLOUD, 6, tcp(41000, 8555, b"R" * 10)), vlan=7)
    qinq = tagged[:12] + b"\x88\xa8\x00\x05" + tagged[12:]
    frame(st, 2, qinq, 0, len(qinq), 2.0, 1)
    cooked = b"\x00\x04\x00\x01\x00\x06" + bytes(8) + b"\x08\x00" + ipv4(CLOUD, DEV, 6, tcp(
        8555, 41000, b"A"))
    frame(st, 3, cooked, 0, len(cooked), 3.0, 113)
    frag = bytearray(ipv4(DEV, CLOUD, 17, udp(1, 2, b"x" * 30)))
    frag[6:8] = b"\x00\x10"
    frame(st, 4, bytes(frag), 0, len(frag), 4.0, 101)
    frame(st, 5, b"\x45" + bytes(10), 0, 11, 5.0, 101)  # too short: ignored
    st.flush()
    assert cap.conns == {
        ("2001:db8::5", "2001:4860:4860::8888", "udp", 53): [len(v6), 0, 1, 0, 1.0, 1.0],
        (DEV, CLOUD, "tcp", 8555): [50, 41, 1, 1, 2.0, 3.0],
        (CLOUD, DEV, "udp", 0): [0, 58, 0, 1, 4.0, 4.0]}  # a later fragment: no ports
