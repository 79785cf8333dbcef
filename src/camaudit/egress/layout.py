"""The Parquet layout of egress evidence, which the DuckDB path (``egress.layoutduck``) and the
Spark engine (``egress.sparkengine``) both read: ``camaudit egress --to-parquet DIR FILE...``.

    DIR/conn/part-000001.parquet    connections (one row per Zeek conn row, or per endpoint)
    DIR/dns/part-000001.parquet     names of addresses from DNS answers
    DIR/hosts/part-000001.parquet   names asked for on a connection (TLS SNI, HTTP Host)
    DIR/files/part-000001.parquet   one row per evidence file converted
    DIR/damage/part-000001.parquet  the damage found while converting it

The number is the evidence file's ``file_no`` (in the order given; a later conversion into the
same DIR goes on from the highest). The columns (``TABLES``) are what the readers accumulate
(``flows.Capture``): a Zeek conn log that is a regular file goes through DuckDB row for row
(``zeekduck.conn_rows``: the same rows and the same rules as the DuckDB path, and an endpoint
whose address is not one is damage and left out); any other evidence (dns, ssl, http logs,
nfdump CSV, captures, logs from a pipe or gzip) is read by its usual reader into a Capture of
that file alone, whose endpoints, names (in the order first seen, at most ``flows.MAX_NAMES``)
and damage are written. Memory is that of those readers: it grows with endpoints, never rows.

A run writes hidden ``.part-*.tmp`` files and renames them when every file was read (the files
table last), so a failed run leaves nothing behind (not even a DIR it created) and readers never
see half a file.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

import duckdb
import numpy as np

from camaudit.clock import now_iso
from camaudit.egress.flows import MAX_TS, Capture, parse_ip
from camaudit.egress.load import _read, _sniff
from camaudit.egress.source import open_source
from camaudit.egress.zeekduck import conn_rows
from camaudit.errors import UsageError

VERSION = 1
# table -> (column, DuckDB type); docs/egress.md has the same table with the meanings
TABLES: dict[str, tuple[tuple[str, str], ...]] = {
    "conn": (("client", "VARCHAR"), ("server", "VARCHAR"), ("proto", "VARCHAR"),
             ("port", "INTEGER"), ("client_bytes", "BIGINT"), ("server_bytes", "BIGINT"),
             ("client_pkts", "BIGINT"), ("server_pkts", "BIGINT"), ("first_ts", "DOUBLE"),
             ("last_ts", "DOUBLE"), ("file_no", "INTEGER")),
    "dns": (("ip", "VARCHAR"), ("name", "VARCHAR"), ("evidence", "VARCHAR"),
            ("file_no", "INTEGER"), ("seq", "INTEGER")),
    "hosts": (("client", "VARCHAR"), ("server", "VARCHAR"), ("proto", "VARCHAR"),
              ("port", "INTEGER"), ("name", "VARCHAR"), ("evidence", "VARCHAR"),
              ("file_no", "INTEGER"), ("seq", "INTEGER")),
    "files": (("file_no", "INTEGER"), ("file", "VARCHAR"), ("format", "VARCHAR"),
              ("kind", "VARCHAR"), ("records", "BIGINT"), ("written", "VARCHAR"),
              ("version", "INTEGER")),
    "damage": (("file_no", "INTEGER"), ("seq", "INTEGER"), ("file", "VARCHAR"),
               ("byte_offset", "BIGINT"), ("message", "VARCHAR")),
}
# What a conn row of a layout must be to be read (one SQL text for DuckDB and Spark): what
# camaudit writes always is; other rows (a layout from elsewhere) are left out by both engines.
VALID_CONN = (f"client IS NOT NULL AND server IS NOT NULL AND proto IS NOT NULL "
              f"AND port BETWEEN 0 AND 65535 AND client_bytes >= 0 AND server_bytes >= 0 "
              f"AND client_pkts >= 0 AND server_pkts >= 0 AND first_ts BETWEEN 0 AND {MAX_TS} "
              f"AND last_ts BETWEEN 0 AND {MAX_TS}")
# What a dns or hosts row must be to be read (both engines).
VALID_NAME = "name IS NOT NULL AND evidence IS NOT NULL AND file_no IS NOT NULL AND seq IS NOT NULL"
_SPARK = {"VARCHAR": "STRING", "INTEGER": "INT", "BIGINT": "BIGINT", "DOUBLE": "DOUBLE"}
_NUMPY = {"VARCHAR": object, "INTEGER": np.int32, "BIGINT": np.int64, "DOUBLE": np.float64}
_PART = re.compile(r"^part-(\d{6,})\.parquet$")
CHUNK = 1 << 16  # rows handed from Python to DuckDB at a time


def q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def lit(text: str) -> str:
    """``text`` as an SQL string literal."""
    return "'" + text.replace("'", "''") + "'"


def spark_schema(table: str) -> str:
    """The table's columns as a Spark DDL schema string."""
    return ", ".join(f"`{c}` {_SPARK[t]}" for c, t in TABLES[table])


