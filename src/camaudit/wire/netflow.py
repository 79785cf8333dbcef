"""NetFlow v5 and v9 export datagrams (RFC 3954) to flow records. Sans-I/O and total: a
malformed datagram yields the records before the damage and nothing else; v9 templates are kept
per (source id, template id) in ``V9State`` and data sets that arrive before their template are
held (at most 64) and decoded once it arrives.
"""

from __future__ import annotations

import socket
import struct
from dataclasses import dataclass, field

_V5_HEAD = struct.Struct(">HHIIIIBBH")
_V5_REC = struct.Struct(">4s4s4sHHIIIIHHxBBBHHBBxx")
MAX_PENDING = 64


@dataclass(frozen=True, slots=True)
class FlowRecord:
    src: str
    dst: str
    proto: int
    sport: int
    dport: int
    packets: int
    octets: int
    first: float
    last: float


@dataclass
class V9State:
    templates: dict[tuple[int, int], list[tuple[int, int]]] = field(default_factory=dict)
    pending: list[tuple[int, int, bytes, int, int]] = field(default_factory=list)


def _v5(d: bytes) -> list[FlowRecord]:
    if len(d) < 24:
        return []
    _v, count, uptime, secs, nsecs, *_ = _V5_HEAD.unpack_from(d, 0)
    base = secs + nsecs / 1e9 - uptime / 1000.0
    out = []
    for i in range(min(count, (len(d) - 24) // 48)):
        (s, t, _nh, _i, _o, pk, octs, first, last, sp, dp, _fl, pr, _tos, _sa, _da, _sm,
         _dm) = _V5_REC.unpack_from(d, 24 + 48 * i)
        out.append(FlowRecord(socket.inet_ntoa(s), socket.inet_ntoa(t), pr, sp, dp, pk, octs,
                              base + first / 1000.0, base + last / 1000.0))
    return out


def _v9_data(fields: list[tuple[int, int]], body: bytes, uptime: int, secs: int
             ) -> list[FlowRecord]:
    size = sum(ln for _, ln in fields)
    out: list[FlowRecord] = []
    if size == 0:
        return out
    base = secs - uptime / 1000.0
    for off in range(0, len(body) - size + 1, size):
        v: dict[int, bytes] = {}
        pos = off
        for ftype, ln in fields:
            v[ftype] = body[pos:pos + ln]
            pos += ln
        src = v.get(8) or v.get(27)
        dst = v.get(12) or v.get(28)
        if not src or not dst or len(src) not in (4, 16) or len(src) != len(dst):
            continue
        fam = socket.AF_INET if len(src) == 4 else socket.AF_INET6

        def num(k: int, vals: dict[int, bytes] = v) -> int:
            return int.from_bytes(vals.get(k, b""), "big")

        out.append(FlowRecord(socket.inet_ntop(fam, src), socket.inet_ntop(fam, dst), num(4),
                              num(7), num(11), num(2), num(1), base + num(22) / 1000.0,
                              base + num(21) / 1000.0))
    return out


def _v9(d: bytes, st: V9State) -> list[FlowRecord]:
    if len(d) < 20:
        return []
    _v, _count, uptime, secs, _seq, source = struct.unpack_from(">HHIIII", d, 0)
    out: list[FlowRecord] = []
    off = 20
    while off + 4 <= len(d):
        fsid, ln = struct.unpack_from(">HH", d, off)
        if ln < 4 or off + ln > len(d):
            break
        body = d[off + 4:off + ln]
        if fsid == 0:
            pos = 0
            while pos + 4 <= len(body):
                tid, nf = struct.unpack_from(">HH", body, pos)
                pos += 4
                if tid < 256 or pos + 4 * nf > len(body):
                    break
                st.templates[(source, tid)] = [struct.unpack_from(">HH", body, pos + 4 * i)
                                               for i in range(nf)]
                pos += 4 * nf
            still = []
            for src_id, t, b, up, sc in st.pending:
                tpl = st.templates.get((src_id, t))
                if tpl is None:
                    still.append((src_id, t, b, up, sc))
                else:
                    out += _v9_data(tpl, b, up, sc)
            st.pending = still
        elif fsid >= 256:
            tpl = st.templates.get((source, fsid))
            if tpl is not None:
                out += _v9_data(tpl, body, uptime, secs)
            elif len(st.pending) < MAX_PENDING:
                st.pending.append((source, fsid, body, uptime, secs))
        off += ln
    return out


def decode(datagram: bytes, state: V9State) -> list[FlowRecord]:
    """Flow records of one export datagram (v5 or v9; anything else gives none)."""
    if len(datagram) < 2:
        return []
    version = (datagram[0] << 8) | datagram[1]
    try:
        if version == 5:
            return _v5(datagram)
        if version == 9:
            return _v9(datagram, state)
    except (struct.error, ValueError, OSError):
        return []
    return []
