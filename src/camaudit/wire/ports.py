"""Port lists as users type them (``80/tcp,554/tcp,8000``) and the canonical ports.open value."""

from __future__ import annotations

import re

from camaudit.model import Observation, Port

_ITEM = re.compile(r"^(\d{1,5})(?:/(tcp|udp))?$", re.IGNORECASE)
_SEP = re.compile(r"[,\s]+")


# A port line of nmap's normal output: "554/tcp   open  rtsp" (closed/filtered lines are not open)
_NMAP_LINE = re.compile(r"^[ \t]*(\d{1,5})/(tcp|udp)[ \t]+open(?:\|filtered)?\b", re.MULTILINE)
_NMAP_HEADER = re.compile(r"^[ \t]*PORT[ \t]+STATE\b", re.MULTILINE)


def parse_ports(text: str) -> list[Port]:
    """Sorted, de-duplicated ports; a bare number means TCP. ValueError names the bad item.
    A paste of nmap's port table (``80/tcp open http`` lines) gives its open ports."""
    rows = _NMAP_LINE.findall(text[:1_000_000])
    if rows or _NMAP_HEADER.search(text[:4096]):
        text = ",".join(f"{p}/{proto}" for p, proto in rows)
    items = [i for i in _SEP.split(text.strip()) if i]
    if not items:
        raise ValueError("no ports given (expected e.g. 80/tcp,554/tcp)")
    seen: set[tuple[int, str]] = set()
    for item in items:
        m = _ITEM.match(item)
        if m is None:
            raise ValueError(f"bad port {item[:40]!r} (expected PORT or PORT/tcp or PORT/udp)")
        number = int(m.group(1))
        if not 1 <= number <= 65535:
            raise ValueError(f"bad port {item!r} (out of range 1-65535)")
        seen.add((number, (m.group(2) or "tcp").lower()))
    return [Port(p, proto) for p, proto in sorted(seen)]


def canonical(ports: list[Port]) -> str:
    return ",".join(f"{p}/{proto}" for p, proto in sorted({(p.port, p.proto) for p in ports}))


def observations(ports: list[Port], source: str) -> list[Observation]:
    value = canonical(ports)
    return [Observation("ports.open", value, source)] if value else []
