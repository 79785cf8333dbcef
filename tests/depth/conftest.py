"""A fake camera behind the transport seam: routes, HTTP Digest checked by the lab's Guard,
and a log of every request (method, path, whether credentials went with it)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import pytest

from camaudit.lab.auth import AuthSpec, Guard
from camaudit.net.fake import Call, FakeTransport

USER = "auditor"
PASSWORD = "depth-Secret-77"  # noqa: S105 - a test credential, checked never to leak


@dataclass
class FakeDevice:
    """``routes``: path -> (status, body); paths in ``guarded`` need the credential."""

    routes: Mapping[str, tuple[int, bytes]]
    guarded: frozenset[str] = frozenset()
    password: str = PASSWORD
    scheme: str = "digest"
    guard: Guard = field(default_factory=Guard)
    log: list[tuple[str, str, bool]] = field(default_factory=list)
    extra: Callable[[str, str, bytes], tuple[int, bytes] | None] | None = None
    datagrams: Mapping[int, bytes] = field(default_factory=dict)  # UDP port -> reply
    dvrip: Callable[[bytes], bytes | None] | None = None  # TCP 34567 turns
    udp: list[int] = field(default_factory=list)

    @property
    def spec(self) -> AuthSpec:
        return AuthSpec(self.scheme, "fake-realm", USER, self.password)

    def handle(self, call: Call) -> bytes | None:
        if call.kind == "datagram":
            self.udp.append(call.port)
            return self.datagrams.get(call.port)
        if call.port == 34567:
            return self.dvrip(call.payload or b"") if self.dvrip else None
        head, _, body = (call.payload or b"").partition(b"\r\n\r\n")
        lines = head.decode("utf-8", "replace").split("\r\n")
        method, path = lines[0].split(" ")[:2]
        auth = next((ln.split(":", 1)[1].strip() for ln in lines[1:]
                     if ln.lower().startswith("authorization:")), None)
        self.log.append((method, path, auth is not None))
        if path in self.guarded:
            ok, stale = self.guard.check(self.spec, method, path, auth)
            if not ok:
                challenge = self.guard.challenge(self.spec, stale=stale)
                return (b"HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: "
                        + challenge.encode() + b"\r\nContent-Length: 0\r\n\r\n")
        got = self.extra(method, path, body) if self.extra else None
        status, reply = got if got is not None else self.routes.get(path, (404, b""))
        return (f"HTTP/1.1 {status} X\r\nContent-Length: {len(reply)}\r\n\r\n".encode()
                + reply)

    def logins(self) -> int:
        """Requests that carried credentials and were refused."""
        return sum(1 for _, _, signed in self.log if signed)


@pytest.fixture
def make_device() -> Callable[..., tuple[FakeDevice, FakeTransport]]:
    def make(routes: Mapping[str, tuple[int, bytes]], guarded: set[str] | None = None,
             ip: str = "127.0.0.5", ports: set[int] | None = None,
             **kw: object) -> tuple[FakeDevice, FakeTransport]:
        device = FakeDevice(routes, frozenset(guarded if guarded is not None else routes), **kw)  # type: ignore[arg-type]
        return device, FakeTransport(device.handle, open_ports={ip: ports or {80}})
    return make
