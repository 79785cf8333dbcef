"""What the readers accumulate: connections keyed by endpoint, names seen for addresses, damage.

Memory is bounded by the number of endpoints, not by the size of the evidence: a connection is
keyed by ``(client, server, proto, server_port)`` (the client is the side with the higher port,
or Zeek's originator), so ephemeral client ports collapse into one entry. Each entry holds
``[bytes_c2s, bytes_s2c, packets_c2s, packets_s2c, first_ts, last_ts]``; bytes are IP-layer
bytes (what Zeek calls ``orig_ip_bytes``/``resp_ip_bytes`` and NetFlow counts).
"""

from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass, field
from functools import lru_cache

Key = tuple[str, str, str, int]
MAX_NAMES = 16
MAX_EVIDENCE = 4
MAX_DAMAGE = 10  # damage entries listed per file; the rest are counted in one more entry
MAX_NAME = 253  # characters of a DNS name; longer names are not names
MAX_COUNT = 2 ** 53  # bytes or packets of one record: above is nonsense (and loses precision)
MAX_TS = 253402300799.0  # 9999-12-31T23:59:59Z, the last second an ISO 8601 year can write


@dataclass(frozen=True, slots=True)
class Damage:
    """A point where a file stopped being readable; what came before it was kept."""

    file: str
    offset: int
    message: str

    def line(self) -> str:
        return f"{self.file}: offset {self.offset}: {self.message}"


@dataclass
class Capture:
    """Everything read from all evidence files of one run."""

    conns: dict[Key, list[float]] = field(default_factory=dict)
    names: dict[str, dict[str, str]] = field(default_factory=dict)
    flow_names: dict[Key, dict[str, str]] = field(default_factory=dict)
    damage: list[Damage] = field(default_factory=list)
    files: list[str] = field(default_factory=list)
    records: int = 0
    damage_counts: dict[str, int] = field(default_factory=dict)

    def note(self, file: str, offset: int, message: str) -> None:
        """Damage in ``file`` at ``offset``: the first ``MAX_DAMAGE`` of a file are listed, then
        one entry says that more follow (memory stays bounded however damaged a file is)."""
        n = self.damage_counts.get(file, 0) + 1
        self.damage_counts[file] = n
        if n <= MAX_DAMAGE:
            self.damage.append(Damage(file, offset, message))
        elif n == MAX_DAMAGE + 1:
            self.damage.append(Damage(file, offset, "more damage from here on, not listed"))

    def add_conn(self, key: Key, b_c2s: float, b_s2c: float, p_c2s: float, p_s2c: float,
                 first: float, last: float) -> None:
        v = self.conns.get(key)
        if v is None:
            self.conns[key] = [b_c2s, b_s2c, p_c2s, p_s2c, first, last]
            return
        v[0] += b_c2s
        v[1] += b_s2c
        v[2] += p_c2s
        v[3] += p_s2c
        if first < v[4]:
            v[4] = first
        if last > v[5]:
            v[5] = last

    def add_name(self, ip: str, name: str, evidence: str) -> None:
        """``name`` resolved to ``ip`` (a DNS answer) in the evidence."""
        if not name or not ip:
            return
        d = self.names.setdefault(ip, {})
        if name not in d and len(d) < MAX_NAMES:
            d[name] = evidence

    def add_flow_name(self, key: Key, name: str, evidence: str) -> None:
        """``name`` was asked for on the connection itself (TLS SNI, HTTP Host)."""
        if not name:
            return
        d = self.flow_names.setdefault(key, {})
        if name not in d and len(d) < MAX_NAMES:
            d[name] = evidence


class FieldError(ValueError):
    """A field of a record holds what it cannot (the message names the field and value)."""


def _show(v: object) -> str:
    text = repr(v)
    return text if len(text) <= 40 else text[:37] + "..."


