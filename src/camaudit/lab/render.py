"""Sans-I/O pieces of the lab: templates, serial patterns, dates, request heads, reply bytes.

Nothing here touches a socket and nothing here raises on hostile bytes: ``parse_head`` marks a
request invalid instead, ``render`` leaves unknown template fields as they are.

Templates are ``{name}`` fields in header lines, bodies, banners and certificate names.
Device values (fixed per emulated device): ``ip``, ``mac`` (``aa:bb:..``), ``mac_dash``
(``aa-bb-..``), ``mac_hex`` (``aabb..``), ``serial``, ``model``, ``firmware`` with its two parts
``firmware_version`` and ``firmware_build`` (``split_firmware``) and the profile's ``extras``.
Request values (fresh per reply): ``date_http`` (RFC 1123), ``date_ctime``
(``Tue Dec 21 12:08:36 2021``), ``date_rtsp_hik`` (``Tue, Dec 21 2021 12:08:36 GMT``),
``cseq`` (echoed from the request), ``nonce`` (32 hex digits), ``content_length`` (bytes of
the rendered body) and ``challenge`` (the WWW-Authenticate value of a credential-guarded route's
401, lab/auth.py).

Serial patterns (``serial:`` and ``extras:`` in a profile): ``#`` a digit, ``@`` an upper-case
letter or digit, ``%`` an upper-case and ``&`` a lower-case hex digit; anything else, and
anything inside ``{...}``, is kept.
"""

from __future__ import annotations

import random
import re
import secrets
import string
import time
from collections.abc import Mapping
from dataclasses import dataclass

TEMPLATE_FIELD = re.compile(r"\{([a-z][a-z0-9_]*)\}")
DEVICE_NAMES = frozenset({"ip", "mac", "mac_dash", "mac_hex", "serial", "model", "firmware",
                          "firmware_version", "firmware_build"})
REQUEST_NAMES = frozenset({"date_http", "date_ctime", "date_rtsp_hik", "cseq", "nonce",
                           "content_length", "challenge"})
# How firmware strings name their build: "V5.5.6 build 180326" (Hikvision, as its web pages
# print it), "2.800.0000016.0.R, Build Date: 2020-06-05" (Dahua).
_FIRMWARE_BUILD = re.compile(r"^(.+?)(?:,\s*Build Date:\s*|\s*\bbuild\s*)(\S.*)$", re.IGNORECASE)
MAX_HEAD = 16 * 1024
MAX_HEADERS = 100

_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_PATTERN_SETS = {"#": string.digits, "@": string.ascii_uppercase + string.digits,
                 "%": "0123456789ABCDEF", "&": "0123456789abcdef"}
_TOKEN = re.compile(r"^[A-Za-z_][A-Za-z0-9_.-]{0,31}$")


def split_firmware(firmware: str) -> tuple[str, str]:
    """``(version, build)`` of a firmware string: ``V5.5.6 build 180326`` -> ``("V5.5.6",
    "180326")``, ``2.800.0000016.0.R, Build Date: 2020-06-05`` -> ``("2.800.0000016.0.R",
    "2020-06-05")``; without a build part the whole string and ``""``."""
    match = _FIRMWARE_BUILD.match(firmware.strip())
    if match is None:
        return firmware.strip(), ""
    return match.group(1).strip(), match.group(2).strip()


def template_names(text: str) -> set[str]:
    """Names of the ``{name}`` template fields in ``text``."""
    return set(TEMPLATE_FIELD.findall(text))


def render(text: str, values: Mapping[str, str]) -> str:
    """Replace each ``{name}`` whose name is in ``values``; leave others untouched."""
    return TEMPLATE_FIELD.sub(lambda m: values.get(m.group(1), m.group(0)), text)


def expand_pattern(pattern: str, rng: random.Random) -> str:
    """Fill a serial pattern (see module doc) from ``rng``; ``{...}`` spans are kept verbatim."""
    out: list[str] = []
    depth = 0
    for ch in pattern:
        if ch == "{":
            depth += 1
        elif ch == "}" and depth:
            depth -= 1
        choices = _PATTERN_SETS.get(ch) if depth == 0 else None
        out.append(rng.choice(choices) if choices else ch)
    return "".join(out)


def _gmt(now: float) -> time.struct_time:
    return time.gmtime(now)


def date_http(now: float) -> str:
    """RFC 1123 date, e.g. ``Tue, 21 Dec 2021 12:08:36 GMT`` (locale independent)."""
    t = _gmt(now)
    return (f"{_DAYS[t.tm_wday]}, {t.tm_mday:02d} {_MONTHS[t.tm_mon - 1]} {t.tm_year} "
            f"{t.tm_hour:02d}:{t.tm_min:02d}:{t.tm_sec:02d} GMT")


