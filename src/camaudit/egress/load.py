"""Read evidence files of any supported kind into one ``Capture``: the format is recognised from
the file's first bytes (pcap/pcapng magic, Zeek ``#separator`` header or JSON object with
``id.orig_h``, nfdump CSV header), never from its name. Each file is opened once
(``source.open_source``: pipes and FIFOs work, gzip is undone for every format). Zeek conn logs
larger than ``duck_threshold`` bytes (or all of them with ``engine='duckdb'``) go through DuckDB
when they are regular files.

The rule for every reader: a file that is not evidence, or that gives nothing but damage, is
bad input (``UsageError``: one line naming the file, the offset and the problem; exit 2); damage
after readable records is a ``Damage`` entry (at most ``flows.MAX_DAMAGE`` listed per file) and
the rest of the file is read.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path

from camaudit.egress.flowrec import is_nfdump_csv, read_nfdump_csv
from camaudit.egress.flows import Capture
from camaudit.egress.geo import GeoDB, default_db
from camaudit.egress.pcap import is_capture, read_capture
from camaudit.egress.source import Source, open_source
from camaudit.egress.zeek import log_kind, parse_header, read_zeek
from camaudit.errors import UsageError

ENGINES = ("auto", "stream", "duckdb")
DUCK_THRESHOLD = 64 * 1024 * 1024


def _sniff(src: Source) -> tuple[str, str]:
    head, path = src.head, src.name
    if not head:
        raise UsageError(f"{path}: empty file")
    if is_capture(head):
        return "pcap", ""
    if head.startswith(b"#separator"):
        h = parse_header(head, path)
        sep = h.get("separator", "\t")
        kind = log_kind(set(h.get("fields", "").split(sep)), h.get("path", ""))
        if not kind:
            raise UsageError(f"{path}: offset 0: Zeek log is not conn, dns, ssl or http (no "
                             "#fields header naming their fields)")
        return "zeek-tsv", kind
    if head.lstrip().startswith(b"{"):
        line = head.lstrip().split(b"\n", 1)[0]
        try:
            row = json.loads(line)
        except (ValueError, RecursionError):
            row = None
        if isinstance(row, dict) and "id.orig_h" in row:
            return "zeek-json", log_kind(set(row), str(row.get("_path", "")))
    if is_nfdump_csv(head):
        return "nfdump-csv", ""
    raise UsageError(f"{path}: offset 0: not a pcap, pcapng, Zeek log or nfdump CSV file")


def sniff(path: Path) -> tuple[str, str]:
    """(format, zeek log kind): format is pcap, zeek-tsv, zeek-json or nfdump-csv."""
    src = open_source(path)
    try:
        return _sniff(src)
    finally:
        src.close()


def load(paths: Iterable[Path], engine: str = "auto", nf_ports: Iterable[int] = (),
         geo: GeoDB | None = None, duck_threshold: int = DUCK_THRESHOLD) -> Capture:
    """Every evidence file read into one Capture (damage recorded; a file with nothing but
    damage raises ``UsageError``)."""
    if engine not in ENGINES:
        raise UsageError(f"engine '{engine}' is not one of {', '.join(ENGINES)}")
    cap = Capture()
    ports = frozenset(nf_ports)
    for path in paths:
        if path.is_dir():  # a Parquet layout (egress/layout.py) is read by DuckDB
            from camaudit.egress.layout import is_layout
            from camaudit.egress.layoutduck import read_layout

            if not is_layout(path):
                raise UsageError(f"{path}: is a directory, and no Parquet layout of camaudit "
                                 "egress (--to-parquet writes one)")
            read_layout(path, cap, geo or default_db())
            continue
        src = open_source(path)
        try:
            records, damaged = cap.records, len(cap.damage)
            _read(src, cap, engine, ports, geo, duck_threshold)
            if cap.records == records and len(cap.damage) > damaged:
                raise UsageError(f"{cap.damage[damaged].line()}; nothing in the file could "
                                 "be read")
        finally:
            src.close()
    return cap


def _read(src: Source, cap: Capture, engine: str, ports: frozenset[int], geo: GeoDB | None,
          duck_threshold: int) -> None:
    fmt, kind = _sniff(src)
    if fmt == "pcap":
        read_capture(src.path, cap, ports, src=src)
    elif fmt == "nfdump-csv":
        read_nfdump_csv(src.path, cap, src=src)
    else:
        big = src.regular and src.path.stat().st_size >= duck_threshold
        if (kind == "conn" and src.regular
                and (engine == "duckdb" or (engine == "auto" and big))):
            from camaudit.egress.zeekduck import read_conn_duckdb

            read_conn_duckdb(src.path, cap, geo or default_db(), json_lines=fmt == "zeek-json")
        else:
            read_zeek(src.path, cap, json_lines=fmt == "zeek-json", kind=kind, src=src)
