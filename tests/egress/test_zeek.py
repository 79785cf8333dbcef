from __future__ import annotations

from pathlib import Path

import pytest
from tests.egress.pcapgen import EZVIZ, HIK
from tests.egress.zeekgen import conn_rows, write_conn_json, write_conn_tsv, write_dns_ssl

from camaudit.egress.analysis import analyse
from camaudit.egress.flows import Capture
from camaudit.egress.geo import GeoDB
from camaudit.egress.load import load, sniff
from camaudit.egress.zeek import read_zeek
from camaudit.egress.zeekduck import read_conn_duckdb
from camaudit.errors import UsageError


def _findings(cap: Capture, geo: GeoDB) -> dict:
    res = analyse(cap, None, ("CN",), geo=geo)
    return {(f.device, f.ip, f.proto, f.port): f.to_json() for d in res.devices
            for f in d.findings}


def test_streaming_conn_dns_ssl(tmp_path: Path) -> None:
    conn = tmp_path / "conn.log"
    write_conn_tsv(conn, conn_rows())
    dns, ssl = write_dns_ssl(tmp_path)
    assert sniff(conn) == ("zeek-tsv", "conn") and sniff(dns) == ("zeek-tsv", "dns")
    assert sniff(ssl) == ("zeek-json", "ssl")
    cap = load([conn, dns, ssl], engine="stream")
    got = _findings(cap, GeoDB())
    hik = got[(HIK, "34.241.130.159", "tcp", 8555)]
    assert (hik["destination"], hik["bytes_out"], hik["bytes_in"], hik["kind"]) == (
        "dev.hik-connect.com", 420, 240, "vendor-cloud")
    ez = got[(EZVIZ, "162.62.52.164", "tcp", 8666)]
    assert (ez["bytes_out"], ez["bytes_in"], ez["packets_out"], ez["packets_in"]) == (
        500, 320, 5, 3)
    assert (ez["first_seen"], ez["last_seen"]) == ("2023-11-14T22:13:50Z",
                                                   "2023-11-14T22:14:05Z")
    assert ez["kind"] == "cn-cloud" and ez["country"] == "DE"
    # ssl.log names a connection conn.log does not have: no finding is made up for it
    assert (HIK, "35.158.174.16", "tcp", 443) not in got


@pytest.mark.parametrize("as_json", [False, True])
def test_duckdb_equals_streaming(tmp_path: Path, as_json: bool) -> None:
    conn = tmp_path / "conn.log"
    rows = conn_rows(500)
    (write_conn_json if as_json else write_conn_tsv)(conn, rows)
    stream, duck = Capture(), Capture()
    read_zeek(conn, stream, json_lines=as_json)
    geo_d = GeoDB()
    read_conn_duckdb(conn, duck, geo_d, json_lines=as_json)
    assert duck.records == stream.records == len(rows)
    assert duck.conns.keys() == stream.conns.keys()
    for k, v in stream.conns.items():
        assert duck.conns[k] == pytest.approx(v), k
    a, b = _findings(stream, GeoDB()), _findings(duck, geo_d)
    assert a == b and len(a) > 400


def test_bad_rows_are_damage_not_fatal(tmp_path: Path) -> None:
    conn = tmp_path / "conn.log"
    write_conn_tsv(conn, conn_rows())
    text = conn.read_text().splitlines()
    text.insert(9, "garbage\tline")
    conn.write_text("\n".join(text) + "\n")
    cap = Capture()
    read_zeek(conn, cap, json_lines=False)
    assert cap.records == len(conn_rows())
    assert len(cap.damage) == 1 and "row has 2 fields" in cap.damage[0].message
    assert cap.damage[0].offset == sum(len(line) + 1 for line in text[:9])


def test_unknown_file_is_usage_error(tmp_path: Path) -> None:
    p = tmp_path / "x.txt"
    p.write_text("just text\n")
    with pytest.raises(UsageError, match=r"x.txt: offset 0: not a pcap"):
        load([p])
