from __future__ import annotations

import gzip
import os
import threading
from pathlib import Path

import duckdb
import pytest
from tests.egress.layoutgen import MANY, cameras, generated
from tests.egress.zeekgen import conn_rows, write_conn_tsv

from camaudit.egress import layout
from camaudit.egress.layout import TABLES, VERSION, is_layout, parts, spark_schema, write_layout
from camaudit.egress.load import load
from camaudit.errors import UsageError


def _rows(path: Path, sql: str = "SELECT * FROM t") -> list[tuple]:
    con = duckdb.connect()
    con.execute(f"CREATE VIEW t AS SELECT * FROM read_parquet('{path}')")
    return con.execute(sql).fetchall()


def _types(path: Path) -> list[tuple[str, str]]:
    return [(r[0], r[1]) for r in _rows(path, "DESCRIBE SELECT * FROM t")]


def test_every_table_has_the_documented_columns_and_types(tmp_path: Path) -> None:
    files = cameras(tmp_path)
    out = tmp_path / "lay"
    summary = write_layout(files, out)
    assert is_layout(out) and not is_layout(tmp_path)
    assert summary.files == [str(f) for f in files] and not summary.damage
    for table, cols in TABLES.items():
        found = parts(out, table)
        assert found or table == "damage", table  # tables without rows have no part
        for p in found:
            assert _types(p) == list(cols), p
    rows = [r for p in parts(out, "files") for r in _rows(p)]
    assert [(r[0], r[1], r[2], r[3], r[6]) for r in rows] == [
        (1, str(files[0]), "zeek-tsv", "conn", VERSION), (2, str(files[1]), "zeek-tsv", "dns", 1),
        (3, str(files[2]), "zeek-json", "ssl", 1), (4, str(files[3]), "zeek-json", "conn", 1),
        (5, str(files[4]), "pcap", "", 1), (6, str(files[5]), "nfdump-csv", "", 1)]
    assert sum(r[4] for r in rows) == load(files).records
    assert spark_schema("dns") == ("`ip` STRING, `name` STRING, `evidence` STRING, "
                                   "`file_no` INT, `seq` INT")
    assert not list(out.rglob(".*"))  # nothing staged is left


def test_conn_logs_are_written_row_for_row_others_per_endpoint(tmp_path: Path) -> None:
    conn = tmp_path / "conn.log"
    rows = conn_rows() + [conn_rows()[3]] * 99
    write_conn_tsv(conn, rows)
    gz = tmp_path / "conn.log.bin"  # gzip without a .gz name: the streaming reader reads it
    gz.write_bytes(gzip.compress(conn.read_bytes()))
    out = tmp_path / "lay"
    write_layout([conn, gz], out)
    one, two = parts(out, "conn")
    assert len(_rows(one)) == len(rows)  # DuckDB, row for row
    assert len(_rows(two)) == 5  # the Capture of that file: one row per endpoint
    ez = _rows(two, "SELECT client_bytes, client_pkts, first_ts, last_ts FROM t "
                    "WHERE server = '162.62.52.164'")
    assert ez == [(100 * 100 + 400, 100 + 4, 1_700_000_030.0, 1_700_000_045.0)]


def test_names_keep_their_order_and_the_first_sixteen_per_file(tmp_path: Path) -> None:
    files = generated(tmp_path)
    out = tmp_path / "lay"
    write_layout(files, out)
    dns = [r for p in parts(out, "dns") for r in _rows(p, "SELECT * FROM t WHERE ip = "
                                                          f"'{MANY}' ORDER BY file_no, seq")]
    assert [(r[1], r[3], r[4]) for r in dns[:2]] == [("n00.example.com", 2, 0),
                                                     ("n01.example.com", 2, 1)]
    assert len(dns) == 10 + 15 and dns[10][1:2] == ("n05.example.com",)
    hosts = _rows(parts(out, "hosts")[0])
    assert len(hosts) == 16  # 20 names on one connection: a Capture keeps 16


def test_bad_addresses_are_damage_as_on_the_duckdb_path(tmp_path: Path) -> None:
    files = generated(tmp_path)
    summary = write_layout(files[:1], tmp_path / "lay")
    raw = load(files[:1], engine="duckdb")
    assert [d.line() for d in summary.damage] == [d.line() for d in raw.damage]
    assert "'not-an-address' is not an IP address" in summary.damage[0].message
    assert summary.records == raw.records
    conn = _rows(parts(tmp_path / "lay", "conn")[0], "SELECT count(*) FROM t "
                                                     "WHERE client = 'not-an-address'")
    assert conn == [(0,)]
    damage = _rows(parts(tmp_path / "lay", "damage")[0])
    assert _types(parts(tmp_path / "lay", "damage")[0]) == list(TABLES["damage"])
    assert [(r[0], r[1], r[2], r[3]) for r in damage] == [(1, 0, str(files[0]), 0)]


def test_a_later_run_adds_and_a_failed_run_writes_nothing(tmp_path: Path) -> None:
    files = cameras(tmp_path)
    out = tmp_path / "lay"
    write_layout(files[:2], out)
    write_layout(files[2:3], out)
    assert [p.name for p in parts(out, "files")] == [f"part-00000{i}.parquet" for i in (1, 2, 3)]
    junk = tmp_path / "junk.bin"
    junk.write_bytes(b"no evidence here\n")
    before = sorted(p.relative_to(out) for p in out.rglob("*"))
    with pytest.raises(UsageError, match="not a pcap, pcapng, Zeek log or nfdump CSV"):
        write_layout([files[3], junk], out)
    assert sorted(p.relative_to(out) for p in out.rglob("*")) == before


def test_out_must_be_empty_or_a_layout(tmp_path: Path) -> None:
    (tmp_path / "x").write_text("x")
    with pytest.raises(UsageError, match="neither empty nor a layout"):
        write_layout([], tmp_path)
    with pytest.raises(UsageError, match="is not a directory"):
        write_layout([], tmp_path / "x")


def test_a_conn_log_from_a_pipe_is_read_once(tmp_path: Path) -> None:
    conn = tmp_path / "conn.log"
    write_conn_tsv(conn, conn_rows())
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    writer = threading.Thread(target=lambda: fifo.write_bytes(conn.read_bytes()))
    writer.start()
    summary = write_layout([fifo], tmp_path / "lay")
    writer.join()
    assert summary.records == len(conn_rows())
    assert len(_rows(parts(tmp_path / "lay", "conn")[0])) == 5


def test_large_captures_are_chunked(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(layout, "CHUNK", 2)
    files = cameras(tmp_path)
    write_layout(files[4:5], tmp_path / "lay")
    assert len(_rows(parts(tmp_path / "lay", "conn")[0])) == len(load(files[4:5]).conns)


def test_docs_list_every_column_with_its_type() -> None:
    """docs/egress.md has one table per layout table, in the code's column order."""
    import re

    text = (Path(__file__).parents[2] / "docs" / "egress.md").read_text(encoding="utf-8")
    section = text.split("### The layout", 1)[1].split("\n### ", 1)[0]
    documented: dict[str, list[tuple[str, str]]] = {}
    table = ""
    for line in section.splitlines():
        if m := re.match(r"^`(\w+)`: ", line):
            table = m.group(1)
        elif m := re.match(r"^\| (\w+) \| (VARCHAR|INTEGER|BIGINT|DOUBLE) \|", line):
            documented.setdefault(table, []).append((m.group(1), m.group(2)))
    assert documented == {t: list(cols) for t, cols in TABLES.items()}
