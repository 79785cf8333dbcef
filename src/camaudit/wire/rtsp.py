"""RTSP/1.0 codec: OPTIONS/DESCRIBE requests, reply framing and parsing, observations.

Header values keep their exact spacing in ``raw_headers``: Hikvision firmware sends
``Date:  Tue, Dec 21 2021 12:08:36 GMT`` (two spaces), a trait worth matching, so
``rtsp.date`` is the raw text after the colon with only the line end removed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from camaudit.model import Observation
from camaudit.wire.http import HEAD_LIMIT, content_length, parse_head, www_authenticate_observations

USER_AGENT = "camaudit/0.1"
BODY_LIMIT = 64 * 1024
METHODS = ("OPTIONS", "DESCRIBE")

_STATUS = re.compile(r"^(RTSP/\d\.\d)[ \t]+(\d{3})(?:[ \t]+(.*))?$")


@dataclass(frozen=True, slots=True)
class RtspResponse:
    status: int
    reason: str
    headers: tuple[tuple[str, str], ...]  # (name as sent, value trimmed)
    raw_headers: tuple[tuple[str, str], ...]  # (name as sent, value after ":" minus line end)
    body: bytes
    valid: bool
    problem: str = ""
    version: str = ""

    def header(self, name: str) -> str | None:
        return next((v for k, v in self.headers if k.lower() == name.lower()), None)


def build_request(method: str, url: str, cseq: int) -> bytes:
    """OPTIONS or DESCRIBE (read-only methods only); DESCRIBE asks for SDP."""
    if method not in METHODS:
        raise ValueError(f"RTSP method {method!r} not allowed (only {', '.join(METHODS)})")
    if not url or any(c in url for c in "\r\n\0 "):
        raise ValueError(f"invalid RTSP URL: {url!r}")
    lines = [f"{method} {url} RTSP/1.0", f"CSeq: {int(cseq)}", f"User-Agent: {USER_AGENT}"]
    if method == "DESCRIBE":
        lines.append("Accept: application/sdp")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("ascii")


def response_complete(buf: bytes) -> bool:
    """True once the head ended and Content-Length body bytes (if any) arrived, or on garbage."""
    head = parse_head(buf)
    if not head.valid:
        return True
    if not head.ended:
        return False
    return len(head.rest) >= min(content_length(head.headers) or 0, BODY_LIMIT)


def parse_response(data: bytes, *, lenient: bool = False) -> RtspResponse:
    """Parse a raw reply. ``lenient`` (pasted text): without Content-Length, a body that
    starts like SDP (``v=``) is read anyway, and so is SDP pasted with the blank line between
    headers and body lost (a ``v=0`` line among the headers starts the body)."""
    if lenient:
        data = _sdp_after_headers(data)
    head = parse_head(data)
    if not head.valid:
        return RtspResponse(0, "", (), (), b"", False, head.problem)
    m = _STATUS.match(head.start_line)
    if m is None:
        return RtspResponse(0, "", (), (), b"", False, "not an RTSP status line")
    raw = tuple((n, v) for n, v in head.headers)
    trimmed = tuple((n, v.strip()) for n, v in raw)
    length = content_length(raw) or 0
    body = head.rest[: min(length, BODY_LIMIT)] if length else b""
    if lenient and not body and head.rest.lstrip().startswith(b"v="):
        body = head.rest.lstrip()[:BODY_LIMIT]
    return RtspResponse(int(m.group(2)), (m.group(3) or "").strip(), trimmed, raw, body, True,
                        "", m.group(1))


_SDP_START = re.compile(rb"\r?\nv=0\r?\n")


def _sdp_after_headers(data: bytes) -> bytes:
    """``data`` with a blank line put back before an SDP ``v=0`` line that follows headers
    directly (blogs and logs often drop it)."""
    m = _SDP_START.search(data, 0, HEAD_LIMIT)
    if m is None or re.search(rb"\r?\n\r?\n", data[: m.start() + 2]) is not None:
        return data
    return data[: m.start()] + b"\n\n" + data[m.start():].lstrip(b"\r\n")


def observations(resp: RtspResponse, source: str) -> list[Observation]:
    if not resp.valid:
        return []
    obs = [Observation("rtsp.status", str(resp.status), source)]
    for name, value in resp.headers:
        low = name.lower()
        if low == "server" and value:
            obs.append(Observation("rtsp.server", value, source))
        elif low == "www-authenticate" and value:
            obs.extend(www_authenticate_observations(value, source, prefix="rtsp"))
        elif low == "public" and value:
            obs.append(Observation("rtsp.public", value, source))
    for name, raw in resp.raw_headers:
        if name.lower() == "date" and raw.strip():
            obs.append(Observation("rtsp.date", raw, source))
    if resp.headers:
        obs.append(Observation("rtsp.header.layout", ",".join(n for n, _ in resp.headers), source))
    if resp.body:
        ctype = (resp.header("Content-Type") or "").lower()
        if "sdp" in ctype or resp.body.startswith(b"v="):
            obs.append(Observation("rtsp.sdp", resp.body.decode("utf-8", "replace"), source))
    return obs
