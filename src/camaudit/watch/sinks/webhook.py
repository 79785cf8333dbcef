"""The webhook: one HTTP POST per event, its JSON as the body, signed with a shared secret.

    POST /hook HTTP/1.1
    Content-Type: application/json
    X-Camaudit-Id: 5f0c...                                  (the event id)
    X-Camaudit-Signature: sha256=<hex HMAC-SHA256 of the body under the secret>

A 2xx answer delivers the event. Python's ``http.client`` does the HTTP (one keep-alive
connection, certificates verified against the system's CAs or ``ca_file``); no redirect is
followed. Messages name the receiver by scheme, host and port only: a webhook URL's path often
carries a token.
"""

from __future__ import annotations

import hashlib
import hmac
import http.client
import ssl
from pathlib import Path
from urllib.parse import urlsplit

from camaudit import __version__
from camaudit.errors import UsageError
from camaudit.watch.sinks.delivery import Outcome, describe
from camaudit.watch.sinks.queue import Item

SIGNATURE_HEADER = "X-Camaudit-Signature"
ID_HEADER = "X-Camaudit-Id"
# Answers that will not change however often the same event is sent.
REFUSED_FOR_GOOD = frozenset({400, 413, 415, 422})
MAX_REPLY = 65536


def sign(body: bytes, secret: bytes) -> str:
    """The ``X-Camaudit-Signature`` value of ``body``: ``sha256=<hex HMAC-SHA256>``."""
    return "sha256=" + hmac.new(secret, body, hashlib.sha256).hexdigest()


def verify(body: bytes, secret: bytes, header: str | None) -> bool:
    """What a receiver checks: ``header`` is the signature of ``body`` (constant-time)."""
    return header is not None and hmac.compare_digest(sign(body, secret), header)


def origin(url: str) -> str:
    """``scheme://host:port`` of ``url``, the only part of it that messages show."""
    parts = urlsplit(url)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    host = f"[{parts.hostname}]" if parts.hostname and ":" in parts.hostname else parts.hostname
    return f"{parts.scheme}://{host}:{port}"


def check_url(url: str) -> str:
    """``url`` when it is an http(s) URL with a host and no user info; ``UsageError`` else
    (the message shows no part of the URL but its scheme, host and port)."""
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError on a bad port
    except ValueError:
        raise UsageError("webhook url is not a valid URL") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise UsageError("webhook url must be http:// or https:// with a host")
    if any(c.isspace() or not c.isprintable() for c in url):
        raise UsageError("webhook url must not contain spaces or control characters")
    if parts.username is not None or parts.password is not None:
        raise UsageError(f"webhook url {origin(url)} must not carry a user or password: the "
                         "body is signed with the secret instead")
    return url


def _retry_after(value: str | None) -> float | None:
    try:
        return max(0.0, float(value)) if value is not None else None
    except ValueError:
        return None


class WebhookPoster:
    """The ``send`` of the webhook's ``QueuedSink``: POST one queued event to ``url``."""

    def __init__(self, url: str, secret: bytes, *, timeout: float = 10.0,
                 ca_file: Path | None = None) -> None:
        parts = urlsplit(check_url(url))
        self.https = parts.scheme == "https"
        self.host = parts.hostname or ""
        self.port = parts.port or (443 if self.https else 80)
        self.path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        self.origin = origin(url)
        self.timeout = timeout
        self._secret = secret
        self._tls = (ssl.create_default_context(cafile=str(ca_file) if ca_file else None)
                     if self.https else None)
        self._conn: http.client.HTTPConnection | None = None

    def _connection(self) -> http.client.HTTPConnection:
        if self._conn is None:
            if self._tls is not None:
                self._conn = http.client.HTTPSConnection(self.host, self.port,
                                                         timeout=self.timeout,
                                                         context=self._tls)
            else:
                self._conn = http.client.HTTPConnection(self.host, self.port,
                                                        timeout=self.timeout)
        return self._conn

    def __call__(self, item: Item) -> Outcome:
        headers = {"Content-Type": "application/json", "User-Agent": f"camaudit/{__version__}",
                   ID_HEADER: item.id, SIGNATURE_HEADER: sign(item.body, self._secret)}
        while True:
            fresh = self._conn is None
            try:
                conn = self._connection()
                conn.request("POST", self.path, body=item.body, headers=headers)
                reply = conn.getresponse()
                reply.read(MAX_REPLY)
            except (OSError, http.client.HTTPException) as e:
                self.close()
                if fresh:
                    why = (f"bad HTTP answer: {type(e).__name__}"
                           if isinstance(e, http.client.HTTPException)
                           else describe(e, self.timeout))
                    return Outcome(False, f"{self.origin}: {why}")
                continue  # a kept-alive connection the receiver had closed: once more, anew
            if reply.will_close or not reply.isclosed():
                self.close()
            return self._outcome(reply)

    def _outcome(self, reply: http.client.HTTPResponse) -> Outcome:
        status = reply.status
        if 200 <= status < 300:
            return Outcome.delivered()
        reason = f"{self.origin}: HTTP {status} {reply.reason}".rstrip()
        if 300 <= status < 400:
            return Outcome(False, f"{reason} (redirects are not followed: fix the url)")
        if status in REFUSED_FOR_GOOD:
            return Outcome(False, reason, retry=False)
        return Outcome(False, reason, retry_after=_retry_after(reply.getheader("Retry-After")))

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None
