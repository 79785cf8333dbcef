"""Fetch a device's read-only capability documents with the operator's credentials, and screen them.

Only HTTP GET of the paths in ``rules/screening/device-paths.yaml`` (Hikvision ISAPI capability
XML, Dahua magicBox/configManager getters). Credentials go out only when the device asks
(HTTP Digest or Basic challenge), never in the URL, and never appear in any message or output.
No redirect is followed and no proxy is used, so nothing goes to a host other than the one
named. The host must be loopback, private or link-local unless ``allow_public`` is set.
Basic authentication (the password in the clear) is used only over https, or over plain http
when the operator allows it (``allow_plain_basic``). A ``Deadline`` bounds all the requests to
one device together: when it passes, open connections are shut down and no request starts, so
a device that trickles a byte at a time cannot hold the run. Every message goes through
``redact``. ONVIF analytics descriptions are asked for by ``camaudit.screening.onvif``.
"""

from __future__ import annotations

import http.client
import ipaddress
import socket
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass

from camaudit.errors import UsageError
from camaudit.model import ScreeningFinding
from camaudit.redact import redact
from camaudit.screening import extract
from camaudit.screening.rules import DevicePath
from camaudit.screening.scan import Screener, Skipped

MAX_DOCUMENT = 4 << 20
PLAIN_BASIC = ("device asks for Basic authentication over plain http (password in the clear); "
               "refused: use https, or --allow-plain-basic if you accept it")


