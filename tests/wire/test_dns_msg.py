from __future__ import annotations

from camaudit.wire.dns_msg import AAAA, CNAME, A, build_response, parse_answers


def test_answers_with_cname_chain() -> None:
    msg = build_response(7, "Dev.Hik-Connect.com", [(CNAME, "elb.example.com"), (A, "1.2.3.4"),
                                                   (AAAA, "2001:db8::1")])
    q, ans = parse_answers(msg) or ("", [])
    assert q == "dev.hik-connect.com"
    assert ans == [("dev.hik-connect.com", CNAME, "elb.example.com"),
                   ("elb.example.com", A, "1.2.3.4"), ("elb.example.com", AAAA, "2001:db8::1")]


def test_pointer_loop_and_truncation_never_raise() -> None:
    loop = b"\x00\x01\x81\x80\x00\x01\x00\x01\x00\x00\x00\x00" + b"\xc0\x0c" + b"\x00" * 4
    assert parse_answers(loop) is None
    msg = build_response(1, "a.example", [(A, "1.2.3.4")])
    for cut in range(len(msg)):
        parse_answers(msg[:cut])
    assert parse_answers(msg[:-2]) == ("a.example", [])
