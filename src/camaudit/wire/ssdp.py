"""SSDP (UDP 1900): M-SEARCH request bytes, HTTPU replies and NOTIFY announcements."""

from __future__ import annotations

from dataclasses import dataclass

from camaudit.model import Observation
from camaudit.wire.http import parse_head

PORT = 1900
GROUP = "239.255.255.250"
LIMIT = 8 * 1024
_KEYS = (("SERVER", "ssdp.server"), ("ST", "ssdp.st"), ("NT", "ssdp.st"), ("USN", "ssdp.usn"),
         ("LOCATION", "ssdp.location"))


@dataclass(frozen=True, slots=True)
class SsdpMessage:
    kind: str  # response | notify
    start_line: str
    headers: tuple[tuple[str, str], ...]  # (name as sent, value trimmed)
    valid: bool
    problem: str = ""

    def header(self, name: str) -> str | None:
        return next((v for k, v in self.headers if k.upper() == name.upper()), None)


def build_msearch(st: str = "ssdp:all", mx: int = 1) -> bytes:
    if any(c in st for c in "\r\n"):
        raise ValueError(f"invalid search target: {st!r}")
    return (f'M-SEARCH * HTTP/1.1\r\nHOST: {GROUP}:{PORT}\r\nMAN: "ssdp:discover"\r\n'
            f"MX: {int(mx)}\r\nST: {st}\r\nUSER-AGENT: camaudit/0.1\r\n\r\n").encode("ascii")


def parse(data: bytes) -> SsdpMessage:
    head = parse_head(data[:LIMIT], LIMIT)
    if not head.valid:
        return SsdpMessage("", "", (), False, head.problem)
    start = head.start_line
    upper = start.upper()
    if upper.startswith("HTTP/"):
        kind = "response"
    elif upper.startswith("NOTIFY "):
        kind = "notify"
    elif upper.startswith("M-SEARCH "):
        return SsdpMessage("search", start[:200], (), False, "a search request, not a reply")
    else:
        return SsdpMessage("", start[:200], (), False, "not an SSDP message")
    headers = tuple((n, v.strip()) for n, v in head.headers)
    return SsdpMessage(kind, start[:200], headers, True)


def observations(msg: SsdpMessage, source: str) -> list[Observation]:
    if not msg.valid:
        return []
    obs = []
    for name, key in _KEYS:
        value = msg.header(name)
        if value:
            obs.append(Observation(key, value, source))
    return obs