class Deadline:
    """Seconds for everything asked of one device. Used as a context manager: when the time is
    up, every connection opened under it is shut down (a blocked read returns at once) and a
    new connection fails with ``TimeoutError``."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.end = time.monotonic() + seconds
        self._socks: list[socket.socket] = []
        self._lock = threading.Lock()
        self._timer: threading.Timer | None = None

    def remaining(self) -> float:
        return max(0.0, self.end - time.monotonic())

    def expired(self) -> bool:
        return self.remaining() <= 0

    def watch(self, sock: socket.socket) -> None:
        with self._lock:
            self._socks.append(sock)
        if self.expired():
            self._expire()

    def _expire(self) -> None:
        with self._lock:
            socks, self._socks = self._socks, []
        for sock in socks:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass  # already closed

    def __enter__(self) -> Deadline:
        self._timer = threading.Timer(self.remaining(), self._expire)
        self._timer.daemon = True
        self._timer.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._timer is not None:
            self._timer.cancel()
        self._expire()


def _connection(base: type[http.client.HTTPConnection], deadline: Deadline
                ) -> type[http.client.HTTPConnection]:
    """``base`` whose sockets are watched by ``deadline`` and whose timeout never outlasts it."""

    class Connection(base):  # type: ignore[valid-type,misc]
        def __init__(self, *args: object, **kwargs: object) -> None:
            super().__init__(*args, **kwargs)

            def created(address: tuple[str, int], timeout: float,
                        source: tuple[str, int] | None = None) -> socket.socket:
                if deadline.expired():
                    raise TimeoutError(f"device deadline of {deadline.seconds:g} s passed")
                sock = socket.create_connection(address, min(timeout, deadline.remaining()),
                                                source)
                deadline.watch(sock)
                return sock

            self._create_connection = created

    return Connection


class _DeadlineHTTP(urllib.request.HTTPHandler):
    def __init__(self, deadline: Deadline) -> None:
        super().__init__()
        self.connection = _connection(http.client.HTTPConnection, deadline)

    def http_open(self, req: urllib.request.Request) -> http.client.HTTPResponse:
        return self.do_open(self.connection, req)


class _DeadlineHTTPS(urllib.request.HTTPSHandler):
    def __init__(self, deadline: Deadline) -> None:
        super().__init__()
        self.connection = _connection(http.client.HTTPSConnection, deadline)

    def https_open(self, req: urllib.request.Request) -> http.client.HTTPResponse:
        return self.do_open(self.connection, req)


@dataclass(frozen=True)
class Document:
    url: str
    status: int
    body: bytes


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req: urllib.request.Request, fp: object, code: int, msg: str,
                         headers: object, newurl: str) -> None:
        return None


def check_url(url: str, allow_public: bool = False) -> urllib.parse.SplitResult:
    """The parsed base URL; ``UsageError`` for a bad scheme, credentials in it, or a host
    outside private space (unless ``allow_public``)."""
    from camaudit.targets import in_scope

    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise UsageError("--device needs an http:// or https:// URL with a host, not "
                         f"'{redact(url)}'")
    if parts.username is not None or parts.password is not None:
        raise UsageError("--device URL must not carry credentials: use --user and "
                         "--password-file")
    try:
        port = parts.port
        infos = socket.getaddrinfo(parts.hostname, port or 80, proto=socket.IPPROTO_TCP)
    except (OSError, ValueError) as e:
        raise UsageError(f"cannot resolve device host '{parts.hostname}': "
                         f"{redact(str(e))}") from e
    for info in infos:
        ip = ipaddress.ip_address(str(info[4][0]).split("%", 1)[0])
        if not allow_public and not in_scope(ip):
            raise UsageError(f"device host '{parts.hostname}' ({ip}) is not loopback, private "
                             "or link-local; add --allow-public if you mean it")
    return parts


def host_ip(url: str) -> str:
    """The address the device URL's host names: the host itself when it is an address, else
    the first address it resolves to (``UsageError`` when it does not resolve)."""
    host = urllib.parse.urlsplit(url).hostname or ""
    try:
        return str(ipaddress.ip_address(host.split("%", 1)[0]))
    except ValueError:
        pass
    try:
        infos = socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)
    except (OSError, UnicodeError) as e:
        raise UsageError(f"cannot resolve device host '{host}': {e}") from e
    if not infos:
        raise UsageError(f"cannot resolve device host '{host}'")
    return str(ipaddress.ip_address(str(infos[0][4][0]).split("%", 1)[0]))


def public_url(url: str) -> str:
    """The URL without any user name or password in it (what may be stored and shown)."""
    parts = urllib.parse.urlsplit(url)
    netloc = parts.netloc.rsplit("@", 1)[-1]
    return urllib.parse.urlunsplit((parts.scheme, netloc, parts.path, parts.query, ""))


def read_password(path: str) -> str:
    """First line of the password file (without its line end)."""
    try:
        with open(path, encoding="utf-8") as fh:
            line = fh.readline(4096)
    except (OSError, UnicodeDecodeError) as e:
        raise UsageError(f"cannot read password file '{path}': "
                         f"{getattr(e, 'strerror', None) or type(e).__name__}") from e
    password = line.rstrip("\r\n")
    if not password:
        raise UsageError(f"password file '{path}' is empty")
    return password


def _passwords(url: str, user: str, password: str) -> urllib.request.HTTPPasswordMgr:
    parts = urllib.parse.urlsplit(url)
    manager = urllib.request.HTTPPasswordMgrWithDefaultRealm()
    manager.add_password(None, f"{parts.scheme}://{parts.netloc}", user, password)
    return manager


REFUSED = "credentials refused"
NOT_SENT = f"not sent: {REFUSED} earlier in this run"


class OneTryDigest(urllib.request.HTTPDigestAuthHandler):
    """HTTP Digest that sends the credential once per challenge and stops at a refusal.

    urllib's own handler answers a refused Digest challenge again, up to five more times per
    request, and the next request starts over: with a wrong password that is many failed
    logins, and a Dahua device locks the account after five. Here a challenge to a request that
    already carried our answer is a refusal (unless it says the nonce was ``stale``, answered
    once), ``refused`` becomes true, and no later request of the run carries credentials.
    """

    def __init__(self, passwords: urllib.request.HTTPPasswordMgr) -> None:
        super().__init__(passwords)
        self.refused = False

    def refuse(self, req: urllib.request.Request, headers: object) -> None:
        self.refused = True
        raise urllib.error.HTTPError(req.full_url, 401, REFUSED, headers, None)  # type: ignore[arg-type]

    def http_error_auth_reqed(  # type: ignore[override]  # typeshed says None; it is the reply
            self, auth_header: str, host: str, req: urllib.request.Request,
            headers: object) -> object:
        if self.refused:
            self.refuse(req, headers)
        challenge = (getattr(headers, "get", lambda *_: "")(auth_header, "") or "").lower()
        answered = req.get_header(self.auth_header) is not None
        stale = "stale=true" in challenge.replace(" ", "").replace('"', "")
        if answered and not (stale and not getattr(req, "_camaudit_stale", False)):
            self.refuse(req, headers)
        if answered:
            req._camaudit_stale = True  # type: ignore[attr-defined]
        return super().http_error_auth_reqed(auth_header, host, req, headers)  # type: ignore[arg-type]


class OneTryBasic(urllib.request.HTTPBasicAuthHandler):
    """HTTP Basic that shares ``OneTryDigest``'s refusal: once refused, nothing more is sent."""

    def __init__(self, passwords: urllib.request.HTTPPasswordMgr, digest: OneTryDigest) -> None:
        super().__init__(passwords)
        self.digest = digest

    def http_error_auth_reqed(  # type: ignore[override]  # typeshed says None; it is the reply
            self, authreq: str, host: str, req: urllib.request.Request,
            headers: object) -> object:
        if self.digest.refused or req.get_header(self.auth_header) is not None:
            self.digest.refuse(req, headers)
        return super().http_error_auth_reqed(authreq, host, req, headers)  # type: ignore[arg-type]


def digest_handler(url: str, user: str, password: str) -> OneTryDigest:
    """HTTP Digest for the host of ``url``. Share one between the requests of a run: it counts
    the uses of the device's nonce (a device refuses a count it has already seen), and it holds
    the run's refusal, so that a wrong password costs one failed login in all."""
    return OneTryDigest(_passwords(url, user, password))


