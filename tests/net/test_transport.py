from __future__ import annotations

import asyncio
import datetime
import errno
import socket
import ssl
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from camaudit.net.fake import FakeTransport
from camaudit.net.transport import (
    AsyncioTransport,
    Exchange,
    LimitedTransport,
    audit_tls_context,
    describe_error,
)

# Recog x509_subjects.xml: the Hikvision default certificate subject.
HIK_SUBJECT = x509.Name([
    x509.NameAttribute(NameOID.COMMON_NAME, "www.hikvision.com"),
    x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, "DVRNVR"),
    x509.NameAttribute(NameOID.ORGANIZATION_NAME, "HIKVISION"),
    x509.NameAttribute(NameOID.LOCALITY_NAME, "HangZhou"),
    x509.NameAttribute(NameOID.STATE_OR_PROVINCE_NAME, "ZheJiang"),
    x509.NameAttribute(NameOID.COUNTRY_NAME, "CN"),
])


def self_signed(tmp_path: Path) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    now = datetime.datetime.now(datetime.UTC)
    cert = (x509.CertificateBuilder().subject_name(HIK_SUBJECT).issuer_name(HIK_SUBJECT)
            .public_key(key.public_key()).serial_number(1)
            .not_valid_before(now - datetime.timedelta(days=1))
            .not_valid_after(now + datetime.timedelta(days=30))
            .sign(key, hashes.SHA256()))
    cert_path, key_path = tmp_path / "cert.pem", tmp_path / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                           serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_path, key_path


@pytest.mark.parametrize(("exc", "text"), [
    (TimeoutError(), "timeout after 2.0s"),
    (ConnectionRefusedError(errno.ECONNREFUSED, "refused"), "connection refused"),
    (ConnectionResetError(errno.ECONNRESET, "reset"), "connection reset"),
    (OSError(errno.EHOSTUNREACH, "No route to host"), "host unreachable"),
    (OSError(errno.EMFILE, "Too many open files"), "network error: Too many open files"),
    (ssl.SSLError(1, "[SSL] wrong version number"), "tls handshake failed: "),
])
def test_describe_error(exc: BaseException, text: str) -> None:
    assert describe_error(exc, 2.0).startswith(text)


def test_audit_tls_context_does_not_verify() -> None:
    ctx = audit_tls_context()
    assert ctx.verify_mode == ssl.CERT_NONE
    assert ctx.check_hostname is False


def test_limited_transport_caps_connections_in_flight() -> None:
    fake = FakeTransport()

    async def go() -> None:
        limited = LimitedTransport(fake, 3)
        await asyncio.gather(*(limited.connect("127.0.0.1", p, 1.0) for p in range(1, 40)),
                             *(limited.exchange("127.0.0.1", p, b"x", timeout=1.0, max_bytes=9)
                               for p in range(1, 40)))

    asyncio.run(go())
    assert len(fake.calls) == 78
    assert fake.max_in_flight == 3


def test_limited_transport_rejects_zero() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        LimitedTransport(FakeTransport(), 0)


