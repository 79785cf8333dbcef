from __future__ import annotations

import json
from pathlib import Path

import pytest
from tests.egress.pcapgen import EZVIZ
from tests.egress.zeekgen import conn_rows, write_conn_json, write_conn_tsv

from camaudit.egress.flows import Capture
from camaudit.egress.geo import GeoDB
from camaudit.egress.zeekduck import read_conn_duckdb
from camaudit.errors import UsageError


def test_rows_aggregate_per_endpoint_in_duckdb(tmp_path: Path) -> None:
    conn = tmp_path / "conn.log"
    rows = conn_rows() + [conn_rows()[3]] * 1000  # one endpoint, many rows
    write_conn_tsv(conn, rows)
    cap, geo = Capture(), GeoDB()
    read_conn_duckdb(conn, cap, geo)
    assert cap.records == len(rows)
    assert len(cap.conns) == 5  # Python sees endpoints, never rows
    ez = cap.conns[(EZVIZ, "162.62.52.164", "tcp", 8666)]
    assert ez[:4] == [100 * 1001 + 400, 240 * 1001 + 80, 1001 + 4, 1001 + 2]
    # the ASOF range joins primed the same answers a direct lookup gives
    direct = GeoDB()
    for ip in ("162.62.52.164", "34.241.130.159", "47.88.1.1", "114.114.114.114"):
        assert geo._cache[ip] == direct.lookup(ip), ip
    assert geo._cache["192.168.1.40"].country is None


def test_json_iso_timestamps_and_missing_fields(tmp_path: Path) -> None:
    conn = tmp_path / "conn.json"
    conn.write_text("\n".join(json.dumps(r) for r in [
        {"ts": "2023-11-14T22:13:20.000000Z", "id.orig_h": EZVIZ, "id.orig_p": 1,
         "id.resp_h": "162.62.52.164", "id.resp_p": 8666, "proto": "tcp", "orig_bytes": 60},
        {"ts": 1700000010.5, "id.orig_h": EZVIZ, "id.orig_p": 2, "id.resp_h": "162.62.52.164",
         "id.resp_p": 8666, "proto": "tcp", "duration": 2.0, "orig_ip_bytes": 100,
         "resp_ip_bytes": 80, "orig_pkts": 1, "resp_pkts": 1}]) + "\n")
    cap = Capture()
    read_conn_duckdb(conn, cap, GeoDB(), json_lines=True)
    assert cap.conns == {(EZVIZ, "162.62.52.164", "tcp", 8666):
                         [100, 80, 1, 1, 1700000000.0, 1700000012.5]}


def test_not_a_conn_log_is_usage_error(tmp_path: Path) -> None:
    p = tmp_path / "dns.log"
    p.write_text("#separator \\x09\n#fields\tts\tquery\n#types\ttime\tstring\n1.0\tx\n")
    with pytest.raises(UsageError, match="offset 0: not a Zeek conn log"):
        read_conn_duckdb(p, Capture(), GeoDB())
    bad = tmp_path / "conn.json"
    write_conn_json(bad, conn_rows())
    bad.write_text(bad.read_text() + "{not json\n")
    with pytest.raises(UsageError, match=str(bad)):
        read_conn_duckdb(bad, Capture(), GeoDB(), json_lines=True)
