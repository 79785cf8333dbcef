"""Zeek logs, streamed: conn, dns, ssl and http, in TSV (with the ``#fields`` header) or JSON
lines, plain or gzip. conn rows become connections keyed by originator (client), responder,
proto and responder port, with IP-layer bytes (``orig_ip_bytes``/``resp_ip_bytes``); dns answers
name addresses; ssl ``server_name`` and http ``host`` name connections.

A row that cannot be read (wrong number of fields, not JSON or nested too deep, a line over
``source.MAX_LINE`` bytes, an address that is not one, a count that is negative, fractional,
infinite or over 2**53, a port over 65535, a time outside 1970-9999) is skipped; the first few
are reported as damage with their byte offset and field, and reading goes on. A header that
cannot be used (a ``#separator`` that is not one character) is bad input: ``UsageError``.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from camaudit.egress.flows import (
    MAX_NAME,
    Capture,
    FieldError,
    address,
    count,
    parse_ip,
    port,
    seconds,
    timestamp,
)
from camaudit.egress.source import Source, lines, open_source
from camaudit.errors import UsageError

MAX_DAMAGE = 10
_JSON = json.JSONDecoder().decode  # on text: json.loads would sniff each line's encoding
_PROTOS = frozenset(("tcp", "udp", "icmp", "icmp6", "unknown_transport"))


def _separator(value: str, where: str) -> str:
    """The ``#separator`` value (``\\x09`` written as Zeek writes it): one character."""
    try:
        sep = value.encode("latin-1", "replace").decode("unicode_escape")
    except UnicodeDecodeError as e:
        raise UsageError(f"{where}: field #separator: {value[:20]!r} is not an escaped "
                         f"character ({e.reason})") from e
    if len(sep) != 1 or sep in "\r\n":
        raise UsageError(f"{where}: field #separator: {value[:20]!r} is not one character")
    return sep


class Header:
    """The ``#key value`` lines of a Zeek TSV log, read as they come."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.values: dict[str, str] = {}
        self.sep = "\t"
        self.fields: list[str] = []
        self.unset = "-"
        self.empty = "(empty)"

    def line(self, raw: bytes, at: int) -> None:
        line = raw.decode("utf-8", "replace").rstrip("\r\n")
        if line.startswith("#separator"):
            self.sep = self.values["separator"] = _separator(line[10:].lstrip(" "),
                                                             f"{self.name}: offset {at}")
            return
        key, _, value = line[1:].partition(self.sep)
        self.values[key] = value
        if key == "fields":
            self.fields = value.split(self.sep)
        elif key == "unset_field":
            self.unset = value
        elif key == "empty_field":
            self.empty = value


def parse_header(head: bytes, name: str) -> dict[str, str]:
    """The header of a Zeek TSV log from its first bytes (``fields``/``types`` tab-joined as in
    the file; ``separator`` checked)."""
    h = Header(name)
    at = 0
    for raw in head.split(b"\n")[:-1]:  # whole lines only
        if not raw.startswith(b"#"):
            break
        h.line(raw, at)
        at += len(raw) + 1
    return h.values


def tsv_header(path: Path) -> dict[str, str]:
    """The ``#key value`` header lines of a Zeek TSV log (``fields``/``types`` tab-joined)."""
    src = open_source(path)
    try:
        return parse_header(src.head, src.name)
    finally:
        src.close()


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
    if isinstance(v, bool):
        raise FieldError(f"field ts: {v!r} is not a time")
    if isinstance(v, int | float):
        return timestamp(float(v), "ts", v)
    s = str(v)
    try:
        return timestamp(float(s), "ts", v)
    except ValueError as e:
        if isinstance(e, FieldError):
            raise
    try:
        when = dt.datetime.fromisoformat(s.replace("Z", "+00:00"))
        if when.tzinfo is None:
            when = when.replace(tzinfo=dt.UTC)
        return timestamp(when.timestamp(), "ts", v)
    except (ValueError, OverflowError, OSError) as e:
        raise FieldError(f"field ts: {s[:40]!r} is not a time") from e


def _rows_tsv(src: Source, cap: Capture) -> Iterator[tuple[int, dict[str, Any]]]:
    h = Header(src.name)
    for at, raw in lines(src, cap):
        if raw is None:
            _damage(cap, src.name, at, "line too long, skipped")
            continue
        if raw.startswith(b"#"):
            h.line(raw, at)
            continue
        if len(raw) < 2 and not raw.strip():  # an empty line (a row has many fields)
            continue
        fields = h.fields
        if not fields:
            _damage(cap, src.name, at, "row before the #fields header")
            continue
        parts = raw.decode("utf-8", "replace").rstrip("\r\n").split(h.sep)
        if len(parts) != len(fields):
            _damage(cap, src.name, at, f"row has {len(parts)} fields, header names "
                                       f"{len(fields)}")
            continue
        unset, empty = h.unset, h.empty
        yield at, {k: (None if v == unset else "" if v == empty else v)
                   for k, v in zip(fields, parts, strict=True)}


