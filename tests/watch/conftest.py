"""Fixtures of the watch tests: a webhook receiver on 127.0.0.1 that checks signatures and dedupes
by event id, free loopback ports, and a plan whose scans are scripted device lists.

Tests get them as fixtures (``receiver``, ``free_port``, ``scripted``, ``device``) because pytest
runs with ``--import-mode=importlib``.
"""

from __future__ import annotations

import contextlib
import json
import socket
import ssl
import threading
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from camaudit.model import Device, Evidence, Exposure, Port, Verdict
from camaudit.watch.plan import Meters, ScanPlan, silent
from camaudit.watch.sinks.webhook import ID_HEADER, SIGNATURE_HEADER, verify

SECRET = b"s3cret-for-tests-only"


def _free_port(kind: int = socket.SOCK_STREAM) -> int:
    with socket.socket(socket.AF_INET, kind) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class _Server(ThreadingHTTPServer):
    def handle_error(self, request: Any, client_address: Any) -> None:
        return None  # a client that failed the TLS handshake: the test looks at the client


@dataclass
class Receiver:
    """What a webhook receiver saw. ``seen`` is every delivery (with redeliveries), ``events``
    the events after dedupe by id, in arrival order; ``bad`` the deliveries whose signature or
    id header did not check out. ``script`` lists what to do with the next requests:
    an HTTP status to answer (without recording), or "drop" (record, then close without an
    answer: the sender cannot know it arrived)."""

    port: int
    secret: bytes = SECRET
    seen: list[str] = field(default_factory=list)
    events: dict[str, dict[str, Any]] = field(default_factory=dict)
    bad: list[str] = field(default_factory=list)
    script: list[int | str] = field(default_factory=list)
    server: ThreadingHTTPServer | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)
    tls: ssl.SSLContext | None = None  # serve HTTPS with this context
    connections: list[socket.socket] = field(default_factory=list)

    def start(self) -> Receiver:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # keeps connections alive, as most receivers do

            def setup(self) -> None:
                super().setup()
                receiver.connections.append(self.connection)

            def do_POST(self) -> None:  # noqa: N802 - http.server's name
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                with receiver.lock:
                    action = receiver.script.pop(0) if receiver.script else 200
                    if isinstance(action, int) and action != 200:
                        self.send_response(action)
                        self.send_header("Content-Length", "0")
                        self.end_headers()
                        return
                    event = json.loads(body)
                    if not verify(body, receiver.secret, self.headers.get(SIGNATURE_HEADER)) \
                            or self.headers.get(ID_HEADER) != event["id"]:
                        receiver.bad.append(event.get("id", "?"))
                    else:
                        receiver.seen.append(event["id"])
                        receiver.events.setdefault(event["id"], event)
                if action == "drop":
                    self.close_connection = True
                    self.connection.shutdown(socket.SHUT_RDWR)
                    return
                self.send_response(204)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                return None

        self.server = _Server(("127.0.0.1", self.port), Handler)
        if self.tls is not None:  # handshakes in the handler's thread, whose failures close
            self.server.socket = self.tls.wrap_socket(self.server.socket, server_side=True,
                                                      do_handshake_on_connect=False)
        threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True).start()
        return self

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
            self.server = None
        for conn in self.connections:  # a receiver that is down serves no kept-alive client
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)
        self.connections.clear()

    @property
    def delivered(self) -> list[str]:
        """The ids after dedupe, in the order they first arrived."""
        return list(self.events)

    @property
    def url(self) -> str:
        scheme = "https" if self.tls is not None else "http"
        return f"{scheme}://127.0.0.1:{self.port}/hook?token=path-secret"


@pytest.fixture
def free_port() -> Callable[..., int]:
    """A TCP (or, given ``socket.SOCK_DGRAM``, UDP) port on 127.0.0.1 nothing listens on."""
    return _free_port


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    """A webhook receiver on a free port, not started: ``receiver.start()`` brings it up (so a
    test can first show the sender facing a refused connection)."""
    r = Receiver(_free_port())
    yield r
    r.stop()


