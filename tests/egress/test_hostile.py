"""Hostile evidence files (issue 12): every reader gives a one-line error naming file, offset or
line and field (exit 2) for bad input, a damage entry for partial damage, and never a traceback,
unbounded memory or unbounded time. Each case is generated here and small."""

from __future__ import annotations

import gzip
import json
import os
import struct
import time
from pathlib import Path

import pytest
from click.testing import CliRunner
from tests.egress.pcapgen import HIK, cameras, ether, ipv4, pcap_bytes, pcapng_bytes, udp
from tests.egress.zeekgen import conn_rows, write_conn_json, write_conn_tsv

from camaudit.cli.egress import egress
from camaudit.egress import fastpath
from camaudit.egress.flows import Capture
from camaudit.egress.load import load
from camaudit.egress.pcap import read_capture
from camaudit.egress.source import MAX_LINE
from camaudit.errors import UsageError

HEADER = ("#separator \\x09\n#path\tconn\n#fields\tts\tid.orig_h\tid.orig_p\tid.resp_h\t"
          "id.resp_p\tproto\tduration\torig_ip_bytes\tresp_ip_bytes\torig_pkts\tresp_pkts\n")
GOOD = "1700000000.0\t192.168.1.20\t40000\t47.88.1.1\t443\ttcp\t1.0\t100\t200\t1\t2\n"
NFDUMP_HEAD = "ts,te,td,sa,da,sp,dp,pr,flg,fwd,stos,ipkt,ibyt\n"
NFDUMP_ROW = ("2023-11-14 22:13:20,2023-11-14 22:13:25,5,192.168.1.30,162.62.52.164,43000,8666,"
              "TCP,......,0,0,4,400\n")


def _run(*args: str) -> tuple[int, str, str]:
    r = CliRunner().invoke(egress, [*args, "--format", "json"])
    if isinstance(r.exception, UsageError):  # what the camaudit group turns into exit 2
        return 2, r.stdout, str(r.exception)
    assert r.exception is None or isinstance(r.exception, SystemExit), repr(r.exception)
    return r.exit_code, r.stdout, r.stderr


def _conn(tmp_path: Path, *rows: str, header: str = HEADER, name: str = "conn.log") -> Path:
    p = tmp_path / name
    p.write_text(header + "".join(rows), encoding="utf-8")
    return p


# ------------------------------------------------------------------ numbers and addresses
@pytest.mark.parametrize(("row", "field"), [
    ("1700000000.0\t192.168.1.20\t40000\t47.88.1.1\t443\ttcp\t1.0\tinf\t200\t1\t2\n",
     "orig_ip_bytes"),
    ("1700000000.0\t192.168.1.20\t40000\t47.88.1.1\t443\ttcp\t1.0\tnan\t200\t1\t2\n",
     "orig_ip_bytes"),
    ("1700000000.0\t192.168.1.20\t40000\t47.88.1.1\t443\ttcp\t1.0\t1e400\t200\t1\t2\n",
     "orig_ip_bytes"),
    ("1700000000.0\t192.168.1.20\t40000\t47.88.1.1\t443\ttcp\t1.0\t-5\t200\t1\t2\n",
     "orig_ip_bytes"),
    ("1700000000.0\t192.168.1.20\t40000\t47.88.1.1\t70000\ttcp\t1.0\t1\t200\t1\t2\n",
     "id.resp_p"),
    ("inf\t192.168.1.20\t40000\t47.88.1.1\t443\ttcp\t1.0\t1\t200\t1\t2\n", "ts"),
    ("1e300\t192.168.1.20\t40000\t47.88.1.1\t443\ttcp\t1.0\t1\t200\t1\t2\n", "ts"),
    ("1700000000.0\t192.168.1.20\t40000\t47.88.1.1\t443\ttcp\tinf\t1\t200\t1\t2\n", "duration"),
    ("1700000000.0\tnot-an-address\t40000\t47.88.1.1\t443\ttcp\t1.0\t1\t200\t1\t2\n",
     "id.orig_h"),
])
def test_zeek_nonsense_numbers_and_addresses_are_damage(tmp_path: Path, row: str,
                                                        field: str) -> None:
    code, out, err = _run(str(_conn(tmp_path, GOOD, row)), "--flag-country", "")
    assert code in (0, 1), err
    damage = json.loads(out)["egress"]["damage"]
    assert len(damage) == 1 and f"field {field}" in damage[0] and ": offset " in damage[0]
    assert "not-an-address" not in {d["ip"] for d in json.loads(out)["devices"]}


def test_zeek_json_numbers_are_checked_too(tmp_path: Path) -> None:
    p = tmp_path / "conn.json"
    write_conn_json(p, conn_rows())
    with p.open("a") as f:
        f.write('{"ts": 1e999, "id.orig_h": "192.168.1.9", "id.resp_h": "1.2.3.4", '
                '"id.resp_p": 1, "orig_ip_bytes": 1}\n')
        f.write('{"ts": 1700000000, "id.orig_h": "192.168.1.9", "id.resp_h": "1.2.3.4", '
                '"id.resp_p": 1, "orig_ip_bytes": -1}\n')
    cap = load([p])
    assert [d.message.split(":")[1].strip() for d in cap.damage] == ["field ts",
                                                                    "field orig_ip_bytes"]


