"""DNS messages (RFC 1035) as seen in captures: the question name and the A/AAAA/CNAME answers.

Sans-I/O and total: ``parse_answers`` never raises on hostile bytes; anything malformed gives
``None`` (the whole message) or stops at the last well-formed record. Compression pointers are
followed at most 16 times and only backwards, so loops end.
"""

from __future__ import annotations

import socket

A, CNAME, AAAA = 1, 5, 28
_MAX_JUMPS = 16
_MAX_RECORDS = 64


def read_name(msg: bytes, off: int) -> tuple[str, int] | None:
    """(dotted lower-case name, offset after it in the record) or None when malformed."""
    labels: list[bytes] = []
    end = -1
    jumps = 0
    n = len(msg)
    total = 0
    while True:
        if off >= n:
            return None
        ln = msg[off]
        if ln == 0:
            off += 1
            break
        if ln & 0xC0 == 0xC0:
            if off + 1 >= n or jumps >= _MAX_JUMPS:
                return None
            target = ((ln & 0x3F) << 8) | msg[off + 1]
            if end < 0:
                end = off + 2
            if target >= off:
                return None
            off = target
            jumps += 1
            continue
        if ln & 0xC0:
            return None
        label = msg[off + 1:off + 1 + ln]
        if len(label) != ln:
            return None
        total += ln + 1
        if total > 255:
            return None
        labels.append(label)
        off += 1 + ln
    return b".".join(labels).decode("ascii", "replace").lower(), (end if end >= 0 else off)


def parse_answers(msg: bytes) -> tuple[str, list[tuple[str, int, str]]] | None:
    """For a DNS response: (question name, [(owner, type, value)]) for A, AAAA and CNAME
    answers, value being the address text or the CNAME target. None if it is no response or
    is malformed before the first answer."""
    if len(msg) < 12 or not msg[2] & 0x80:
        return None
    qd = (msg[4] << 8) | msg[5]
    an = (msg[6] << 8) | msg[7]
    if qd != 1 or an == 0:
        return None
    q = read_name(msg, 12)
    if q is None:
        return None
    qname, off = q
    off += 4
    out: list[tuple[str, int, str]] = []
    n = len(msg)
    for _ in range(min(an, _MAX_RECORDS)):
        r = read_name(msg, off)
        if r is None:
            break
        owner, off = r
        if off + 10 > n:
            break
        rtype = (msg[off] << 8) | msg[off + 1]
        rdlen = (msg[off + 8] << 8) | msg[off + 9]
        rd = off + 10
        off = rd + rdlen
        if off > n:
            break
        if rtype == A and rdlen == 4:
            out.append((owner, A, socket.inet_ntop(socket.AF_INET, msg[rd:rd + 4])))
        elif rtype == AAAA and rdlen == 16:
            out.append((owner, AAAA, socket.inet_ntop(socket.AF_INET6, msg[rd:rd + 16])))
        elif rtype == CNAME:
            t = read_name(msg, rd)
            if t is not None:
                out.append((owner, CNAME, t[0]))
    return qname, out


def encode_name(name: str) -> bytes:
    """Wire form of ``name`` (no compression); used by tests and the benchmark generator."""
    out = b""
    for label in name.strip(".").split("."):
        raw = label.encode("ascii")
        out += bytes([len(raw)]) + raw
    return out + b"\x00"


def build_response(qid: int, qname: str, answers: list[tuple[int, str]]) -> bytes:
    """A response for ``qname`` with answers [(type, value)]: A/AAAA addresses or CNAME targets,
    the owner of each answer being the previous CNAME target (or the question)."""
    head = qid.to_bytes(2, "big") + b"\x81\x80" + (1).to_bytes(2, "big")
    head += len(answers).to_bytes(2, "big") + b"\x00\x00\x00\x00"
    body = encode_name(qname) + b"\x00\x01\x00\x01"
    owner = qname
    for rtype, value in answers:
        if rtype == CNAME:
            rdata = encode_name(value)
        elif rtype == AAAA:
            rdata = socket.inet_pton(socket.AF_INET6, value)
        else:
            rdata = socket.inet_pton(socket.AF_INET, value)
        body += encode_name(owner) + rtype.to_bytes(2, "big") + b"\x00\x01\x00\x00\x00\x3c"
        body += len(rdata).to_bytes(2, "big") + rdata
        if rtype == CNAME:
            owner = value
    return head + body


def build_query(qid: int, qname: str) -> bytes:
    head = qid.to_bytes(2, "big") + b"\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00"
    return head + encode_name(qname) + b"\x00\x01\x00\x01"
