"""One device's authenticated conversation: read-only requests, at most one rejected login.

A ``Session`` sends ``GET`` (and the SOAP ``POST`` of ONVIF ``Get*`` calls) through the scan's
``Transport``. A request goes out without credentials first; only when the device answers 401
with a challenge does the operator's credential go out (HTTP Digest, or Basic over TLS or when
``allow_plain_basic``), and later requests answer the same challenge again (Digest with a
growing nonce count) without a new round trip. The first time the device refuses the
credential, the session is **refused**: nothing more is sent to the device in this run,
whatever the protocol, so a device that locks an account after a few failures (Dahua: 5)
sees one failure at most. A ``stale`` nonce is not a refusal: the same credential answers the
fresh nonce once.

Messages name what happened (``credentials refused``), never the user's password; the
credential itself is never put in a message, an observation or an error.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field

from camaudit.credentials import Credential
from camaudit.net.transport import Transport
from camaudit.probes.base import host_for_url
from camaudit.wire import http as wire_http
from camaudit.wire.digest import (
    Challenge,
    basic_authorization,
    digest_authorization,
    parse_challenges,
)

MAX_REPLY = 1 << 20
REFUSED = "credentials refused"
PLAIN_BASIC = ("device offers only Basic authentication over plain http (password in the clear); "
               "not sent: use https, or --allow-plain-basic")


@dataclass(frozen=True, slots=True)
class Reply:
    """What a request gave: the parsed response (None when nothing usable came back) and why."""

    response: wire_http.HttpResponse | None
    problem: str = ""

    @property
    def ok(self) -> bool:
        return self.response is not None and self.response.status == 200


@dataclass(slots=True)
class Session:
    """The requests camaudit makes to one device in one run (see module doc)."""

    ip: str
    transport: Transport
    credential: Credential | None = None
    timeout: float = 5.0
    allow_plain_basic: bool = False
    refused: bool = False
    logins: int = 0  # how many times the credential was sent in answer to a fresh challenge
    requests: int = 0
    _challenge: dict[int, Challenge] = field(default_factory=dict)
    _nc: dict[int, int] = field(default_factory=dict)

    def _authorization(self, port: int, method: str, path: str) -> str | None:
        challenge = self._challenge.get(port)
        if challenge is None or self.credential is None:
            return None
        if challenge.scheme == "basic":
            return basic_authorization(self.credential.user, self.credential.password)
        self._nc[port] = self._nc.get(port, 0) + 1
        return digest_authorization(challenge, method, path, self.credential.user,
                                    self.credential.password, nc=self._nc[port],
                                    cnonce=secrets.token_hex(8))

    async def _send(self, port: int, tls: bool, method: str, path: str, body: bytes,
                    headers: tuple[tuple[str, str], ...], authorization: str | None) -> Reply:
        host = host_for_url(self.ip, port, 443 if tls else 80)
        lines = [f"{method} {path} HTTP/1.1", f"Host: {host}",
                 f"User-Agent: {wire_http.USER_AGENT}", "Accept: */*", "Connection: close"]
        lines += [f"{k}: {v}" for k, v in headers]
        if authorization is not None:
            lines.append(f"Authorization: {authorization}")
        if method == "POST":
            lines.append(f"Content-Length: {len(body)}")
        payload = ("\r\n".join(lines) + "\r\n\r\n").encode("utf-8") + body
        self.requests += 1
        ex = await self.transport.exchange(self.ip, port, payload, tls=tls, timeout=self.timeout,
                                           max_bytes=MAX_REPLY,
                                           complete=wire_http.response_complete)
        if not ex.data:
            return Reply(None, ex.error or "no reply")
        resp = wire_http.parse_response(ex.data)
        if not resp.valid:
            return Reply(None, f"malformed reply: {resp.problem}")
        return Reply(resp)

    def _pick(self, resp: wire_http.HttpResponse, tls: bool) -> Challenge | str:
        """The challenge to answer, or why none can be."""
        offered = [c for v in resp.header_all("WWW-Authenticate") for c in parse_challenges(v)]
        digest = [c for c in offered if c.scheme == "digest" and c.usable]
        if digest:
            return digest[0]
        if any(c.scheme == "basic" for c in offered):
            if tls or self.allow_plain_basic:
                return Challenge("basic")
            return PLAIN_BASIC
        return "device asks for an authentication scheme camaudit does not speak"

    async def request(self, port: int, path: str, *, tls: bool = False, method: str = "GET",
                      body: bytes = b"", headers: tuple[tuple[str, str], ...] = ()) -> Reply:
        """One read-only request, authenticated if the device asks and a credential was given."""
        if method not in ("GET", "POST"):
            raise ValueError(f"read-only requests only, not {method}")
        if self.refused:
            return Reply(None, f"not sent: {REFUSED} earlier in this run")
        reply = await self._send(port, tls, method, path, body, headers,
                                 self._authorization(port, method, path))
        for _ in range(2):  # at most: answer a challenge, then a stale nonce once
            resp = reply.response
            if resp is None or resp.status != 401 or self.credential is None:
                return reply
            sent = port in self._challenge
            picked = self._pick(resp, tls)
            if isinstance(picked, str):
                return Reply(resp, picked)
            if sent and not (picked.scheme == "digest" and picked.stale):
                self.refused = True
                return Reply(resp, REFUSED)
            if not sent:
                self.logins += 1
            self._challenge[port] = picked
            self._nc[port] = 0
            reply = await self._send(port, tls, method, path, body, headers,
                                     self._authorization(port, method, path))
        resp = reply.response
        if resp is not None and resp.status == 401:
            self.refused = True
            return Reply(resp, REFUSED)
        return reply
