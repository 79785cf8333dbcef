"""A Parquet layout (``egress.layout``) read by DuckDB into a ``Capture``: the DuckDB path of
``camaudit egress DIR``. The conn table is grouped per (client, server, proto, port) inside
DuckDB (sums, first and last time), the names of the grouped addresses and connections are
taken in the order first seen (the earliest file, then the order inside it; at most
``flows.MAX_NAMES`` per address or connection, as ``Capture.add_name`` keeps them), and country
and AS of the IPv4 addresses come from the ASOF range joins of ``zeekduck.prime_geo``. Python
receives one row per endpoint and per kept name. The Spark engine computes the same from the
same tables (``egress.sparkengine``).
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from camaudit.egress.flows import MAX_NAMES, Capture, Damage
from camaudit.egress.geo import GeoDB
from camaudit.egress.layout import TABLES, VALID_CONN, VALID_NAME, VERSION, lit, parts, q
from camaudit.egress.sparkjudge import problem
from camaudit.egress.zeekduck import prime_geo
from camaudit.errors import UsageError


def _relation(directory: Path, table: str) -> str:
    """The table as a DuckDB relation: its part files, or no rows of its columns."""
    files = parts(directory, table)
    if files:
        return "read_parquet([" + ", ".join(lit(str(p)) for p in files) + "])"
    cols = ", ".join(f"NULL::{t} AS {q(c)}" for c, t in TABLES[table])
    return f"(SELECT {cols} WHERE false)"


def first_names(rel: str, key: str) -> str:
    """SQL of the names of each ``key`` (comma-separated columns) that ``Capture`` would keep:
    per (key, name) the earliest row, then per key the ``MAX_NAMES`` earliest, ordered. (All
    of them: names from one layout name the connections of another, as with files.)"""
    return f"""SELECT {key}, name, evidence FROM (
                 SELECT * FROM {rel} WHERE {VALID_NAME}
                 QUALIFY row_number() OVER (PARTITION BY {key}, name
                                            ORDER BY file_no, seq, evidence) = 1)
               QUALIFY row_number() OVER (PARTITION BY {key} ORDER BY file_no, seq, name)
                       <= {MAX_NAMES}
               ORDER BY {key}, file_no, seq, name"""  # noqa: S608 - names are the layout's own


def read_layout(path: Path, cap: Capture, geo: GeoDB, threads: int = 2) -> None:
    """Add the layout in directory ``path`` to ``cap`` and prime ``geo`` for its addresses."""
    rel = {t: _relation(path, t) for t in TABLES}
    con = duckdb.connect()
    try:
        con.execute(f"SET threads={int(threads)}").fetchall()
        con.execute("SET asof_loop_join_threshold=0").fetchall()
        con.execute("SET enable_progress_bar=false").fetchall()
        files = con.execute(f"""SELECT file, records, version FROM {rel['files']}
                                ORDER BY file_no""").fetchall()  # noqa: S608
        damage = con.execute(f"""SELECT file, byte_offset, message FROM {rel['damage']}
                                 ORDER BY file_no, seq""").fetchall()  # noqa: S608
        con.execute(f"""CREATE TEMP TABLE agg AS
            SELECT client AS o, server AS r, proto AS p, port,
                   sum(client_bytes)::DOUBLE AS bo, sum(server_bytes)::DOUBLE AS bi,
                   sum(client_pkts)::DOUBLE AS po, sum(server_pkts)::DOUBLE AS pi,
                   min(first_ts) AS first, max(last_ts) AS last
            FROM {rel['conn']} WHERE {VALID_CONN} GROUP BY ALL""").fetchall()  # noqa: S608
        rows = con.execute("SELECT * FROM agg ORDER BY o, r, p, port").fetchall()
        names = con.execute(first_names(rel["dns"], "ip")).fetchall()
        hosts = con.execute(first_names(rel["hosts"], "client, server, proto, port")).fetchall()
        prime_geo(con, geo)
    except duckdb.Error as e:
        raise UsageError(f"{path}: {str(e).splitlines()[0]}") from e
    finally:
        con.close()
    if any(v != VERSION for _, _, v in files):
        raise UsageError(f"{path}: a Parquet layout of another version than {VERSION}")
    add(cap, str(path), rows, names, hosts)
    cap.files += [f for f, _, _ in files]
    cap.records += sum(int(n) for _, n, _ in files)
    cap.damage += [Damage(f, int(at), m) for f, at, m in damage]


def add(cap: Capture, where: str, rows: list[tuple], names: list[tuple],  # type: ignore[type-arg]
        hosts: list[tuple]) -> None:  # type: ignore[type-arg]
    """Endpoint rows (client, server, proto, port, sums and times), address names (ip, name,
    evidence) and connection names (client, server, proto, port, name, evidence) into ``cap``;
    an endpoint whose address is not one is damage of ``where`` (not in a layout camaudit
    wrote)."""
    for o, r, p, port, bo, bi, po, pi, first, last in rows:
        key = (o, r, p, int(port))
        bad = problem(key)
        if bad is not None:
            cap.note(where, 0, bad)
            continue
        cap.add_conn(key, bo, bi, po, pi, first, last)
    for ip, name, evidence in names:
        cap.add_name(ip, name, evidence)
    for o, r, p, port, name, evidence in hosts:
        cap.add_flow_name((o, r, p, int(port)), name, evidence)
