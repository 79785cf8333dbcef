"""Fetch a device's read-only capability documents with the operator's credentials, and screen them.

Only HTTP GET of the paths in ``rules/screening/device-paths.yaml`` (Hikvision ISAPI capability
XML, Dahua magicBox/configManager getters). Credentials go out only when the device asks
(HTTP Digest or Basic challenge), never in the URL, and never appear in any message or output.
No redirect is followed and no proxy is used, so nothing goes to a host other than the one
named. The host must be loopback, private or link-local unless ``allow_public`` is set.
ONVIF analytics descriptions are asked for by ``camaudit.screening.onvif``.
"""

from __future__ import annotations

import http.client
import ipaddress
import socket
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass

from camaudit.errors import UsageError
from camaudit.screening import extract
from camaudit.screening.rules import DevicePath
from camaudit.screening.scan import Finding, Screener, Skipped

MAX_DOCUMENT = 4 << 20


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
        raise UsageError(f"--device needs an http:// or https:// URL with a host, not '{url}'")
    if parts.username is not None or parts.password is not None:
        raise UsageError("--device URL must not carry credentials: use --user and "
                         "--password-file")
    try:
        port = parts.port
        infos = socket.getaddrinfo(parts.hostname, port or 80, proto=socket.IPPROTO_TCP)
    except (OSError, ValueError) as e:
        raise UsageError(f"cannot resolve device host '{parts.hostname}': {e}") from e
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


def digest_handler(url: str, user: str, password: str) -> urllib.request.HTTPDigestAuthHandler:
    """HTTP Digest for the host of ``url``. Share one between the requests of a run: it counts
    the uses of the device's nonce, and a device refuses a count it has already seen."""
    return urllib.request.HTTPDigestAuthHandler(_passwords(url, user, password))


def opener(url: str, user: str, password: str, digest: urllib.request.HTTPDigestAuthHandler
           | None = None, basic: bool = True) -> urllib.request.OpenerDirector:
    """No proxy, no redirect, Digest (``digest`` or a new one) and, if ``basic``, Basic auth."""
    digest = digest or digest_handler(url, user, password)
    handlers: list[urllib.request.BaseHandler] = [urllib.request.ProxyHandler({}),
                                                  _NoRedirect(), digest]
    if basic:
        handlers.append(urllib.request.HTTPBasicAuthHandler(_passwords(url, user, password)))
    return urllib.request.build_opener(*handlers)


def fetch(url: str, user: str, password: str, paths: Sequence[DevicePath], *,
          allow_public: bool = False, timeout: float = 5.0,
          digest: urllib.request.HTTPDigestAuthHandler | None = None
          ) -> tuple[list[Document], list[Skipped]]:
    """GET each capability path; documents that answered 200, and why the others did not."""
    parts = check_url(url, allow_public)
    base = f"{parts.scheme}://{parts.netloc}"
    opener_ = opener(base, user, password, digest)
    docs: list[Document] = []
    skipped: list[Skipped] = []
    for p in paths:
        target = base + p.path
        request = urllib.request.Request(target, method="GET")  # noqa: S310 - http(s) checked
        try:
            with opener_.open(request, timeout=timeout) as resp:
                body = resp.read(MAX_DOCUMENT + 1)
                status = int(resp.status)
        except urllib.error.HTTPError as e:
            e.close()
            reason = ("credentials refused" if e.code == 401 else f"HTTP {e.code}")
            skipped.append(Skipped(target, reason))
            continue
        except (urllib.error.URLError, OSError, http.client.HTTPException, ValueError) as e:
            reason = getattr(e, "reason", None) or type(e).__name__
            skipped.append(Skipped(target, f"not fetched ({reason})"))
            continue
        if len(body) > MAX_DOCUMENT:
            skipped.append(Skipped(target, f"document over {MAX_DOCUMENT} bytes; first part "
                                   "screened"))
            body = body[:MAX_DOCUMENT]
        docs.append(Document(target, status, body))
    return docs, skipped


def screen_documents(screener: Screener, docs: Sequence[Document]) -> list[Finding]:
    """Findings in fetched documents: XML per element path, other text as it stands."""
    out: list[Finding] = []
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