def test_asyncio_transport_against_local_server(tmp_path: Path) -> None:
    """The one real-socket test: servers on 127.0.0.1 ephemeral ports, started here."""
    cert_path, key_path = self_signed(tmp_path)
    server_tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_tls.load_cert_chain(cert_path, key_path)
    received: list[bytes] = []

    async def http_like(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        received.append(await reader.readuntil(b"\r\n\r\n"))
        writer.write(b"HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nhi")
        await writer.drain()
        await reader.read()  # keep the connection open: only `complete` can end the read
        writer.close()

    async def banner(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(b"192.0.0.64 login: ")
        await writer.drain()
        await reader.read()
        writer.close()

    async def chatty(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(b"220 ready\n")
        await writer.drain()
        received.append(await reader.readline())
        writer.write(b"pong\n")
        await writer.drain()
        await reader.read()
        writer.close()

    async def silent(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.read()
        writer.close()

    def done(buf: bytes) -> bool:
        return buf.endswith(b"hi")

    async def go() -> None:
        servers = [await asyncio.start_server(h, "127.0.0.1", 0, ssl=ctx)
                   for h, ctx in ((http_like, None), (banner, None), (silent, None),
                                  (http_like, server_tls), (chatty, None))]
        http_port, banner_port, silent_port, tls_port, chatty_port = (
            s.sockets[0].getsockname()[1] for s in servers)
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            closed_port = sock.getsockname()[1]
        t = AsyncioTransport()
        try:
            assert await t.connect("127.0.0.1", http_port, 2.0) is True
            assert await t.connect("127.0.0.1", closed_port, 2.0) is False

            ex = await t.exchange("127.0.0.1", http_port, b"GET / HTTP/1.0\r\n\r\n",
                                  timeout=5.0, max_bytes=1024, complete=done)
            assert (ex.data, ex.error, ex.connected) == (
                b"HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nhi", None, True)
            assert received == [b"GET / HTTP/1.0\r\n\r\n"]

            cut = await t.exchange("127.0.0.1", http_port, b"GET / HTTP/1.0\r\n\r\n",
                                   timeout=5.0, max_bytes=8, complete=done)
            assert cut.data == b"HTTP/1.0" and cut.error is None

            ex = await t.exchange("127.0.0.1", banner_port, None, timeout=5.0, max_bytes=64,
                                  read_banner=5.0, complete=lambda b: b.endswith(b": "))
            assert (ex.data, ex.error) == (b"192.0.0.64 login: ", None)

            # banner then request on one connection: `complete` judges the reply on its own
            ex = await t.exchange("127.0.0.1", chatty_port, b"ping\n", timeout=5.0,
                                  max_bytes=64, read_banner=5.0,
                                  complete=lambda b: b.endswith(b"\n"))
            assert (ex.data, ex.error) == (b"220 ready\npong\n", None)
            assert received[-1] == b"ping\n"

            ex = await t.exchange("127.0.0.1", silent_port, b"OPTIONS * RTSP/1.0\r\n\r\n",
                                  timeout=0.2, max_bytes=64)
            assert (ex.data, ex.error, ex.connected) == (b"", "timeout after 0.2s", True)

            ex = await t.exchange("127.0.0.1", closed_port, b"x", timeout=2.0, max_bytes=64)
            assert (ex.error, ex.connected) == ("connection refused", False)

            ex = await t.exchange("127.0.0.1", tls_port, b"GET / HTTP/1.0\r\n\r\n", tls=True,
                                  timeout=5.0, max_bytes=1024, complete=done)
            assert ex.data.endswith(b"hi") and ex.error is None
            assert ex.peer_cert_der is not None
            assert x509.load_der_x509_certificate(ex.peer_cert_der).subject == HIK_SUBJECT

            ex = await t.exchange("127.0.0.1", http_port, None, tls=True, timeout=0.5,
                                  max_bytes=64)
            assert ex.connected is False and ex.error is not None
            assert ex.error.startswith(("tls handshake failed", "connection", "timeout"))
        finally:
            for server in servers:
                server.close()
                await server.wait_closed()

    asyncio.run(go())


def test_budget_transport_stops_a_host_at_its_byte_budget() -> None:
    from camaudit.net.transport import BudgetTransport

    fake = FakeTransport(lambda call: b"x" * 1000, open_ports={"127.0.0.1": {80}})
    budget = BudgetTransport(fake, 2500)

    async def three() -> list[Exchange]:
        return [await budget.exchange("127.0.0.1", 80, b"GET", timeout=1.0, max_bytes=4096)
                for _ in range(4)]

    got = asyncio.run(three())
    assert [len(e.data) for e in got] == [1000, 1000, 500, 0]
    assert got[3].error == "host byte budget of 2500 bytes spent" and not got[3].connected
    assert budget.spent == 2500


def test_datagram_gets_the_first_reply_and_times_out_on_silence() -> None:
    async def go() -> tuple[Exchange, Exchange, Exchange]:
        loop = asyncio.get_running_loop()

        class Echo(asyncio.DatagramProtocol):
            def connection_made(self, transport: asyncio.BaseTransport) -> None:
                self.transport = transport

            def datagram_received(self, data: bytes, addr: tuple[str, int]) -> None:
                self.transport.sendto(b"re:" + data, addr)  # type: ignore[attr-defined]

        server, _ = await loop.create_datagram_endpoint(Echo, local_addr=("127.0.0.1", 0))
        port = server.get_extra_info("sockname")[1]
        silent = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        silent.bind(("127.0.0.1", 0))
        try:
            t = AsyncioTransport()
            got = await t.datagram("127.0.0.1", port, b"hello", timeout=1.0, max_bytes=4)
            quiet = await t.datagram("127.0.0.1", silent.getsockname()[1], b"x", timeout=0.2,
                                     max_bytes=100)
            closed_port = silent.getsockname()[1] + 0
            silent.close()
            refused = await t.datagram("127.0.0.1", closed_port, b"x", timeout=0.5,
                                       max_bytes=100)
            return got, quiet, refused
        finally:
            server.close()

    got, quiet, refused = asyncio.run(go())
    assert got.data == b"re:h" and got.error is None  # cut at max_bytes
    assert quiet.data == b"" and quiet.error == "timeout after 0.2s"
    assert refused.data == b"" and refused.error is not None


def test_converse_runs_turns_on_one_connection() -> None:
    async def go() -> tuple[Exchange, list[bytes]]:
        seen: list[bytes] = []

        async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            while line := await reader.readline():
                seen.append(line)
                writer.write(b"ok " + line)
                await writer.drain()
            writer.close()

        server = await asyncio.start_server(serve, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        answers = iter([b"two\n", b"three\n", None])
        try:
            ex = await AsyncioTransport().converse(
                "127.0.0.1", port, b"one\n", lambda reply: next(answers), timeout=1.0,
                max_bytes=1000, complete=lambda buf: buf.endswith(b"\n"))
        finally:
            server.close()
        return ex, seen

    ex, seen = asyncio.run(go())
    assert seen == [b"one\n", b"two\n", b"three\n"]
    assert ex.data == b"ok one\nok two\nok three\n" and ex.error is None
