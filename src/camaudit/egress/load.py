"""Read evidence files of any supported kind into one ``Capture``: the format is recognised from
the file's first bytes (pcap/pcapng magic, Zeek ``#separator`` header or JSON object with
``id.orig_h``, nfdump CSV header), never from its name. Zeek conn logs larger than
``duck_threshold`` bytes (or all of them with ``engine='duckdb'``) go through DuckDB.
"""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterable
from pathlib import Path

from camaudit.egress.flowrec import is_nfdump_csv, read_nfdump_csv
from camaudit.egress.flows import Capture
from camaudit.egress.geo import GeoDB, default_db
from camaudit.egress.pcap import is_capture, read_capture
from camaudit.egress.zeek import log_kind, read_zeek, tsv_header
from camaudit.errors import UsageError

ENGINES = ("auto", "stream", "duckdb")
DUCK_THRESHOLD = 64 * 1024 * 1024


def _head(path: Path) -> bytes:
    try:
        with path.open("rb") as f:
            head = f.read(4096)
        if head[:2] == b"\x1f\x8b":
            with gzip.open(path, "rb") as g:
                head = g.read(4096)
    except (OSError, EOFError) as e:
        raise UsageError(f"cannot read '{path}': {getattr(e, 'strerror', None) or e}") from e
    return head


def sniff(path: Path) -> tuple[str, str]:
    """(format, zeek log kind): format is pcap, zeek-tsv, zeek-json or nfdump-csv."""
    head = _head(path)
    if not head:
        raise UsageError(f"{path}: empty file")
    if is_capture(head):
        return "pcap", ""
    if head.startswith(b"#separator"):
        h = tsv_header(path)
        sep = h.get("separator", "\t")
        kind = log_kind(set(h.get("fields", "").split(sep)), h.get("path", ""))
        if not kind:
            raise UsageError(f"{path}: offset 0: Zeek log is not conn, dns, ssl or http")
        return "zeek-tsv", kind
    if head.lstrip().startswith(b"{"):
        line = head.lstrip().split(b"\n", 1)[0]
        try:
            row = json.loads(line)
        except ValueError:
            row = None
        if isinstance(row, dict) and "id.orig_h" in row:
            return "zeek-json", log_kind(set(row), str(row.get("_path", "")))
    if is_nfdump_csv(head):
        return "nfdump-csv", ""
    raise UsageError(f"{path}: offset 0: not a pcap, pcapng, Zeek log or nfdump CSV file")


def load(paths: Iterable[Path], engine: str = "auto", nf_ports: Iterable[int] = (),
         geo: GeoDB | None = None, duck_threshold: int = DUCK_THRESHOLD) -> Capture:
    """Every evidence file read into one Capture (damage recorded, not raised)."""
    if engine not in ENGINES:
        raise UsageError(f"engine '{engine}' is not one of {', '.join(ENGINES)}")
    cap = Capture()
    ports = frozenset(nf_ports)
    for path in paths:
        fmt, kind = sniff(path)
        if fmt == "pcap":
            read_capture(path, cap, ports)
        elif fmt == "nfdump-csv":
            read_nfdump_csv(path, cap)
        else:
            big = path.stat().st_size >= duck_threshold
            if kind == "conn" and (engine == "duckdb" or (engine == "auto" and big)):
                from camaudit.egress.zeekduck import read_conn_duckdb

                read_conn_duckdb(path, cap, geo or default_db(), json_lines=fmt == "zeek-json")
            else:
                read_zeek(path, cap, json_lines=fmt == "zeek-json", kind=kind)
    return cap
