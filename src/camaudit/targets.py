"""Target and port specifications, nmap style, expanded to ordered unique IP strings.

Forms accepted for targets and ``--exclude`` items:

* single addresses: ``192.168.1.10``, ``fd00::1``
* CIDR blocks: ``10.0.0.0/24`` (host bits may be set, as in nmap; every address is included)
* IPv4 octet ranges: ``192.168.1.1-20``, ``10.0-1.0.1-5``, ``10.0.0.1,3,7-9``, ``10.0.0.*``,
  open ends ``10.0.0.-5`` / ``10.0.0.250-``
* host names, resolved once (the first IPv4 address, else the first IPv6 one, like nmap)
* comma separated lists of the above when the whole item is not an octet range

Every error is a ``UsageError`` whose one-line message names the bad item. Targets outside
private, loopback and link-local space are refused unless ``allow_public`` is set: camaudit
audits networks its operator owns.
"""

from __future__ import annotations

import ipaddress
import re
import socket
import sys
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

from camaudit.errors import UsageError

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Resolver = Callable[[str], str]

# The camera port set scanned when no -p is given (see facts §7 for who uses which).
DEFAULT_PORTS: tuple[int, ...] = (
    23, 80, 81, 88, 443, 554, 8000, 8080, 8443, 8554, 8899, 10554, 34567, 37777,
)

# Address space scanned without --allow-public.
SCOPE_NETWORKS: tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...] = (
    ipaddress.ip_network("10.0.0.0/8"),
    ipaddress.ip_network("172.16.0.0/12"),
    ipaddress.ip_network("192.168.0.0/16"),
    ipaddress.ip_network("127.0.0.0/8"),
    ipaddress.ip_network("169.254.0.0/16"),
    ipaddress.ip_network("fc00::/7"),
    ipaddress.ip_network("::1/128"),
    ipaddress.ip_network("fe80::/10"),
)

_HOSTNAME = re.compile(r"^(?=.*[A-Za-z])[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,62})"
                       r"(?:\.[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,62}))*\.?$")
_OCTET_PART = re.compile(r"^(?:\*|\d{0,3}-\d{0,3}|\d{1,3})$")
_IPV4_CHARS = re.compile(r"^[\d.,*/-]+$")


def _digits(text: str) -> bool:
    """ASCII digits only: ``str.isdigit`` also takes "²", which ``int`` refuses."""
    return text.isascii() and text.isdigit()


