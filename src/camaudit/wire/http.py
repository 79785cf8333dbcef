"""HTTP/1.x codec: GET request bytes, response framing, response parsing, observations.

Sans-I/O and bounded: the head is read up to 64 KiB, the body up to 256 KiB (de-chunked).
``parse_head`` is shared with the RTSP and SSDP codecs, which use the same message syntax.
Parsers never raise: a reply they cannot use comes back with ``valid=False`` and a problem.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass

from camaudit.model import Observation
from camaudit.wire import bodyfmt, isapi
from camaudit.wire.mac import normalize_mac, oui_org

HEAD_LIMIT = 64 * 1024
BODY_LIMIT = 256 * 1024
BODY_TEXT_LIMIT = 64 * 1024
USER_AGENT = "camaudit/0.1"

STATUS_LINE = re.compile(r"^(HTTP/\d\.\d)[ \t]+(\d{3})(?:[ \t]+(.*))?$")
_STATUS = STATUS_LINE
_REALM = re.compile(
    r'(?:^|[\s,])realm[ \t]*=[ \t]*(?:"((?:[^"\\]|\\.){0,1024})"|([^\s,"]{1,1024}))', re.IGNORECASE)
_ESCAPE = re.compile(r"\\(.)")
_TITLE_OPEN = re.compile(r"<title\b[^>]{0,256}>", re.IGNORECASE)
_TITLE_CLOSE = re.compile(r"</title\s*>", re.IGNORECASE)
_NAME = re.compile(r"^[!#$%&'*+.^_`|~0-9A-Za-z-]+$")
_NO_BODY = (204, 304)


@dataclass(frozen=True, slots=True)
class Head:
    """Start line and header fields of an HTTP-syntax message (HTTP, RTSP, SSDP)."""

    start_line: str
    headers: tuple[tuple[str, str], ...]  # (name as sent, value after ":" minus the line end)
    rest: bytes  # bytes after the blank line
    ended: bool  # the blank line ending the head was seen
    valid: bool
    problem: str = ""


@dataclass(frozen=True, slots=True)
class HttpResponse:
    status: int
    reason: str
    headers: tuple[tuple[str, str], ...]  # (name as sent, value trimmed), in order
    body: bytes  # de-chunked, at most 256 KiB
    valid: bool
    problem: str = ""
    version: str = ""
    complete: bool = False  # body framing satisfied (Content-Length reached / last chunk)

    def header(self, name: str) -> str | None:
        return next((v for k, v in self.headers if k.lower() == name.lower()), None)

    def header_all(self, name: str) -> list[str]:
        return [v for k, v in self.headers if k.lower() == name.lower()]


def _head_end(data: bytes) -> tuple[int, int] | None:
    """(end of head, start of rest) for the first blank line (CRLF or bare LF), if any."""
    found = [(i, i + n) for i, n in ((data.find(b"\r\n\r\n"), 4), (data.find(b"\n\n"), 2))
             if i >= 0]
    return min(found) if found else None


def parse_head(data: bytes, limit: int = HEAD_LIMIT) -> Head:
    """Split a message into start line and headers; LF-only line ends are accepted."""
    end = _head_end(data[: limit + 4])
    if end is None:
        if len(data) > limit:
            return Head("", (), b"", False, False, "head larger than 64 KiB")
        head, rest, ended = data, b"", False
    else:
        head, rest, ended = data[: end[0]], data[end[1]:], True
    lines = head.decode("latin-1").split("\n")
    start = lines[0].rstrip("\r").strip()
    if not start:
        return Head("", (), rest, ended, False, "empty message")
    headers: list[tuple[str, str]] = []
    for raw in lines[1:]:
        line = raw.rstrip("\r")
        if line[:1] in (" ", "\t") and headers:  # obsolete line folding
            name, value = headers[-1]
            headers[-1] = (name, value + " " + line.strip())
            continue
        name, sep, value = line.partition(":")
        name = name.strip()
        if sep and _NAME.match(name):
            headers.append((name, value))
    return Head(start, tuple(headers), rest, ended, True)


def dechunk(data: bytes, limit: int = BODY_LIMIT) -> tuple[bytes, bool, bool]:
    """Decode chunked transfer coding: (body, last chunk seen, syntax ok)."""
    out = bytearray()
    pos = 0
    while True:
        nl = data.find(b"\n", pos, pos + 1024)
        if nl < 0:
            return bytes(out), False, len(data) - pos < 1024
        size_text = data[pos:nl].split(b";", 1)[0].strip()
        if not size_text or len(size_text) > 8 or not all(c in b"0123456789abcdefABCDEF"
                                                          for c in size_text):
            return bytes(out), False, False
        size = int(size_text, 16)
        pos = nl + 1
        if size == 0:
            return bytes(out), b"\n" in data[pos:], True
        chunk = data[pos: pos + size]
        out += chunk
        if len(out) >= limit:
            return bytes(out[:limit]), True, True
        if len(chunk) < size:
            return bytes(out), False, True
        pos += size
        if data.startswith(b"\r\n", pos):
            pos += 2
        elif data.startswith(b"\n", pos):
            pos += 1
        elif pos < len(data) and not data.startswith(b"\r", pos):
            return bytes(out), False, False


def content_length(headers: tuple[tuple[str, str], ...]) -> int | None:
    """The Content-Length header as a number; None when absent or not ASCII digits."""
    for name, value in headers:
        if name.lower() == "content-length":
            v = value.strip()
            return int(v) if v.isascii() and v.isdigit() and len(v) <= 12 else None
    return None


def _is_chunked(headers: tuple[tuple[str, str], ...]) -> bool:
    return any(n.lower() == "transfer-encoding" and "chunked" in v.lower() for n, v in headers)


def build_get(host: str, path: str) -> bytes:
    """An HTTP/1.1 GET; ``host`` and ``path`` must not contain line breaks or spaces."""
    for part in (host, path):
        if any(c in part for c in "\r\n\0 ") or not part:
            raise ValueError(f"invalid host or path for a request line: {part!r}")
    if not path.startswith("/"):
        raise ValueError(f"path must start with '/': {path!r}")
    return (f"GET {path} HTTP/1.1\r\nHost: {host}\r\nUser-Agent: {USER_AGENT}\r\n"
            "Accept: */*\r\nConnection: close\r\n\r\n").encode("ascii", "strict")


def response_complete(buf: bytes) -> bool:
    """True when the reply is complete (or cannot grow into anything usable); False: keep reading.

    Complete means: head ended and the body reached Content-Length, or the last chunk arrived,
    or the status carries no body. Without framing it returns False (read to EOF) until the
    buffer exceeds the parse caps.
    """
    head = parse_head(buf)
    if not head.valid:
        return True
    if not head.ended:
        return False
    m = _STATUS.match(head.start_line)
    if m is None:
        return True
    status = int(m.group(2))
    if status < 200 or status in _NO_BODY:
        return True
    if _is_chunked(head.headers):
        _, done, ok = dechunk(head.rest)
        return done or not ok
    length = content_length(head.headers)
    if length is not None:
        return len(head.rest) >= min(length, BODY_LIMIT)
    return len(head.rest) >= BODY_LIMIT


def parse_response(data: bytes, *, lenient: bool = False) -> HttpResponse:
    """Parse a raw reply. ``lenient`` (pasted text): the body is all that follows the head."""
    head = parse_head(data)
    if not head.valid:
        return HttpResponse(0, "", (), b"", False, head.problem)
    m = _STATUS.match(head.start_line)
    if m is None:
        return HttpResponse(0, "", (), b"", False, "not an HTTP status line")
    version, status, reason = m.group(1), int(m.group(2)), (m.group(3) or "").strip()
    headers = tuple((n, v.strip()) for n, v in head.headers)
    rest = head.rest
    complete = True
    if status < 200 or status in _NO_BODY:
        body = b""
    elif _is_chunked(headers):
        body, complete, ok = dechunk(rest)
        if not ok and (lenient or not body):
            body, complete = rest[:BODY_LIMIT], False
    else:
        length = content_length(headers)
        if length is None or lenient:
            body = rest[:BODY_LIMIT]
            complete = length is None or len(rest) >= length
        else:
            body = rest[: min(length, BODY_LIMIT)]
            complete = len(rest) >= length
    return HttpResponse(status, reason, headers, body, True, "", version,
                        complete and head.ended)


def crlf_head(data: bytes) -> bytes:
    """Pasted text usually has LF line ends: give the head CRLF ones (the body is kept)."""
    data = data.lstrip(b"\r\n\t ")
    if b"\r\n" in data:
        return data
    head, sep, body = data.partition(b"\n\n")
    return head.replace(b"\n", b"\r\n") + (b"\r\n\r\n" if sep else b"") + body


def realms(value: str) -> list[str]:
    """Every realm parameter in one WWW-Authenticate value (several challenges may share one)."""
    out = []
    for m in _REALM.finditer(value[:8192]):
        quoted, bare = m.group(1), m.group(2)
        out.append(_ESCAPE.sub(r"\1", quoted) if quoted is not None else bare)
    return out


def parse_www_authenticate_realm(value: str) -> str | None:
    """The first realm="..." (or bare realm=token) of a WWW-Authenticate value, unquoted."""
    found = realms(value)
    return found[0] if found else None


def html_title(text: str) -> str | None:
    """Text of the first <title>, entities decoded and whitespace collapsed; None if absent."""
    m = _TITLE_OPEN.search(text)
    if m is None:
        return None
    close = _TITLE_CLOSE.search(text, m.end())
    raw = text[m.end(): close.start() if close else m.end() + 1024][:4096]
    return " ".join(html.unescape(raw).split())[:1024]


def body_observations(body: bytes, source: str) -> list[Observation]:
    """http.body, http.title and, for an ISAPI XML body, the isapi.* observations."""
    if not body:
        return []
    text = body[:BODY_TEXT_LIMIT].decode("utf-8", "replace")
    obs = [Observation("http.body", text, source)]
    title = html_title(text)
    if title:
        obs.append(Observation("http.title", title, source))
    head = text.lstrip("\ufeff \t\r\n")[:5].lower()
    if head.startswith("<?xml") or (head.startswith("<") and head[1:2].isalpha()):
        doc = isapi.parse(body)
        if doc.valid and doc.root.lower() not in ("html", "envelope", "head", "body"):
            obs.extend(isapi.observations(doc, source))
    elif head.startswith("{"):
        obs.extend(bodyfmt.json_observations(text, source))
    else:
        obs.extend(bodyfmt.kv_observations(text, source))
    return obs


def www_authenticate_observations(value: str, source: str, prefix: str = "http"
                                  ) -> list[Observation]:
    """``<prefix>.www_authenticate`` plus one ``<prefix>.realm`` per realm in the value. A realm
    that is a MAC address (Uniview, Hikvision and EZVIZ firmware use the device's own) also
    gives the organisation its OUI is registered to (``mac.org``, one observation family with
    the device's MAC, so the two never count twice)."""
    obs = [Observation(f"{prefix}.www_authenticate", value, source)]
    for r in realms(value):
        obs.append(Observation(f"{prefix}.realm", r, source))
        org = oui_org(r) if normalize_mac(r) is not None else None
        if org:
            obs.append(Observation("mac.org", org, f"{source} realm"))
    return obs


def observations(resp: HttpResponse, source: str) -> list[Observation]:
    if not resp.valid:
        return []
    obs = [Observation("http.status", str(resp.status), source)]
    for name, value in resp.headers:
        low = name.lower()
        if low == "server" and value:
            obs.append(Observation("http.header.server", value, source))
        elif low == "www-authenticate" and value:
            obs.extend(www_authenticate_observations(value, source))
        elif low == "location" and value:
            obs.append(Observation("http.location", value, source))
    if resp.headers:
        obs.append(Observation("http.header.layout", ",".join(n for n, _ in resp.headers), source))
    obs.extend(body_observations(resp.body, source))
    return obs
