from __future__ import annotations

import ipaddress

import pytest

from camaudit.egress.flows import (
    MAX_NAMES,
    Capture,
    Damage,
    ip_text,
    is_local,
    orient,
    parse_ip,
    src_is_client,
)

KEY = ("192.168.1.30", "162.62.52.164", "tcp", 8666)


def test_add_conn_sums_and_widens_the_time_window() -> None:
    cap = Capture()
    cap.add_conn(KEY, 100, 10, 1, 1, 50.0, 60.0)
    cap.add_conn(KEY, 5, 7, 2, 3, 40.0, 55.0)
    cap.add_conn(KEY, 0, 1, 0, 1, 45.0, 70.0)
    assert cap.conns == {KEY: [105, 18, 3, 5, 40.0, 70.0]}


def test_names_are_capped_and_first_evidence_is_kept() -> None:
    cap = Capture()
    cap.add_name("1.2.3.4", "a.example", "first")
    cap.add_name("1.2.3.4", "a.example", "second")
    cap.add_name("", "b.example", "no address")
    cap.add_name("1.2.3.4", "", "no name")
    assert cap.names == {"1.2.3.4": {"a.example": "first"}}
    for i in range(MAX_NAMES + 5):
        cap.add_flow_name(KEY, f"n{i}.example", f"e{i}")
    assert len(cap.flow_names[KEY]) == MAX_NAMES
    assert cap.flow_names[KEY]["n0.example"] == "e0"


@pytest.mark.parametrize(("ip", "local"), [
    ("192.168.1.1", True), ("10.0.0.1", True), ("100.64.0.1", True), ("127.0.0.1", True),
    ("169.254.1.1", True), ("224.0.0.251", True), ("255.255.255.255", True), ("fe80::1", True),
    ("ff02::fb", True), ("::ffff:192.168.1.1", True), ("not an ip", True),
    ("114.114.114.114", False), ("2001:4860:4860::8888", False), ("::ffff:8.8.8.8", False)])
def test_is_local(ip: str, local: bool) -> None:
    assert is_local(ip) is local


def test_orient_lower_port_is_the_service() -> None:
    assert orient("10.0.0.1", "8.8.8.8", 50000, 53) == (True, 53)
    assert orient("8.8.8.8", "10.0.0.1", 53, 50000) == (False, 53)
    # equal ports: the lower address is the client, from either direction
    assert orient("10.0.0.1", "10.0.0.2", 123, 123) == (True, 123)
    # equal ports: the lower address by value, as packets are decided (not by text order)
    assert orient("10.0.0.9", "10.0.0.10", 123, 123) == (True, 123)
    assert orient("10.0.0.10", "10.0.0.9", 123, 123) == (False, 123)
    assert src_is_client(bytes([10, 0, 0, 9]), bytes([10, 0, 0, 10]), 123, 123)
    assert orient("10.0.0.2", "10.0.0.1", 123, 123) == (False, 123)


def test_ip_text_and_damage_line() -> None:
    assert ip_text(bytes([114, 114, 114, 114])) == "114.114.114.114"
    assert ip_text(bytes(15) + b"\x01") == "::1"
    assert Damage("c.pcap", 1234, "truncated record").line() == \
        "c.pcap: offset 1234: truncated record"


@pytest.mark.parametrize("text", ["8.8.8.8", "0.0.0.0", "255.255.255.255", "10.1.2.3",
                                  "2001:db8::1", "::ffff:1.2.3.4", "01.2.3.4", "1.2.3",
                                  "1.2.3.256", "1.2.3.4 ", "", "example.com", "1.2.3.4/32"])
def test_parse_ip_agrees_with_ipaddress(text: str) -> None:
    try:
        want: object = ipaddress.ip_address(text)
    except ValueError:
        want = None
    got = parse_ip(text)
    assert got == want and type(got) is type(want)