def _rows_json(src: Source, cap: Capture) -> Iterator[tuple[int, dict[str, Any]]]:
    for at, raw in lines(src, cap):
        if raw is None:
            _damage(cap, src.name, at, "line too long, skipped")
            continue
        if not raw.strip():
            continue
        try:
            row = _JSON(raw.decode("utf-8", "replace"))
        except RecursionError:
            _damage(cap, src.name, at, "line is JSON nested too deep")
            continue
        except ValueError:
            _damage(cap, src.name, at, "line is not JSON")
            continue
        if isinstance(row, dict):
            yield at, row
        else:
            _damage(cap, src.name, at, "line is not a JSON object")


def _damage(cap: Capture, path: Path | str, off: int, msg: str) -> None:
    cap.note(str(path), off, msg)


def _is_ip(s: str) -> bool:
    return parse_ip(s) is not None


def _vec(v: Any) -> list[str]:
    if v is None or v == "":
        return []
    if isinstance(v, list):
        return [str(x) for x in v]
    return str(v).split(",")


def _name(v: Any, field: str) -> str:
    text = str(v or "").lower()
    if len(text) > MAX_NAME:
        raise FieldError(f"field {field}: a name of {len(text)} characters")
    return text


def read_zeek(path: Path, cap: Capture, json_lines: bool, kind: str = "",
              src: Source | None = None) -> None:
    """Stream one Zeek log into ``cap``. ``kind`` is conn/dns/ssl/http or found from fields;
    ``src`` is the file already open (``source.open_source``), else ``path`` is opened."""
    own = src is None
    if src is None:
        src = open_source(path)
    try:
        _read(src, cap, json_lines, kind)
    finally:
        if own:
            src.close()


def _read(src: Source, cap: Capture, json_lines: bool, kind: str) -> None:
    rows = _rows_json(src, cap) if json_lines else _rows_tsv(src, cap)
    name = src.name
    n = 0
    for at, r in rows:
        if not kind:
            kind = log_kind(set(r), str(r.get("_path", "")))
            if not kind:
                raise UsageError(f"{name}: offset {at}: not a conn, dns, ssl or http log")
        try:
            o = address(r["id.orig_h"], "id.orig_h")
            h = address(r["id.resp_h"], "id.resp_h")
            rp = port(r.get("id.resp_p"), "id.resp_p")
            ts = _ts(r["ts"])
            if kind == "conn":
                bo = r.get("orig_ip_bytes")
                bi = r.get("resp_ip_bytes")
                proto = str(r.get("proto") or "tcp").lower()
                if proto not in _PROTOS:
                    raise FieldError(f"field proto: {proto[:20]!r} is not a protocol")
                b_out = (count(bo, "orig_ip_bytes") if bo is not None
                         else count(r.get("orig_bytes"), "orig_bytes"))
                b_in = (count(bi, "resp_ip_bytes") if bi is not None
                        else count(r.get("resp_bytes"), "resp_bytes"))
                last = timestamp(ts + seconds(r.get("duration"), "duration"), "duration")
                cap.add_conn((o, h, proto, rp), b_out, b_in, count(r.get("orig_pkts"),
                                                                   "orig_pkts"),
                             count(r.get("resp_pkts"), "resp_pkts"), ts, last)
            elif kind == "dns":
                query = _name(r.get("query"), "query")
                answers = _vec(r.get("answers"))
                names = [query, *(a.lower() for a in answers
                                  if a and len(a) <= MAX_NAME and not _is_ip(a))]
                for a in answers:
                    if _is_ip(a):
                        for nm in names:
                            if nm:
                                cap.add_name(a, nm, f"{name}#{at}: DNS answer {nm} -> {a} "
                                                    f"from {h}")
            else:
                field = "server_name" if kind == "ssl" else "host"
                host = _name(r.get(field), field)
                if kind == "http" and host.count(":") == 1:
                    host = host.rsplit(":", 1)[0]
                what = "TLS SNI" if kind == "ssl" else "HTTP Host"
                cap.add_flow_name((o, h, "tcp", rp), host, f"{name}#{at}: {what} {host}")
        except KeyError as e:
            _damage(cap, name, at, f"unreadable {kind} row: field {e} missing")
            continue
        except (ValueError, TypeError) as e:
            _damage(cap, name, at, f"unreadable {kind} row: {e}")
            continue
        n += 1
    cap.records += n
    cap.files.append(name)