def is_layout(path: Path) -> bool:
    """True for a directory written by ``write_layout`` (it has the files table)."""
    return path.is_dir() and (path / "files").is_dir()


def parts(directory: Path, table: str) -> list[Path]:
    """The table's part files in ``directory``, in file_no order."""
    d = directory / table
    found = [(int(m.group(1)), p) for p in d.iterdir() if (m := _PART.match(p.name))] \
        if d.is_dir() else []
    return [p for _, p in sorted(found)]


class _Writer:
    """Stages part files under hidden names; ``commit`` renames them, ``abort`` removes them."""

    def __init__(self, out: Path, threads: int) -> None:
        if out.exists() and not out.is_dir():
            raise UsageError(f"--to-parquet: '{out}' is not a directory")
        if out.is_dir() and any(out.iterdir()) and not is_layout(out):
            raise UsageError(f"--to-parquet: '{out}' is neither empty nor a layout written "
                             "by camaudit egress --to-parquet")
        self.created = not out.exists()
        try:
            for table in TABLES:
                (out / table).mkdir(parents=True, exist_ok=True)
        except OSError as e:
            raise UsageError(f"--to-parquet: cannot create '{out}': {e.strerror or e}") from e
        self.out = out
        self.next_no = max((int(p.stem.split("-")[1]) for p in parts(out, "files")),
                           default=0) + 1
        self.staged: list[tuple[Path, Path]] = []
        self.con = duckdb.connect()
        for setting in (f"threads={int(threads)}", "enable_progress_bar=false",
                        "preserve_insertion_order=false"):
            self.con.execute(f"SET {setting}").fetchall()

    def stage(self, table: str, file_no: int) -> Path:
        final = self.out / table / f"part-{file_no:06d}.parquet"
        tmp = final.with_name(f".{final.name}.tmp")
        self.staged.append((tmp, final))
        return tmp

    def copy(self, select: str, table: str, file_no: int) -> int:
        """``COPY (select) TO`` the table's part for ``file_no``: rows written."""
        tmp = self.stage(table, file_no)
        cols = ", ".join(f"CAST({q(c)} AS {t}) AS {q(c)}" for c, t in TABLES[table])
        sql = f"COPY (SELECT {cols} FROM ({select})) TO {lit(str(tmp))}"  # noqa: S608
        got = self.con.execute(sql + " (FORMAT parquet, COMPRESSION zstd)").fetchall()
        return int(got[0][0]) if got else 0

    def rows(self, table: str, file_no: int, rows: Iterable[Sequence[Any]]) -> None:
        """Python rows (in the table's column order) to the table's part, CHUNK at a time;
        nothing is written when there are none."""
        cols = TABLES[table]
        staging = f"stage_{table}"
        self.con.execute(f"CREATE OR REPLACE TEMP TABLE {staging} ("
                         + ", ".join(f"{q(c)} {t}" for c, t in cols) + ")").fetchall()
        n = 0
        for chunk in _chunks(rows):
            data = {c: np.array([r[i] for r in chunk], dtype=_NUMPY[t])
                    for i, (c, t) in enumerate(cols)}
            self.con.register("chunk", data)
            self.con.execute(f"INSERT INTO {staging} SELECT * FROM chunk").fetchall()  # noqa: S608
            self.con.unregister("chunk")
            n += len(chunk)
        if n:
            self.copy(f"SELECT * FROM {staging}", table, file_no)  # noqa: S608
        self.con.execute(f"DROP TABLE {staging}").fetchall()

    def commit(self) -> None:
        self.con.close()
        for tmp, final in sorted(self.staged, key=lambda s: s[1].parent.name == "files"):
            tmp.replace(final)
        self.staged = []

    def abort(self) -> None:
        self.con.close()
        for tmp, _ in self.staged:
            tmp.unlink(missing_ok=True)
        self.staged = []
        if self.created:  # the empty table directories this run made
            with contextlib.suppress(OSError):
                for table in TABLES:
                    (self.out / table).rmdir()
                self.out.rmdir()


