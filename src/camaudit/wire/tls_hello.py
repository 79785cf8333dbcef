"""TLS ClientHello server name (SNI, RFC 6066) and HTTP request Host, read off a TCP payload.

Sans-I/O and total: both functions return None rather than raise on anything malformed, and read
only within the bytes given (a ClientHello cut by the segment boundary still yields its SNI when
the extension itself is complete).
"""

from __future__ import annotations

_METHODS = (b"GET ", b"POST", b"HEAD", b"PUT ", b"OPTI", b"DELE", b"PATC", b"CONN")


def client_hello_sni(p: bytes) -> str | None:
    """The host_name of the server_name extension of a ClientHello record, lower-case."""
    n = len(p)
    if n < 44 or p[0] != 0x16 or p[1] != 3 or p[5] != 1:
        return None
    off = 9 + 2 + 32  # record header 5, handshake header 4, version 2, random 32
    if off >= n:
        return None
    off += 1 + p[off]  # session id
    if off + 2 > n:
        return None
    off += 2 + ((p[off] << 8) | p[off + 1])  # cipher suites
    if off >= n:
        return None
    off += 1 + p[off]  # compression methods
    if off + 2 > n:
        return None
    end = min(n, off + 2 + ((p[off] << 8) | p[off + 1]))
    off += 2
    while off + 4 <= end:
        etype = (p[off] << 8) | p[off + 1]
        elen = (p[off + 2] << 8) | p[off + 3]
        off += 4
        if etype == 0:
            # server_name_list length (2), name type (1), name length (2), name
            if off + 5 > end or p[off + 2] != 0:
                return None
            ln = (p[off + 3] << 8) | p[off + 4]
            name = p[off + 5:off + 5 + ln]
            if len(name) != ln or not ln:
                return None
            return name.decode("ascii", "replace").lower()
        off += elen
    return None


def http_host(p: bytes) -> str | None:
    """The Host header of an HTTP/1.x request starting this payload, lower-case, no port."""
    if p[:4] not in _METHODS:
        return None
    head = p[:4096]
    i = head.find(b"\r\nHost:")
    if i < 0:
        i = head.lower().find(b"\r\nhost:")
        if i < 0:
            return None
    j = head.find(b"\r\n", i + 7)
    raw = head[i + 7:j if j >= 0 else len(head)].strip()
    if not raw or len(raw) > 255:
        return None
    host = raw.decode("ascii", "replace").lower()
    if host.startswith("["):
        return host[1:host.find("]")] if "]" in host else None
    return host.rsplit(":", 1)[0] if host.count(":") == 1 else host