def _device(ip: str, maker: str | None = "Hikvision", *, firmware: str | None = None,
            ports: Sequence[int] = (80, 554), covered: Sequence[str] = (),
            exposures: Sequence[str] = (), subject: str | None = None, **kw: Any) -> Device:
    verdicts = tuple(Verdict(p, "covered", f"maker {maker}", ("ref",)) for p in covered)
    evidence = (Evidence("tcp/443 TLS", "tls.subject", subject, "r"),) if subject else ()
    return Device(ip, maker=maker, brand=maker, firmware=firmware,
                  ports=tuple(Port(p) for p in ports), verdicts=verdicts, evidence=evidence,
                  exposures=tuple(Exposure(x, "medium", f"{x} seen", "tcp/23")
                                  for x in exposures), **kw)


@pytest.fixture
def device() -> Callable[..., Device]:
    """``device(ip, maker, firmware=, ports=, covered=[policies], exposures=[ids],
    subject=tls subject, **Device fields)``."""
    return _device


@dataclass(frozen=True)
class ScriptedPlan(ScanPlan):
    """A plan whose n-th scan returns ``script[n]`` (the last one again when past the end)."""

    script: tuple[tuple[Device, ...], ...] = ()
    runs: list[int] = field(default_factory=list)
    during: Callable[[int], None] | None = None  # called inside each scan with its number

    def run(self, meters: Meters = silent) -> list[Device]:
        n = len(self.runs)
        self.runs.append(n)
        if self.during is not None:
            self.during(n)
        return list(self.script[min(n, len(self.script) - 1)])


@pytest.fixture
def scripted() -> Callable[..., ScriptedPlan]:
    """``scripted([devices of scan 0], [devices of scan 1], ..., during=callback)``."""
    def make(*scans: Sequence[Device], during: Callable[[int], None] | None = None
             ) -> ScriptedPlan:
        return ScriptedPlan(("127.0.0.1",), (80,), ("127.0.0.1",),
                            script=tuple(tuple(s) for s in scans), during=during)
    return make


@dataclass(frozen=True)
class Pki:
    """A CA and a server certificate it signed for 127.0.0.1 and localhost (PEM files)."""

    ca: Path
    cert: Path
    key: Path
    other_ca: Path  # a CA that signed nothing here


def _pki(directory: Path) -> Pki:
    import datetime as dt
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    now = dt.datetime.now(dt.UTC)

    def name(cn: str) -> x509.Name:
        return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])

    def ca(cn: str) -> tuple[ec.EllipticCurvePrivateKey, x509.Certificate]:
        key = ec.generate_private_key(ec.SECP256R1())
        cert = (x509.CertificateBuilder().subject_name(name(cn)).issuer_name(name(cn))
                .public_key(key.public_key()).serial_number(x509.random_serial_number())
                .not_valid_before(now - dt.timedelta(minutes=5))
                .not_valid_after(now + dt.timedelta(days=1))
                .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
                .add_extension(x509.KeyUsage(False, False, False, False, False, True, True,
                                             False, False), critical=True)
                .sign(key, hashes.SHA256()))
        return key, cert

    ca_key, ca_cert = ca("camaudit test CA")
    _, other = ca("some other CA")
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (x509.CertificateBuilder().subject_name(name("localhost"))
            .issuer_name(ca_cert.subject).public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(minutes=5))
            .not_valid_after(now + dt.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([
                x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                critical=False)
            .add_extension(x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]),
                           critical=False)
            .sign(ca_key, hashes.SHA256()))
    pem = serialization.Encoding.PEM
    out = Pki(directory / "ca.pem", directory / "server.pem", directory / "server.key",
              directory / "other-ca.pem")
    out.ca.write_bytes(ca_cert.public_bytes(pem))
    out.other_ca.write_bytes(other.public_bytes(pem))
    out.cert.write_bytes(cert.public_bytes(pem))
    out.key.write_bytes(key.private_bytes(pem, serialization.PrivateFormat.PKCS8,
                                          serialization.NoEncryption()))
    out.key.chmod(0o600)
    return out


@pytest.fixture(scope="session")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Pki:
    """A CA, a server certificate for 127.0.0.1/localhost signed by it, and an unrelated CA."""
    return _pki(tmp_path_factory.mktemp("pki"))