def resolve_host(name: str) -> str:
    """Resolve ``name`` to one address (first IPv4, else first IPv6); UsageError if it fails."""
    try:
        infos = socket.getaddrinfo(name, None, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as exc:
        raise UsageError(f"cannot resolve target '{name}'") from exc
    addrs = [str(info[4][0]) for info in infos]
    v4 = [a for a in addrs if ":" not in a]
    if v4:
        return v4[0]
    if addrs:
        return addrs[0].split("%", 1)[0]
    raise UsageError(f"cannot resolve target '{name}'")


def in_scope(ip: IPAddress) -> bool:
    """True for private (RFC 1918, fc00::/7), loopback and link-local addresses."""
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return any(ip in net for net in SCOPE_NETWORKS if net.version == ip.version)


def _octet_values(part: str) -> list[int] | None:
    values: list[int] = []
    for piece in part.split(","):
        if not _OCTET_PART.match(piece):
            return None
        if piece == "*":
            lo, hi = 0, 255
        elif "-" in piece:
            a, b = piece.split("-", 1)
            lo, hi = int(a) if a else 0, int(b) if b else 255
        else:
            lo = hi = int(piece)
        if hi > 255 or lo > hi:
            return None
        values.extend(range(lo, hi + 1))
    return sorted(set(values))


def _octet_range(item: str) -> list[list[int]] | None:
    """Per-octet value lists of an nmap IPv4 range, or None when ``item`` is not one."""
    parts = item.split(".")
    if len(parts) != 4:
        return None
    octets = [_octet_values(p) for p in parts]
    if any(o is None for o in octets):
        return None
    return [o for o in octets if o is not None]


def _count(octets: list[list[int]]) -> int:
    n = 1
    for o in octets:
        n *= len(o)
    return n


def _too_many(item: str, n: int, max_hosts: int) -> UsageError:
    return UsageError(f"target '{item}' has {n} addresses, more than the limit of {max_hosts}")


def _expand_item(item: str, max_hosts: int, resolve: Resolver) -> Iterator[IPAddress]:
    """Addresses of one item (no commas except inside octet ranges)."""
    if not item:
        raise UsageError("empty target in list")
    if "/" in item:
        try:
            net = ipaddress.ip_network(item, strict=False)
        except ValueError as exc:
            raise UsageError(f"bad target '{item}'") from exc
        if net.num_addresses > max_hosts:
            raise _too_many(item, net.num_addresses, max_hosts)
        yield from net
        return
    if ":" in item:
        try:
            yield ipaddress.ip_address(item.strip("[]"))
        except ValueError as exc:
            raise UsageError(f"bad target '{item}'") from exc
        return
    if _IPV4_CHARS.match(item):
        octets = _octet_range(item)
        if octets is None:
            raise UsageError(f"bad target '{item}'")
        if _count(octets) > max_hosts:
            raise _too_many(item, _count(octets), max_hosts)
        for a in octets[0]:
            for b in octets[1]:
                for c in octets[2]:
                    for d in octets[3]:
                        yield ipaddress.IPv4Address(f"{a}.{b}.{c}.{d}")
        return
    if not _HOSTNAME.match(item) or len(item) > 253:
        raise UsageError(f"bad target '{item}'")
    try:
        yield ipaddress.ip_address(resolve(item))
    except ValueError as exc:
        raise UsageError(f"cannot resolve target '{item}'") from exc


def _split(token: str) -> list[str]:
    """An octet range keeps its commas; anything else is a comma separated list."""
    token = token.strip()
    if "," in token and _octet_range(token) is None:
        return [t.strip() for t in token.split(",")]
    return [token]


def _expand_tokens(tokens: Iterable[tuple[str, str]], max_hosts: int,
                   resolve: Resolver) -> dict[IPAddress, None]:
    """Ordered set of the addresses of ``tokens`` (pairs of item and where it came from)."""
    out: dict[IPAddress, None] = {}
    for token, where in tokens:
        for item in _split(token):
            try:
                for ip in _expand_item(item, max_hosts, resolve):
                    out[ip] = None
                    if len(out) > max_hosts:
                        raise UsageError(
                            f"more than {max_hosts} targets; narrow the ranges")
            except UsageError as exc:
                if where:
                    raise UsageError(f"{exc} in {where}") from exc
                raise
    return out


def _read_target_file(path: Path) -> list[tuple[str, str]]:
    name = str(path)
    try:
        text = sys.stdin.read() if name == "-" else path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise UsageError(f"cannot read target file '{name}': not UTF-8 text") from exc
    except OSError as exc:
        raise UsageError(f"cannot read target file '{name}': {exc.strerror or exc}") from exc
    tokens: list[tuple[str, str]] = []
    for lineno, line in enumerate(text.splitlines(), 1):
        for token in line.split("#", 1)[0].split():
            tokens.append((token, f"{name} line {lineno}"))
    return tokens


def expand(specs: list[str], input_files: list[Path], excludes: list[str], allow_public: bool,
           max_hosts: int = 65536, *, resolve: Resolver = resolve_host) -> list[str]:
    """Ordered unique IP strings for ``specs`` and ``-iL`` files, minus ``excludes``.

    Returns an empty list when the exclusions remove every target; raises ``UsageError`` for a
    bad item, an unreadable file, no targets at all, too many hosts or (without
    ``allow_public``) an address outside private, loopback and link-local space.
    """
    tokens = [(s, "") for s in specs]
    for path in input_files:
        tokens.extend(_read_target_file(path))
    if not tokens:
        raise UsageError("no targets given")
    found = _expand_tokens(tokens, max_hosts, resolve)
    excluded = _expand_tokens(((e, "--exclude") for e in excludes), max_hosts, resolve)
    result: list[str] = []
    for ip in found:
        if ip in excluded:
            continue
        if ip.is_multicast or ip.is_unspecified or str(ip) == "255.255.255.255":
            raise UsageError(f"target {ip} is not a unicast address")
        if not allow_public and not in_scope(ip):
            raise UsageError(f"target {ip} is public; pass --allow-public to scan it")
        result.append(str(ip))
    return result


def parse_port_spec(text: str) -> list[int]:
    """Sorted unique ports of ``80,443,8000-8010``; UsageError naming the bad item."""
    ports: set[int] = set()
    for raw in text.split(","):
        item = raw.strip()
        if not item:
            raise UsageError(f"bad port list '{text}': empty item")
        lo_s, sep, hi_s = item.partition("-")
        if not _digits(lo_s) or (sep and not _digits(hi_s)):
            raise UsageError(f"bad port '{item}'")
        lo, hi = int(lo_s), int(hi_s) if sep else int(lo_s)
        if not 1 <= lo <= 65535 or not 1 <= hi <= 65535:
            raise UsageError(f"bad port '{item}': ports are 1-65535")
        if lo > hi:
            raise UsageError(f"bad port range '{item}': start is above end")
        ports.update(range(lo, hi + 1))
    return sorted(ports)