@pytest.mark.parametrize("sep", ["", "\\x", "\\xZZ", "ab"])
def test_bad_separator_is_one_line_error(tmp_path: Path, sep: str) -> None:
    p = _conn(tmp_path, GOOD, header=HEADER.replace("\\x09", sep, 1))
    code, _, err = _run(str(p))
    assert code == 2 and err.startswith(f"{p}: offset 0: field #separator")


def test_separator_without_value_is_one_line_error(tmp_path: Path) -> None:
    p = _conn(tmp_path, GOOD, header=HEADER.replace("#separator \\x09", "#separator", 1))
    code, _, err = _run(str(p))
    assert code == 2 and "field #separator" in err


# ------------------------------------------------------------------ gzip, lines, JSON
def test_corrupt_gzip_at_the_start_is_an_error(tmp_path: Path) -> None:
    p = tmp_path / "conn.log.gz"
    p.write_bytes(b"\x1f\x8b\x08\x00" + os.urandom(200))
    code, _, err = _run(str(p))
    assert code == 2 and str(p) in err and "\n" not in err


def test_corrupt_gzip_part_way_keeps_what_came_before(tmp_path: Path) -> None:
    p = tmp_path / "conn.log.gz"
    rows = "".join(GOOD.replace("\t100\t", f"\t{i * 7919 % 100_003}\t") for i in range(40_000))
    body = gzip.compress((HEADER + rows).encode(), compresslevel=1)
    p.write_bytes(body[:len(body) // 2] + b"\x00" * 64)
    code, out, err = _run(str(p), "--flag-country", "")
    assert code in (0, 1), err
    doc = json.loads(out)
    assert doc["egress"]["records"] > 0 and doc["egress"]["damage"]


def test_one_enormous_line_in_a_gzip_log_is_skipped_in_bounded_memory(tmp_path: Path) -> None:
    import tracemalloc

    p = tmp_path / "conn.log.gz"
    with gzip.open(p, "wb", compresslevel=1) as g:
        g.write(HEADER.encode() + GOOD.encode())
        for _ in range(24):  # 24 MiB without a newline
            g.write(b"A" * (1 << 20))
        g.write(b"\n" + GOOD.encode())
    tracemalloc.start()
    cap = load([p])
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert cap.records == 2 and peak < 8 * MAX_LINE
    assert [d.message for d in cap.damage] == ["line too long, skipped"]


def test_deeply_nested_json_line_is_damage(tmp_path: Path) -> None:
    p = tmp_path / "conn.json"
    write_conn_json(p, conn_rows())
    with p.open("a") as f:
        f.write("[" * 200_000 + "\n")
        f.write('{"a": ' * 100_000 + "1" + "}" * 100_000 + "\n")
    cap = load([p])
    assert len(cap.damage) == 2 and all("nested too deep" in d.message for d in cap.damage)


def test_zeek_json_with_a_long_first_line_is_recognised(tmp_path: Path) -> None:
    p = tmp_path / "conn.json"
    row = {"ts": 1700000000.0, "id.orig_h": "192.168.1.20", "id.resp_h": "47.88.1.1",
           "id.resp_p": 443, "proto": "tcp", "orig_ip_bytes": 100, "resp_ip_bytes": 10,
           "history": "x" * 100_000}
    p.write_text(json.dumps(row) + "\n")
    cap = load([p])
    assert cap.records == 1 and not cap.damage


def test_nfdump_field_over_the_csv_limit_is_damage(tmp_path: Path) -> None:
    p = tmp_path / "flows.csv"
    p.write_text(NFDUMP_HEAD + NFDUMP_ROW + NFDUMP_ROW.replace("TCP", "T" * ((128 << 10) + 1))
                 + "x" * (MAX_LINE + 10) + "\n" + NFDUMP_ROW)
    cap = load([p])
    assert cap.records == 2
    assert [d.message.split(":")[0] for d in cap.damage] == ["line 3", "line 4"]


@pytest.mark.parametrize(("bad", "field"), [("-4", "ipkt"), ("1e400", "ibyt"), ("70000", "dp"),
                                             ("bogus", "sa")])
def test_nfdump_nonsense_is_damage_naming_the_field(tmp_path: Path, bad: str,
                                                    field: str) -> None:
    cols = NFDUMP_HEAD.strip().split(",")
    row = NFDUMP_ROW.strip().split(",")
    row[cols.index(field)] = bad
    p = tmp_path / "flows.csv"
    p.write_text(NFDUMP_HEAD + NFDUMP_ROW + ",".join(row) + "\n")
    cap = load([p])
    assert cap.records == 1 and f"field {field}" in cap.damage[0].message


def test_unreadable_capture_is_an_error_not_exit_0(tmp_path: Path) -> None:
    p = tmp_path / "short.pcap"
    p.write_bytes(pcap_bytes(cameras().packets)[:20])
    code, _, err = _run(str(p))
    assert code == 2 and err.startswith(f"{p}: offset 0:")
    ng = tmp_path / "bad.pcapng"
    ng.write_bytes(pcapng_bytes([])[:28] + struct.pack("<III", 6, 7, 0))
    code, _, err = _run(str(ng))
    assert code == 2 and "corrupt block" in err


# ------------------------------------------------------------------ pcapng
def _block(btype: int, body: bytes) -> bytes:
    body += b"\x00" * (-len(body) % 4)
    return struct.pack("<II", btype, 12 + len(body)) + body + struct.pack("<I", 12 + len(body))


SHB = _block(0x0A0D0D0A, struct.pack("<IHHq", 0x1A2B3C4D, 1, 0, -1))
IDB = _block(1, struct.pack("<HHI", 1, 0, 65535))


def _epb(ifid: int, frame: bytes, incl: int | None = None) -> bytes:
    n = len(frame) if incl is None else incl
    return _block(6, struct.pack("<IIIII", ifid, 0, 1_700_000_000_000_000 & 0xFFFFFFFF, n,
                                 len(frame)) + frame)


def _paths(path: Path) -> list[Capture]:
    """The capture read by the compiled path (when built) and by the numpy path."""
    out = []
    for fast in (True, False):
        if fast and not fastpath.available():
            continue
        cap = Capture()
        saved = fastpath._fastpcap
        if not fast:
            fastpath._fastpcap = None
        try:
            read_capture(path, cap)
        finally:
            fastpath._fastpcap = saved
        out.append(cap)
    return out


def test_pcapng_of_interface_blocks_only_is_linear(tmp_path: Path) -> None:
    p = tmp_path / "idb.pcapng"
    frame = ether(ipv4(HIK, "47.88.1.1", 17, udp(40000, 443, b"x" * 20)))
    # interfaces and packets alternating: each new interface used to rebuild every array
    p.write_bytes(SHB + (IDB + _epb(0, frame)) * 60_000)
    for cap in _paths(p):
        start = time.perf_counter()
        cap2 = Capture()
        read_capture(p, cap2)
        assert time.perf_counter() - start < 10
        assert cap.records == 60_000
        assert [d.message for d in cap.damage] == [
            "more than 4096 interfaces: ignored"] * 10 + ["more damage from here on, not listed"]


def test_damaged_pcapng_blocks_are_damage_and_reading_goes_on(tmp_path: Path) -> None:
    frame = ether(ipv4(HIK, "47.88.1.1", 17, udp(40000, 443, b"x" * 20)))
    p = tmp_path / "d.pcapng"
    p.write_bytes(SHB + IDB + _epb(0, frame) + _epb(5, frame) + _epb(0, frame, 4000)
                  + _epb(0, frame))
    results = _paths(p)
    for cap in results:
        assert cap.records == 2
        assert [d.message for d in cap.damage] == [
            "packet of interface 5, which was never described",
            f"packet of 4000 bytes in a block of {len(_epb(0, frame))}"]
        assert cap.conns == results[0].conns


def _v9(template_fields: list[tuple[int, int]]) -> bytes:
    body = struct.pack(">HH", 256, len(template_fields)) + b"".join(
        struct.pack(">HH", t, n) for t, n in template_fields)
    flowset = struct.pack(">HH", 0, 4 + len(body)) + body
    data = struct.pack(">HH", 256, 4 + 20000) + b"\x00" * 20000
    return struct.pack(">HHIIII", 9, 2, 0, 1_700_000_000, 1, 0) + flowset + data


@pytest.mark.parametrize("fields", [[(8, 4)] + [(1, 0)] * 10_000, [(8, 4)] * 600])
def test_netflow_v9_templates_of_zero_length_or_too_many_fields(tmp_path: Path,
                                                                 fields: list[tuple[int, int]]
                                                                 ) -> None:
    p = tmp_path / "nf.pcap"
    p.write_bytes(pcap_bytes([(1_700_000_000.0, ipv4("10.0.0.1", "10.0.0.2", 17,
                                                     udp(9999, 2055, _v9(fields))))] * 3,
                             link="raw"))
    start = time.perf_counter()
    cap = Capture()
    read_capture(p, cap, frozenset({2055}))
    assert time.perf_counter() - start < 2
    assert len(cap.damage) == 3 and "NetFlow v9 template 256" in cap.damage[0].message


def test_plain_tsv_still_reads_as_before(tmp_path: Path) -> None:
    p = tmp_path / "conn.log"
    write_conn_tsv(p, conn_rows())
    cap = load([p])
    assert cap.records == len(conn_rows()) and not cap.damage
