from __future__ import annotations

import gzip
from pathlib import Path

import pytest
from tests.egress.pcapgen import HIK, cameras, pcap_bytes, pcapng_bytes
from tests.egress.zeekgen import conn_rows, write_conn_json, write_conn_tsv, write_dns_ssl

from camaudit.egress.geo import GeoDB
from camaudit.egress.load import load, sniff
from camaudit.errors import UsageError

NFDUMP = ("ts,te,td,sa,da,sp,dp,pr,flg,fwd,stos,ipkt,ibyt\n"
          "2023-11-14 22:13:20,2023-11-14 22:13:25,5,192.168.1.30,162.62.52.164,43000,8666,TCP,"
          "......,0,0,4,400\n")


def test_sniff_by_content_not_name(tmp_path: Path) -> None:
    files = {"a.log": pcap_bytes(cameras().packets), "b.txt": pcapng_bytes(cameras().packets),
             "c.pcap": NFDUMP.encode()}
    for name, data in files.items():
        (tmp_path / name).write_bytes(data)
    assert sniff(tmp_path / "a.log") == ("pcap", "")
    assert sniff(tmp_path / "b.txt") == ("pcap", "")
    assert sniff(tmp_path / "c.pcap") == ("nfdump-csv", "")
    conn = tmp_path / "conn.bin"
    write_conn_tsv(conn, conn_rows())
    gz = tmp_path / "conn.log.gz"
    gz.write_bytes(gzip.compress(conn.read_bytes()))
    assert sniff(gz) == ("zeek-tsv", "conn")
    dns, ssl = write_dns_ssl(tmp_path)
    assert (sniff(dns), sniff(ssl)) == (("zeek-tsv", "dns"), ("zeek-json", "ssl"))


def test_sniff_rejects_empty_and_unknown(tmp_path: Path) -> None:
    empty = tmp_path / "e"
    empty.write_bytes(b"")
    with pytest.raises(UsageError, match="empty file"):
        sniff(empty)
    weird = tmp_path / "w"
    weird.write_text("#separator \\x09\n#fields\tfoo\tbar\n")
    with pytest.raises(UsageError, match="not conn, dns, ssl or http"):
        sniff(weird)
    with pytest.raises(UsageError, match="cannot read"):
        sniff(tmp_path / "missing")


def test_load_mixes_formats_into_one_capture(tmp_path: Path) -> None:
    (tmp_path / "c.pcap").write_bytes(pcap_bytes(cameras().packets))
    (tmp_path / "f.csv").write_text(NFDUMP)
    conn = tmp_path / "conn.log"
    write_conn_tsv(conn, conn_rows())
    cap = load([tmp_path / "c.pcap", tmp_path / "f.csv", conn])
    assert cap.files == [str(tmp_path / n) for n in ("c.pcap", "f.csv", "conn.log")]
    assert cap.records == len(cameras().packets) + 1 + len(conn_rows())
    # the capture's 3 packets and the conn.log row for the same endpoint add up
    assert cap.conns[(HIK, "34.241.130.159", "tcp", 8555)][2] == 3 + 3


def test_engine_choice(tmp_path: Path) -> None:
    conn = tmp_path / "conn.json"
    write_conn_json(conn, conn_rows(20))
    with pytest.raises(UsageError, match="engine 'spark'"):
        load([conn], engine="spark")
    geo = GeoDB()
    streamed = load([conn], engine="stream", geo=geo)
    assert geo._cache == {}  # the streaming reader looks nothing up
    auto_duck = load([conn], engine="auto", geo=geo, duck_threshold=1)
    assert geo._cache  # DuckDB primed the lookups for the addresses it saw
    assert auto_duck.conns.keys() == streamed.conns.keys()
    assert auto_duck.records == streamed.records == 26
