"""Zeek logs, streamed: conn, dns, ssl and http, in TSV (with the ``#fields`` header) or JSON
lines, plain or gzip. conn rows become connections keyed by originator (client), responder,
proto and responder port, with IP-layer bytes (``orig_ip_bytes``/``resp_ip_bytes``); dns answers
name addresses; ssl ``server_name`` and http ``host`` name connections.

A row that cannot be read (wrong number of fields, bad numbers) is skipped; the first few are
reported as damage with their byte offset, and reading goes on.
"""

from __future__ import annotations

import datetime as dt
import gzip
import ipaddress
import json
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from camaudit.egress.flows import Capture, Damage
from camaudit.errors import UsageError

MAX_DAMAGE = 10


def _open(path: Path) -> IO[bytes]:
    try:
        f = path.open("rb")
        if f.read(2) == b"\x1f\x8b":
            f.close()
            return gzip.open(path, "rb")  # type: ignore[return-value]
        f.seek(0)
        return f
    except OSError as e:
        raise UsageError(f"cannot read '{path}': {e.strerror or e}") from e


def tsv_header(path: Path) -> dict[str, str]:
    """The ``#key value`` header lines of a Zeek TSV log (``fields``/``types`` tab-joined)."""
    head: dict[str, str] = {}
    with _open(path) as f:
        for raw in f:
            if not raw.startswith(b"#"):
                break
            line = raw.decode("utf-8", "replace").rstrip("\r\n")
            if line.startswith("#separator "):
                head["separator"] = line[11:].encode().decode("unicode_escape")
                continue
            sep = head.get("separator", "\t")
            name, _, value = line[1:].partition(sep)
            head[name] = value
    return head


def log_kind(fields: set[str], path_hint: str = "") -> str:
    if path_hint in ("conn", "dns", "ssl", "http"):
        return path_hint
    if "query" in fields and "answers" in fields:
        return "dns"
    if "server_name" in fields:
        return "ssl"
    if "host" in fields and "uri" in fields:
        return "http"
    if "id.resp_p" in fields and ("orig_bytes" in fields or "orig_ip_bytes" in fields):
        return "conn"
    return ""


def _ts(v: Any) -> float:
    if isinstance(v, int | float):
        return float(v)
    s = str(v)
    try:
        return float(s)
    except ValueError:
        return dt.datetime.fromisoformat(s.replace("Z", "+00:00")).timestamp()


def _num(v: Any) -> float:
    return 0.0 if v is None or v == "-" or v == "" else float(v)


def _rows_tsv(path: Path, cap: Capture) -> Iterator[tuple[int, dict[str, Any]]]:
    head = tsv_header(path)
    sep = head.get("separator", "\t")
    fields = head.get("fields", "").split(sep)
    unset, empty = head.get("unset_field", "-"), head.get("empty_field", "(empty)")
    n = len(fields)
    off = 0
    with _open(path) as f:
        for raw in f:
            at = off
            off += len(raw)
            if raw.startswith(b"#"):
                continue
            parts = raw.decode("utf-8", "replace").rstrip("\r\n").split(sep)
            if len(parts) != n:
                _damage(cap, path, at, f"row has {len(parts)} fields, header names {n}")
                continue
            yield at, {k: (None if v == unset else "" if v == empty else v)
                       for k, v in zip(fields, parts, strict=True)}


def _rows_json(path: Path, cap: Capture) -> Iterator[tuple[int, dict[str, Any]]]:
    off = 0
    with _open(path) as f:
        for raw in f:
            at = off
            off += len(raw)
            if not raw.strip():
                continue
            try:
                row = json.loads(raw)
            except ValueError:
                _damage(cap, path, at, "line is not JSON")
                continue
            if isinstance(row, dict):
                yield at, row
            else:
                _damage(cap, path, at, "line is not a JSON object")


def _damage(cap: Capture, path: Path, off: int, msg: str) -> None:
    if sum(d.file == str(path) for d in cap.damage) < MAX_DAMAGE:
        cap.damage.append(Damage(str(path), off, msg))


def _is_ip(s: str) -> bool:
    try:
        ipaddress.ip_address(s)
    except ValueError:
        return False
    return True


def _vec(v: Any) -> list[str]:
    if v is None or v == "":
        return []
    if isinstance(v, list):
        return [str(x) for x in v]
    return str(v).split(",")


def read_zeek(path: Path, cap: Capture, json_lines: bool, kind: str = "") -> None:
    """Stream one Zeek log into ``cap``. ``kind`` is conn/dns/ssl/http or found from fields."""
    rows = _rows_json(path, cap) if json_lines else _rows_tsv(path, cap)
    name = str(path)
    count = 0
    for at, r in rows:
        if not kind:
            kind = log_kind(set(r), str(r.get("_path", "")))
            if not kind:
                raise UsageError(f"{name}: offset {at}: not a conn, dns, ssl or http log")
        try:
            o, h = str(r["id.orig_h"]), str(r["id.resp_h"])
            port = int(_num(r.get("id.resp_p")))
            ts = _ts(r["ts"])
            if kind == "conn":
                bo = r.get("orig_ip_bytes")
                bi = r.get("resp_ip_bytes")
                cap.add_conn((o, h, str(r.get("proto") or "tcp"), port),
                             _num(bo if bo is not None else r.get("orig_bytes")),
                             _num(bi if bi is not None else r.get("resp_bytes")),
                             _num(r.get("orig_pkts")), _num(r.get("resp_pkts")),
                             ts, ts + _num(r.get("duration")))
            elif kind == "dns":
                query = str(r.get("query") or "").lower()
                answers = _vec(r.get("answers"))
                names = [query, *(a.lower() for a in answers if a and not _is_ip(a))]
                for a in answers:
                    if _is_ip(a):
                        for nm in names:
                            if nm:
                                cap.add_name(a, nm, f"{name}#{at}: DNS answer {nm} -> {a} "
                                                    f"from {h}")
            else:
                field = "server_name" if kind == "ssl" else "host"
                host = str(r.get(field) or "").lower()
                if kind == "http" and host.count(":") == 1:
                    host = host.rsplit(":", 1)[0]
                what = "TLS SNI" if kind == "ssl" else "HTTP Host"
                cap.add_flow_name((o, h, "tcp", port), host, f"{name}#{at}: {what} {host}")
        except (KeyError, ValueError, TypeError) as e:
            _damage(cap, path, at, f"unreadable {kind} row: {e}")
            continue
        count += 1
    cap.records += count
    cap.files.append(name)
