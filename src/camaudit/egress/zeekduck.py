"""Large Zeek conn logs through DuckDB: ``read_csv`` with the types from the ``#fields``/``#types``
header (or ``read_json``), grouped per (originator, responder, proto, responder port), then
country and AS number of every IPv4 address by ASOF range joins over the shipped flattened
tables (``SET asof_loop_join_threshold=0``: without it DuckDB's row estimate picks a nested loop
that runs for minutes). IPv6 addresses are looked up in Python (few distinct ones). The result
is the same ``Capture`` the streaming reader gives, with the geo cache primed.

Bad values end the read as ``UsageError`` where DuckDB's types refuse them (a negative or
fractional count, a port over 65535); rows whose time or duration is not finite or outside
1970-9999 are left out, and endpoints whose addresses are not addresses are damage.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb

from camaudit.egress.flows import MAX_TS, Capture, parse_ip
from camaudit.egress.geo import GeoDB, Place
from camaudit.egress.zeek import tsv_header
from camaudit.errors import UsageError

_TYPES = {"time": "DOUBLE", "interval": "DOUBLE", "double": "DOUBLE", "count": "UBIGINT",
          "int": "BIGINT", "port": "USMALLINT", "bool": "BOOLEAN"}
_NEEDED = ("ts", "id.orig_h", "id.resp_h", "id.resp_p", "proto", "duration")
_V4INT = ("(split_part({c},'.',1)::UBIGINT<<24) + (split_part({c},'.',2)::UBIGINT<<16) + "
          "(split_part({c},'.',3)::UBIGINT<<8) + split_part({c},'.',4)::UBIGINT")


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _source(path: Path, json_lines: bool) -> tuple[str, set[str]]:
    p = str(path).replace("'", "''")
    if json_lines:
        cols = {"ts": "VARCHAR", "id.orig_h": "VARCHAR", "id.resp_h": "VARCHAR",
                "id.resp_p": "USMALLINT", "proto": "VARCHAR", "duration": "DOUBLE",
                "orig_bytes": "UBIGINT", "resp_bytes": "UBIGINT", "orig_pkts": "UBIGINT",
                "resp_pkts": "UBIGINT", "orig_ip_bytes": "UBIGINT", "resp_ip_bytes": "UBIGINT"}
        spec = ", ".join(f"'{k}': '{v}'" for k, v in cols.items())
        return f"read_json('{p}', format='newline_delimited', columns={{{spec}}})", set(cols)
    head = tsv_header(path)
    sep = head.get("separator", "\t")
    fields = head.get("fields", "").split(sep)
    types = head.get("types", "").split(sep)
    if not set(_NEEDED) <= set(fields) or len(types) != len(fields):
        raise UsageError(f"{path}: offset 0: not a Zeek conn log with #fields and #types")
    spec = ", ".join(f"'{f}': '{_TYPES.get(t, 'VARCHAR')}'" for f, t in zip(fields, types,
                                                                            strict=True))
    d = "\\t" if sep == "\t" else sep.replace("'", "''")
    return (f"read_csv('{p}', delim=E'{d}', header=false, comment='#', quote='', escape='', "
            f"nullstr='-', auto_detect=false, columns={{{spec}}})"), set(fields)


def conn_rows(path: Path, json_lines: bool = False) -> str:
    """The SQL of one row per usable conn row: ``o, r, p, port`` (originator, responder, proto,
    responder port), ``bo, bi, po, pi`` (IP-layer bytes and packets each way, unset is 0),
    ``first, last`` (ts and ts + duration). Rows without both addresses, or whose time or
    duration is not finite or outside 1970-9999, are left out. The aggregation below and the
    Parquet layout (``egress.layout``) both read conn logs through it."""
    src, fields = _source(path, json_lines)
    ob = "orig_ip_bytes" if "orig_ip_bytes" in fields else "orig_bytes"
    rb = "resp_ip_bytes" if "resp_ip_bytes" in fields else "resp_bytes"
    ts = "TRY_CAST(ts AS DOUBLE)" if not json_lines else (
        "coalesce(TRY_CAST(ts AS DOUBLE), epoch(TRY_CAST(ts AS TIMESTAMPTZ)))")
    return f"""SELECT {_q('id.orig_h')} AS o, {_q('id.resp_h')} AS r,
                   coalesce(proto, 'tcp') AS p, coalesce({_q('id.resp_p')}, 0) AS port,
                   coalesce({_q(ob)}, 0) AS bo, coalesce({_q(rb)}, 0) AS bi,
                   coalesce(orig_pkts, 0) AS po, coalesce(resp_pkts, 0) AS pi,
                   t AS first, t + coalesce(duration, 0) AS last
            FROM (SELECT *, {ts} AS t FROM {src})
            WHERE {_q('id.orig_h')} IS NOT NULL AND {_q('id.resp_h')} IS NOT NULL
              AND t IS NOT NULL AND t BETWEEN 0 AND {MAX_TS}
              AND coalesce(duration, 0) BETWEEN 0 AND {MAX_TS} - t"""  # noqa: S608


def read_conn_duckdb(path: Path, cap: Capture, geo: GeoDB, json_lines: bool = False,
                     threads: int = 2) -> None:
    """Aggregate one conn log with DuckDB into ``cap`` and prime ``geo`` for its addresses."""
    rows_sql = conn_rows(path, json_lines)
    con = duckdb.connect()
    try:
        con.execute(f"SET threads={int(threads)}").fetchall()
        con.execute("SET asof_loop_join_threshold=0").fetchall()
        con.execute("SET enable_progress_bar=false").fetchall()
        con.execute(f"""CREATE TEMP TABLE agg AS
            SELECT o, r, p, port, sum(bo)::DOUBLE AS bo, sum(bi)::DOUBLE AS bi,
                   sum(po)::DOUBLE AS po, sum(pi)::DOUBLE AS pi,
                   min(first) AS first, max(last) AS last, count(*) AS n
            FROM ({rows_sql})
            GROUP BY ALL""").fetchall()  # noqa: S608 - names from the log header
        rows = con.execute("SELECT o, r, p, port, bo, bi, po, pi, first, last FROM agg"
                           ).fetchall()
        total = con.execute("SELECT coalesce(sum(n), 0) FROM agg").fetchall()[0]
        prime_geo(con, geo)
    except duckdb.Error as e:
        raise UsageError(f"{path}: {str(e).splitlines()[0]}") from e
    finally:
        con.close()
    for o, r, p, port, bo, bi, po, pi, first, last in rows:
        if parse_ip(o) is None or parse_ip(r) is None:
            bad = "id.orig_h" if parse_ip(o) is None else "id.resp_h"
            cap.note(str(path), 0, f"field {bad}: {(o if bad == 'id.orig_h' else r)[:40]!r} "
                                   "is not an IP address: its rows are left out")
            continue
        cap.add_conn((o, r, str(p)[:16], int(port)), bo, bi, po, pi, first, last)
    cap.records += int(total[0]) if total else 0
    cap.files.append(str(path))


def prime_geo(con: Any, geo: GeoDB) -> None:
    """ASOF joins of the distinct IPv4 addresses of table ``agg`` (columns ``o`` and ``r``)
    against the country and ASN range tables; the answers prime ``geo``."""
    con.register("cc_src", {"lo": geo.cc4_lo, "hi": geo.cc4_hi,
                            "cc": geo.cc4_cc.astype("U2")})
    con.register("asn_src", {"lo": geo.asn4_lo, "hi": geo.asn4_hi, "asn": geo.asn4_as})
    con.execute("CREATE TEMP TABLE cc AS SELECT lo::UBIGINT lo, hi::UBIGINT hi, cc "
                "FROM cc_src").fetchall()
    con.execute("CREATE TEMP TABLE asn AS SELECT lo::UBIGINT lo, hi::UBIGINT hi, asn::UBIGINT "
                "asn FROM asn_src").fetchall()
    conv = _V4INT.format(c="ip")
    res = con.execute(f"""
        WITH ips AS (SELECT DISTINCT ip FROM (SELECT o AS ip FROM agg UNION ALL
                                              SELECT r FROM agg)
                     WHERE regexp_full_match(ip, '\\d{{1,3}}(\\.\\d{{1,3}}){{3}}')),
             n AS (SELECT ip, {conv} AS v FROM ips),
             c AS (SELECT n.ip, n.v, CASE WHEN n.v <= cc.hi THEN cc.cc END AS cc
                   FROM n ASOF LEFT JOIN cc ON n.v >= cc.lo)
        SELECT c.ip, c.cc, CASE WHEN c.v <= asn.hi THEN asn.asn END
        FROM c ASOF LEFT JOIN asn ON c.v >= asn.lo""").fetchall()  # noqa: S608
    for ip, cc, asn in res:
        a = int(asn) if asn is not None else None
        geo.prime(ip, Place(cc, a, geo.orgs.get(a) if a is not None else None))
