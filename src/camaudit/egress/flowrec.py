"""Flow records: nfdump CSV exports (``nfdump -o csv``, with its header; the trailing summary is
skipped) and NetFlow v5/v9 export datagrams carried in a capture (``--netflow-port``). Flows are
one-way records, so each is oriented like a packet (the lower port is the service) and added as
that direction's bytes and packets.
"""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

from camaudit.egress.flows import Capture, Damage, orient
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


def _time(s: str) -> float:
    return dt.datetime.fromisoformat(s.strip()).replace(tzinfo=dt.UTC).timestamp()


def is_nfdump_csv(head: bytes) -> bool:
    first = head.split(b"\n", 1)[0]
    return first.startswith(b"ts,te,") and b",sa,da," in first


def read_nfdump_csv(path: Path, cap: Capture) -> None:
    name = str(path)
    try:
        f = path.open(encoding="utf-8", errors="replace", newline="")
    except OSError as e:
        raise UsageError(f"cannot read '{name}': {e.strerror or e}") from e
    n = 0
    with f:
        rows = csv.reader(f)
        header = next(rows, [])
        col = {c: i for i, c in enumerate(header)}
        need = ("ts", "te", "sa", "da", "sp", "dp", "pr", "ipkt", "ibyt")
        if not all(c in col for c in need):
            raise UsageError(f"{name}: offset 0: nfdump CSV header lacks {', '.join(need)}")
        for line_no, row in enumerate(rows, 2):
            if not row or row[0] in ("Summary", "flows") or len(row) < len(header):
                if row and row[0] == "Summary":
                    break
                continue
            try:
                rec = FlowRecord(row[col["sa"]].strip(), row[col["da"]].strip(), 0,
                                 int(row[col["sp"]] or 0), int(row[col["dp"]] or 0),
                                 int(row[col["ipkt"]]), int(row[col["ibyt"]]),
                                 _time(row[col["ts"]]), _time(row[col["te"]]))
            except ValueError as e:
                cap.damage.append(Damage(name, line_no, f"line {line_no}: unreadable flow: {e}"))
                continue
            pr = row[col["pr"]].strip().upper()
            add_record(cap, rec, PROTOS.get(pr, pr.lower()))
            n += 1
    cap.records += n
    cap.files.append(name)
