from __future__ import annotations

from tests.egress.pcapgen import client_hello

from camaudit.wire.tls_hello import client_hello_sni, http_host


def test_sni_and_truncation() -> None:
    hello = client_hello("LiteDev.Hik-Connect.com")
    assert client_hello_sni(hello) == "litedev.hik-connect.com"
    for cut in range(len(hello) - 1):
        assert client_hello_sni(hello[:cut]) in (None, "litedev.hik-connect.com")
    assert client_hello_sni(b"\x16\x03\x01" + b"\xff" * 60) is None


def test_http_host() -> None:
    assert http_host(b"POST / HTTP/1.1\r\nHost: pub-cfg.secu100.net:8086\r\n\r\n") == \
        "pub-cfg.secu100.net"
    assert http_host(b"GET / HTTP/1.1\r\nhost: [2001:db8::1]:80\r\n\r\n") == "2001:db8::1"
    assert http_host(b"HTTP/1.1 200 OK\r\nHost: x\r\n\r\n") is None
