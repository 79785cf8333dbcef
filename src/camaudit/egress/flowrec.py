"""Flow records: nfdump CSV exports (``nfdump -o csv``, with its header; the trailing summary is
skipped) and NetFlow v5/v9 export datagrams carried in a capture (``--netflow-port``). Flows are
one-way records, so each is oriented like a packet (the lower port is the service) and added as
that direction's bytes and packets.
"""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Iterator
from pathlib import Path

from camaudit.egress.flows import (
    Capture,
    FieldError,
    address,
    count,
    orient,
    port,
    timestamp,
)
from camaudit.egress.source import Source, lines, open_source
from camaudit.errors import UsageError
from camaudit.wire.netflow import FlowRecord

PROTOS = {"6": "tcp", "17": "udp", "1": "icmp", "58": "icmp6", "TCP": "tcp", "UDP": "udp",
          "ICMP": "icmp", "ICMP6": "icmp6"}


def add_record(cap: Capture, r: FlowRecord, proto: str | None = None) -> None:
    proto = proto or PROTOS.get(str(r.proto), str(r.proto))
    client_first, port = orient(r.src, r.dst, r.sport, r.dport)
    if client_first:
        cap.add_conn((r.src, r.dst, proto, port), r.octets, 0, r.packets, 0, r.first, r.last)
    else:
        cap.add_conn((r.dst, r.src, proto, port), 0, r.octets, 0, r.packets, r.first, r.last)


def _time(s: str, name: str) -> float:
    try:
        when = dt.datetime.fromisoformat(s.strip()).replace(tzinfo=dt.UTC).timestamp()
    except (ValueError, OverflowError, OSError) as e:
        raise FieldError(f"field {name}: {s.strip()[:40]!r} is not a time") from e
    return timestamp(when, name, s.strip())


def is_nfdump_csv(head: bytes) -> bool:
    first = head.split(b"\n", 1)[0]
    return first.startswith(b"ts,te,") and b",sa,da," in first


def _csv_lines(src: Source, cap: Capture, bad: dict[int, int]) -> Iterator[str]:
    """The file's lines as text for ``csv.reader``; a line over ``MAX_LINE`` bytes is given as
    an empty line and its offset noted in ``bad`` (by line number)."""
    for n, (at, raw) in enumerate(lines(src, cap), 1):
        if raw is None:
            bad[n] = at
            yield "\n"
        else:
            yield raw.decode("utf-8", "replace")


def read_nfdump_csv(path: Path, cap: Capture, src: Source | None = None) -> None:
    """An nfdump CSV export into ``cap``: a row that cannot be read (a field over the CSV
    field limit, a line over ``MAX_LINE``, an address that is not one, a count or port out of
    range, a bad time) is damage naming the line and field; the rest is read."""
    own = src is None
    if src is None:
        src = open_source(path)
    try:
        _read(src, cap)
    finally:
        if own:
            src.close()


def _read(src: Source, cap: Capture) -> None:
    name = src.name
    n = 0
    bad: dict[int, int] = {}
    rows = csv.reader(_csv_lines(src, cap, bad))
    try:
        header = next(rows, [])
    except csv.Error as e:
        raise UsageError(f"{name}: line 1: unreadable nfdump CSV header: {e}") from e
    col = {c: i for i, c in enumerate(header)}
    need = ("ts", "te", "sa", "da", "sp", "dp", "pr", "ipkt", "ibyt")
    if not all(c in col for c in need):
        raise UsageError(f"{name}: offset 0: nfdump CSV header lacks {', '.join(need)}")
    while True:
        try:
            row = next(rows)
        except StopIteration:
            break
        except csv.Error as e:
            cap.note(name, rows.line_num, f"line {rows.line_num}: unreadable CSV: {e}")
            continue
        line_no = rows.line_num
        if line_no in bad:
            cap.note(name, bad.pop(line_no), f"line {line_no}: line too long, skipped")
            continue
        if not row or row[0] in ("Summary", "flows") or len(row) < len(header):
            if row and row[0] == "Summary":
                break
            continue
        try:
            rec = FlowRecord(address(row[col["sa"]].strip(), "sa"),
                             address(row[col["da"]].strip(), "da"), 0,
                             port(row[col["sp"]].strip(), "sp"),
                             port(row[col["dp"]].strip(), "dp"),
                             int(count(row[col["ipkt"]].strip(), "ipkt")),
                             int(count(row[col["ibyt"]].strip(), "ibyt")),
                             _time(row[col["ts"]], "ts"), _time(row[col["te"]], "te"))
        except ValueError as e:
            cap.note(name, line_no, f"line {line_no}: unreadable flow: {e}")
            continue
        pr = row[col["pr"]].strip().upper()[:16]
        add_record(cap, rec, PROTOS.get(pr, pr.lower()))
        n += 1
    cap.records += n
    cap.files.append(name)