def opener(url: str, user: str, password: str, digest: OneTryDigest | None = None,
           basic: bool = True, deadline: Deadline | None = None
           ) -> urllib.request.OpenerDirector:
    """No proxy, no redirect, Digest (``digest`` or a new one) and, if ``basic``, Basic auth,
    both stopping at the first refusal; with ``deadline``, every connection is bounded by it."""
    digest = digest or digest_handler(url, user, password)
    handlers: list[urllib.request.BaseHandler] = [urllib.request.ProxyHandler({}),
                                                  _NoRedirect(), digest]
    if basic:
        handlers.append(OneTryBasic(_passwords(url, user, password), digest))
    if deadline is not None:
        handlers += [_DeadlineHTTP(deadline), _DeadlineHTTPS(deadline)]
    return urllib.request.build_opener(*handlers)


def basic_allowed(url: str, allow_plain_basic: bool) -> bool:
    """Basic authentication sends the password in the clear: over https, or when allowed."""
    return urllib.parse.urlsplit(url).scheme == "https" or allow_plain_basic


def _refusal(e: urllib.error.HTTPError, basic: bool) -> str:
    """Why a 401 came back: credentials refused, or only Basic offered where it is not used."""
    offers = [h.split(None, 1)[0].lower() for h in (e.headers.get_all("WWW-Authenticate") or [])
              if h.strip()] if e.headers is not None else []
    if not basic and offers and all(o == "basic" for o in offers):
        return PLAIN_BASIC
    return "credentials refused"


def not_fetched(e: BaseException) -> str:
    """One short reason for a failed request, credentials redacted."""
    reason = getattr(e, "reason", None) or e
    text = reason.strerror if isinstance(reason, OSError) and reason.strerror else str(reason)
    return redact(" ".join((text or type(e).__name__).split()))[:120]


def fetch(url: str, user: str, password: str, paths: Sequence[DevicePath], *,
          allow_public: bool = False, timeout: float = 5.0,
          digest: OneTryDigest | None = None,
          allow_plain_basic: bool = False, deadline: Deadline | None = None
          ) -> tuple[list[Document], list[Skipped]]:
    """GET each capability path; documents that answered 200, and why the others did not.
    After the first refusal of the credentials (here or earlier with the same ``digest``), no
    further request is sent."""
    parts = check_url(url, allow_public)
    base = f"{parts.scheme}://{parts.netloc}"
    basic = basic_allowed(base, allow_plain_basic)
    digest = digest or digest_handler(base, user, password)
    opener_ = opener(base, user, password, digest, basic=basic, deadline=deadline)
    docs: list[Document] = []
    skipped: list[Skipped] = []
    for p in paths:
        target = base + p.path
        if digest.refused:
            skipped.append(Skipped(target, NOT_SENT))
            continue
        if deadline is not None and deadline.expired():
            skipped.append(Skipped(target, f"not fetched (device deadline of "
                                   f"{deadline.seconds:g} s passed)"))
            continue
        request = urllib.request.Request(target, method="GET")  # noqa: S310 - http(s) checked
        wait = timeout if deadline is None else max(0.01, min(timeout, deadline.remaining()))
        try:
            with opener_.open(request, timeout=wait) as resp:
                body = resp.read(MAX_DOCUMENT + 1)
                status = int(resp.status)
        except urllib.error.HTTPError as e:
            e.close()
            reason = (REFUSED if digest.refused else _refusal(e, basic)) if e.code == 401 \
                else f"HTTP {e.code}"
            skipped.append(Skipped(target, reason))
            continue
        except (urllib.error.URLError, OSError, http.client.HTTPException, ValueError) as e:
            skipped.append(Skipped(target, f"not fetched ({not_fetched(e)})"))
            continue
        if deadline is not None and deadline.expired():
            skipped.append(Skipped(target, f"not fetched (device deadline of "
                                   f"{deadline.seconds:g} s passed)"))
            continue
        if len(body) > MAX_DOCUMENT:
            skipped.append(Skipped(target, f"document over {MAX_DOCUMENT} bytes; first part "
                                   "screened"))
            body = body[:MAX_DOCUMENT]
        docs.append(Document(target, status, body))
    return docs, skipped


def screen_documents(screener: Screener, docs: Sequence[Document]) -> list[ScreeningFinding]:
    """Findings in fetched documents: XML per element path, other text as it stands."""
    out: list[ScreeningFinding] = []
    for doc in docs:
        if doc.body.lstrip()[:1] == b"<":
            got = extract.xml_document(doc.body)
        else:
            got = extract.plain(doc.body)
            if got.segments:
                seg = got.segments[0]
                words = extract.split_camel(seg.text)
                got = extract.Extracted("text", (seg, extract.Segment(words)))
        seen: set[tuple[str, str | None]] = set()
        for f in screener.screen_segments(doc.url, got):
            key = (f.rule, f.where if f.where is not None else f.matched)
            if key not in seen:
                seen.add(key)
                out.append(f)
    return out