def date_ctime(now: float) -> str:
    """ctime-like date, e.g. ``Tue Dec 21 12:08:36 2021``."""
    t = _gmt(now)
    return (f"{_DAYS[t.tm_wday]} {_MONTHS[t.tm_mon - 1]} {t.tm_mday:2d} "
            f"{t.tm_hour:02d}:{t.tm_min:02d}:{t.tm_sec:02d} {t.tm_year}")


def date_rtsp_hik(now: float) -> str:
    """Hikvision RTSP date, e.g. ``Tue, Dec 21 2021 12:08:36 GMT`` (facts §4.1, ExoPlayer#9800)."""
    t = _gmt(now)
    return (f"{_DAYS[t.tm_wday]}, {_MONTHS[t.tm_mon - 1]} {t.tm_mday:02d} {t.tm_year} "
            f"{t.tm_hour:02d}:{t.tm_min:02d}:{t.tm_sec:02d} GMT")


def request_values(cseq: str = "", now: float | None = None) -> dict[str, str]:
    """Values that change per reply (dates, nonce, echoed CSeq)."""
    stamp = time.time() if now is None else now
    return {"date_http": date_http(stamp), "date_ctime": date_ctime(stamp),
            "date_rtsp_hik": date_rtsp_hik(stamp), "cseq": cseq, "nonce": secrets.token_hex(16),
            "challenge": ""}


@dataclass(frozen=True, slots=True)
class RequestHead:
    """The request line and headers of an HTTP or RTSP request; ``valid`` is False on garbage."""

    method: str
    target: str
    version: str
    headers: tuple[tuple[str, str], ...]
    valid: bool

    def header(self, name: str) -> str | None:
        wanted = name.lower()
        for key, value in self.headers:
            if key.lower() == wanted:
                return value
        return None

    @property
    def path(self) -> str:
        """Target without its query string."""
        return self.target.split("?", 1)[0]


def printable(raw: bytes | str, limit: int = 256) -> str:
    """Text safe for a log line: latin-1 decoded, control characters escaped, truncated."""
    text = raw.decode("latin-1") if isinstance(raw, bytes) else raw
    text = text[:limit]
    return "".join(ch if 32 <= ord(ch) < 127 else f"\\x{ord(ch):02x}" for ch in text)


def parse_head(data: bytes) -> RequestHead:
    """Parse ``METHOD target VERSION\\r\\nName: value...``; never raises, bounded input."""
    head = data[:MAX_HEAD].split(b"\r\n\r\n", 1)[0]
    lines = head.split(b"\r\n")
    parts = lines[0].split(b" ")
    method = printable(parts[0], 32) if parts and parts[0] else ""
    if len(parts) != 3 or not _TOKEN.match(method):
        return RequestHead(method if _TOKEN.match(method) else "", "", "", (), False)
    target, version = printable(parts[1]), printable(parts[2], 16)
    valid = version.startswith(("HTTP/", "RTSP/"))
    headers: list[tuple[str, str]] = []
    for line in lines[1:MAX_HEADERS + 1]:
        name, sep, value = line.partition(b":")
        if not sep or not name.strip():
            valid = False
            continue
        headers.append((printable(name.strip(), 64), printable(value.strip(), 1024)))
    return RequestHead(method, target, version, tuple(headers), valid)


def build_reply(status: int, reason: str, version: str, headers: tuple[str, ...], body: bytes,
                values: Mapping[str, str], *, template_body: bool = True,
                head_only: bool = False) -> bytes:
    """Status line, header lines (templated, order and case kept), blank line, body."""
    if template_body and body:
        body = render(body.decode("utf-8"), values).encode("utf-8")
    all_values = dict(values)
    all_values["content_length"] = str(len(body))
    lines = [f"{version} {status} {reason}"]
    lines.extend(render(h, all_values) for h in headers)
    head = ("\r\n".join(lines) + "\r\n\r\n").encode("utf-8")
    return head if head_only else head + body


def garbage(seed: str, size: int = 4096) -> bytes:
    """Deterministic hostile bytes: protocol-looking fragments mixed with random bytes."""
    rng = random.Random(seed)
    pieces = [b"HTTP/1.1 2\xff\r\n", b"RTSP/1.0 \x00\x00\r\n\r", b"Content-Length: -1\r\n",
              b"\r\n\r\n", b"<?xml \xfe\xfe", b"\x00\x00\x00\x10"]
    out = bytearray()
    while len(out) < size:
        out += rng.choice(pieces) if rng.random() < 0.3 else rng.randbytes(rng.randint(1, 64))
    return bytes(out[:size])
