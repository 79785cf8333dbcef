"""Evidence sets for the engine comparisons (layout, layoutduck, sparkengine): file content
only. ``cameras`` is the five cameras of the egress tests in every format camaudit reads;
``generated`` is a Zeek conn log of a few thousand rows with what the engines must agree on
(aggregation, IPv6, devices on either side, local far ends, more than MAX_NAMES names of one
address spread over two dns logs, SNI, a row whose address is not one)."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
from tests.egress.pcapgen import AXIS, DAHUA, EZVIZ, HIK, T0, XM, pcap_bytes
from tests.egress.pcapgen import cameras as camera_trace
from tests.egress.zeekgen import conn_rows, write_conn_json, write_conn_tsv, write_dns_ssl

from camaudit.egress.analysis import Result
from camaudit.egress.layout import write_layout
from camaudit.egress.render import render_json
from camaudit.model import Device

NFDUMP = ("ts,te,td,sa,da,sp,dp,pr,flg,fwd,stos,ipkt,ibyt\n"
          "2023-11-14 22:13:20,2023-11-14 22:13:25,5,192.168.1.30,162.62.52.164,43000,8666,"
          "TCP,......,0,0,4,400\n"
          "2023-11-14 22:13:21,2023-11-14 22:13:26,5,162.62.52.164,192.168.1.30,8666,43000,"
          "TCP,......,0,0,3,900\n"
          "2023-11-14 22:13:30,2023-11-14 22:13:31,1,192.168.1.108,47.88.1.1,38000,8800,"
          "UDP,......,0,0,2,94\n"
          "Summary\nflows,bytes\n")
DNS_HEAD = ["#separator \\x09", "#set_separator\t,", "#empty_field\t(empty)", "#unset_field\t-",
            "#path\tdns",
            "#fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tproto\tquery\tanswers",
            "#types\ttime\tstring\taddr\tport\taddr\tport\tenum\tstring\tvector[string]"]
V6_DEVICE, V6_REMOTE = "fd00::64", "2a03:2880:f12f:83:face:b00c:0:25de"
# The inventory both engines are given: the cameras of the generated evidence.
INVENTORY = [Device(ip=ip) for ip in (HIK, DAHUA, XM, EZVIZ, AXIS)]
MANY = "8.8.4.4"  # the address that gets more names than a Capture keeps


def cameras(d: Path) -> list[Path]:
    """The five cameras as a Zeek conn log (TSV) and JSON conn log, dns and ssl logs, a pcap
    and an nfdump CSV export."""
    conn, cj, pcap, flows = d / "conn.log", d / "conn.json", d / "cams.pcap", d / "flows.csv"
    write_conn_tsv(conn, conn_rows())
    write_conn_json(cj, conn_rows()[:2])
    dns, ssl = write_dns_ssl(d)
    pcap.write_bytes(pcap_bytes(camera_trace().packets))
    flows.write_text(NFDUMP)
    return [conn, dns, ssl, cj, pcap, flows]


def write_dns(path: Path, rows: list[tuple[float, str, str, list[str]]]) -> None:
    lines = list(DNS_HEAD)
    for i, (ts, client, query, answers) in enumerate(rows):
        lines.append("\t".join([f"{ts:.6f}", f"D{i}", client, "5353", "192.168.1.1", "53",
                                "udp", query, ",".join(answers) or "-"]))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def generated(d: Path, extra: int = 3000) -> list[Path]:
    """A conn log of ``extra`` + a few dozen rows, two dns logs and an ssl log."""
    rows = conn_rows(extra)
    rows += [conn_rows()[3]] * 50  # one endpoint many times
    rows += [(T0 + 7, V6_DEVICE, 40001, V6_REMOTE, 443, "tcp", 1.0, 3, 300, 2, 900),
             (T0 + 8, V6_DEVICE, 40002, V6_REMOTE, 443, "tcp", 2.0, 1, 100, 1, 100),
             (T0 + 9, "203.0.113.7", 51000, "192.168.1.64", 554, "tcp", 9.0, 9, 900, 30, 60000),
             (T0 + 10, "192.168.1.64", 40000, MANY, 53, "udp", 0.1, 1, 70, 1, 90),
             (T0 + 11, "192.168.1.64", 123, "192.168.1.5", 123, "udp", 0.1, 1, 76, 1, 76),
             (T0 + 12, "not-an-address", 1, "1.1.1.1", 53, "udp", 0.1, 1, 70, 1, 90),
             (T0 + 13, "198.51.100.1", 1, "1.0.0.1", 443, "tcp", 0.1, 1, 70, 1, 90)]
    conn = d / "gen-conn.log"
    write_conn_tsv(conn, rows)
    first = [(T0 + i, "192.168.1.64", f"n{i:02d}.example.com", [MANY]) for i in range(10)]
    first += [(T0 + 20, "192.168.2.1", "www.hik-connect.com", ["cdn.example.net", "1.0.0.0"]),
              (T0 + 21, "192.168.2.1", "v6.example.org", [V6_REMOTE])]
    # the second file repeats names already kept and brings 10 new ones: only 6 are kept
    second = [(T0 + 100 + i, "192.168.1.64", f"n{i:02d}.example.com", [MANY])
              for i in range(5, 20)]
    dns1, dns2 = d / "gen-dns1.log", d / "gen-dns2.log"
    write_dns(dns1, first)
    write_dns(dns2, second)
    ssl = d / "gen-ssl.log"
    ssl.write_text("\n".join(json.dumps(
        {"ts": T0 + 50 + i, "id.orig_h": "192.168.2.1", "id.orig_p": 40000 + i,
         "id.resp_h": "1.0.0.0", "id.resp_p": 443, "server_name": f"s{i}.ezvizlife.com",
         "_path": "ssl"}) for i in range(20)) + "\n", encoding="utf-8")
    return [conn, dns1, dns2, ssl]


def as_json(result: Result) -> str:
    """The JSON report, the comparison the engines must pass byte for byte."""
    return render_json(result)


def hostile_layout(directory: Path, rows: str) -> Path:
    """A layout from elsewhere: conn rows as given, the files table of one file."""
    write_layout([], directory)
    con = duckdb.connect()
    for table, sql in (("conn", rows),
                       ("files", "SELECT 1 file_no, 'x.log' file, 'zeek-tsv' format, 'conn' kind, "
                                 "7::BIGINT records, '' written, 1 version")):
        con.execute(f"COPY ({sql}) TO '{directory / table / 'part-000001.parquet'}' "
                    "(FORMAT parquet)")
    return directory


ROW = ("SELECT {c} client, {s} server, {p} proto, {port} port, {b}::BIGINT client_bytes, "
       "1::BIGINT server_bytes, 1::BIGINT client_pkts, 1::BIGINT server_pkts, "
       "{t}::DOUBLE first_ts, 2.0::DOUBLE last_ts, 1 file_no")


def conn_row(**kw: object) -> str:
    base = {"c": "'192.168.1.64'", "s": "'1.1.1.1'", "p": "'tcp'", "port": 443, "b": 5, "t": 1.0}
    return ROW.format(**{**base, **kw})