def _chunks(rows: Iterable[Sequence[Any]]) -> Iterator[list[Sequence[Any]]]:
    chunk: list[Sequence[Any]] = []
    for r in rows:
        chunk.append(r)
        if len(chunk) == CHUNK:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def write_layout(paths: Iterable[Path], out: Path, nf_ports: Iterable[int] = (),
                 threads: int = 2) -> Capture:
    """Convert every evidence file into the layout in ``out`` (created, or added to). Returns
    a Capture holding only what ``load`` reports about the files (files, records, damage);
    bad input raises ``UsageError`` and writes nothing."""
    w = _Writer(out, threads)
    summary = Capture()
    ports = frozenset(nf_ports)
    try:
        for path in paths:
            file_no = w.next_no
            w.next_no += 1
            _convert(w, path, file_no, ports, summary)
    except BaseException:
        w.abort()
        raise
    w.commit()
    return summary


def _convert(w: _Writer, path: Path, file_no: int, ports: frozenset[int],
             summary: Capture) -> None:
    src = open_source(path)
    try:
        fmt, kind = _sniff(src)
        cap = Capture()
        # DuckDB reads a regular file by name (gzip only when named .gz, as in zeekduck)
        if (fmt.startswith("zeek") and kind == "conn" and src.regular
                and (src.raw is None or path.name.endswith(".gz"))):
            src.close()  # DuckDB reads it by name
            cap.records = _conn_by_duckdb(w, path, fmt == "zeek-json", file_no, cap)
            cap.files.append(str(path))
        else:
            _read(src, cap, "stream", ports, None, 0)
            if cap.records == 0 and cap.damage:
                raise UsageError(f"{cap.damage[0].line()}; nothing in the file could be read")
            _write_capture(w, cap, file_no)
    finally:
        src.close()
    w.rows("damage", file_no, ((file_no, i, d.file, d.offset, d.message)
                               for i, d in enumerate(cap.damage)))
    w.rows("files", file_no, [(file_no, src.name, fmt, kind, cap.records, now_iso(), VERSION)])
    summary.files += cap.files
    summary.records += cap.records
    summary.damage += cap.damage


def _write_capture(w: _Writer, cap: Capture, file_no: int) -> None:
    w.rows("conn", file_no, ((*k, int(v[0]), int(v[1]), int(v[2]), int(v[3]), v[4], v[5],
                              file_no) for k, v in cap.conns.items()))
    w.rows("dns", file_no, ((ip, name, ev, file_no, i) for ip, d in cap.names.items()
                            for i, (name, ev) in enumerate(d.items())))
    w.rows("hosts", file_no, ((*k, name, ev, file_no, i) for k, d in cap.flow_names.items()
                              for i, (name, ev) in enumerate(d.items())))


def _conn_by_duckdb(w: _Writer, path: Path, json_lines: bool, file_no: int,
                    cap: Capture) -> int:
    """A conn log row for row into the conn table (as ``zeekduck.conn_rows`` reads it):
    rows written. Endpoints whose address is not one are damage, and their rows left out, as
    in ``zeekduck.read_conn_duckdb``."""
    select = f"""SELECT o AS client, r AS server, left(p, 16) AS proto, port,
                   bo AS client_bytes, bi AS server_bytes, po AS client_pkts, pi AS server_pkts,
                   first AS first_ts, last AS last_ts, {file_no} AS file_no
                 FROM ({conn_rows(path, json_lines)})"""  # noqa: S608
    try:
        n = w.copy(select, "conn", file_no)
        tmp = w.staged[-1][0]
        table = f"read_parquet({lit(str(tmp))})"
        ips = w.con.execute(f"""SELECT DISTINCT ip FROM (SELECT client AS ip FROM {table}
                                UNION ALL SELECT server FROM {table})""").fetchall()  # noqa: S608
        bad = sorted(ip for (ip,) in ips if parse_ip(ip) is None)
        if bad:
            w.con.register("bad", {"ip": np.array(bad, dtype=object)})
            endpoints = w.con.execute(f"""
                SELECT DISTINCT client, server, proto, port FROM {table}
                WHERE client IN (SELECT ip FROM bad) OR server IN (SELECT ip FROM bad)
                ORDER BY ALL""").fetchall()  # noqa: S608
            for o, r, _p, _port in endpoints:
                field, value = ("id.orig_h", o) if parse_ip(o) is None else ("id.resp_h", r)
                cap.note(str(path), 0, f"field {field}: {value[:40]!r} is not an IP address: "
                                       "its rows are left out")
            kept = tmp.with_name(tmp.name + ".kept")
            try:
                w.con.execute(f"""
                    COPY (SELECT * FROM {table} WHERE client NOT IN (SELECT ip FROM bad)
                                                  AND server NOT IN (SELECT ip FROM bad))
                    TO {lit(str(kept))} (FORMAT parquet, COMPRESSION zstd)""").fetchall()  # noqa: S608
                kept.replace(tmp)
            finally:
                kept.unlink(missing_ok=True)
                w.con.unregister("bad")
    except duckdb.Error as e:
        raise UsageError(f"{path}: {str(e).splitlines()[0]}") from e
    return n