def count(v: object, name: str) -> float:
    """A byte or packet count: a whole number from 0 to ``MAX_COUNT`` (empty or unset is 0)."""
    # the common cases first: decimal digits (TSV, CSV) or an int (JSON)
    if type(v) is str:
        try:
            n = int(v)
        except ValueError:
            pass
        else:
            if 0 <= n <= MAX_COUNT:
                return float(n)
    elif type(v) is int and 0 <= v <= MAX_COUNT:
        return float(v)
    if v is None or v == "" or v == "-":
        return 0.0
    try:
        x = float(v) if not isinstance(v, bool) else float("nan")  # type: ignore[arg-type]
    except (TypeError, ValueError):
        x = float("nan")
    if not 0 <= x <= MAX_COUNT or x != int(x):
        raise FieldError(f"field {name}: {_show(v)} is not a count")
    return x


def port(v: object, name: str) -> int:
    """A port, 0 to 65535 (empty or unset is 0)."""
    x = count(v, name) if v is not None and v != "" and v != "-" else 0.0
    if x > 65535:
        raise FieldError(f"field {name}: {_show(v)} is not a port")
    return int(x)


def seconds(v: object, name: str) -> float:
    """A duration in seconds: finite, from 0 to ``MAX_TS`` (empty or unset is 0)."""
    if v is None or v == "" or v == "-":
        return 0.0
    try:
        x = float(v) if not isinstance(v, bool) else float("nan")  # type: ignore[arg-type]
    except (TypeError, ValueError):
        x = float("nan")
    if not 0 <= x <= MAX_TS:
        raise FieldError(f"field {name}: {_show(v)} is not a duration")
    return x


def timestamp(x: float, name: str, raw: object = None) -> float:
    """``x`` when it is a time camaudit can write (1970 to 9999), else ``FieldError``."""
    if not 0 <= x <= MAX_TS:
        raise FieldError(f"field {name}: {_show(raw if raw is not None else x)} is not a time "
                         "from 1970 to 9999")
    return x


def address(v: object, name: str) -> str:
    """An IP address as text (as given), else ``FieldError``."""
    if type(v) is str:
        try:
            socket.inet_pton(socket.AF_INET, v)  # quick for the common dotted quad
            return v
        except OSError:
            if parse_ip(v) is not None:
                return v
    raise FieldError(f"field {name}: {_show(v)} is not an IP address")


def ip_text(raw: bytes) -> str:
    """Address text for 4 or 16 raw bytes."""
    return socket.inet_ntop(socket.AF_INET if len(raw) == 4 else socket.AF_INET6, raw)


@lru_cache(maxsize=1 << 16)
def parse_ip(ip: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """``ipaddress.ip_address(ip)``, None for anything else; cached, and quick for the
    canonical dotted quads the readers write (analysis asks about each address many times)."""
    try:
        raw = socket.inet_pton(socket.AF_INET, ip)
    except (OSError, TypeError, ValueError):
        raw = None
    if raw is not None and socket.inet_ntop(socket.AF_INET, raw) == ip:
        return ipaddress.IPv4Address(raw)
    try:
        return ipaddress.ip_address(ip)
    except ValueError:
        return None


@lru_cache(maxsize=1 << 16)
def is_local(ip: str) -> bool:
    """True for addresses that do not leave the site: private, loopback, link-local,
    multicast, broadcast, unspecified, shared (CGNAT) and other non-global space."""
    a = parse_ip(ip)
    if a is None:
        return True
    if isinstance(a, ipaddress.IPv6Address) and a.ipv4_mapped is not None:
        a = a.ipv4_mapped
    return not a.is_global or a.is_multicast


def src_is_client(src: bytes, dst: bytes, sport: int, dport: int) -> bool:
    """True when the sender of a packet from raw address ``src`` is the client: the lower port
    is the service; with equal ports the lower address is the client (as ``_fastpcap.c`` and
    ``pcapvec`` decide)."""
    return dport < sport or (dport == sport and src <= dst)


@lru_cache(maxsize=1 << 16)
def _raw(ip: str) -> bytes:
    a = parse_ip(ip)
    return a.packed if a is not None else ip.encode("utf-8", "replace")


def orient(src: str, dst: str, sport: int, dport: int) -> tuple[bool, int]:
    """(True when src is the client, server port) for addresses as text, decided as a packet
    between them would be (``src_is_client``)."""
    if src_is_client(_raw(src), _raw(dst), sport, dport):
        return True, dport
    return False, sport
