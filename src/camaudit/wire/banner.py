"""Unprompted TCP banners: hex of the first bytes, and telnet prompts without IAC negotiation."""

from __future__ import annotations

import re
from dataclasses import dataclass

from camaudit.model import Observation

HEX_BYTES = 64
LIMIT = 4096
IAC, SB, SE = 255, 250, 240
_PROMPT = re.compile(r"(?:login|username|user name|password)\s*:\s*$", re.IGNORECASE)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


@dataclass(frozen=True, slots=True)
class Banner:
    port: int
    data: bytes  # at most 4 KiB
    telnet_text: str  # text with IAC sequences removed, trimmed
    had_iac: bool


def strip_telnet(data: bytes) -> tuple[bytes, bool]:
    """Remove telnet IAC commands (DO/DONT/WILL/WONT, subnegotiation); True if any were seen."""
    out = bytearray()
    i, n, seen = 0, len(data), False
    while i < n:
        b = data[i]
        if b != IAC:
            out.append(b)
            i += 1
            continue
        seen = True
        cmd = data[i + 1] if i + 1 < n else None
        if cmd == IAC:
            out.append(IAC)
            i += 2
        elif cmd == SB:
            end = data.find(bytes((IAC, SE)), i + 2)
            i = n if end < 0 else end + 2
        elif cmd is not None and 251 <= cmd <= 254:
            i += 3
        else:
            i += 2
    return bytes(out), seen


def telnet_text(data: bytes) -> str:
    text, _ = strip_telnet(data[:LIMIT])
    decoded = text.decode("utf-8", "replace").replace("\r\n", "\n").replace("\r", "\n")
    return _CONTROL.sub("", decoded).strip()


def parse(port: int, data: bytes) -> Banner:
    data = data[:LIMIT]
    _, seen = strip_telnet(data)
    return Banner(port, data, telnet_text(data), seen)


def looks_like_telnet(banner: Banner) -> bool:
    return banner.port == 23 or banner.had_iac or bool(_PROMPT.search(banner.telnet_text))


def observations(port: int, data: bytes, source: str) -> list[Observation]:
    if not data:
        return []
    banner = parse(port, data)
    obs = [Observation("banner.hex", f"{port}:{data[:HEX_BYTES].hex()}", source)]
    if banner.telnet_text and looks_like_telnet(banner):
        obs.append(Observation("telnet.banner", banner.telnet_text, source))
    return obs
