"""The hostile corpus of issue 12: one generated case per defect class, each run through the CLI
(or the library where no command reads it) in its own process under an address-space cap
(``RLIMIT_AS``) and a deadline. Every case must end in time with a documented exit status
(0 nothing found, 1 findings, 2 bad input with one line on stderr), never a traceback, never
3 (internal error) and never a MemoryError."""

from __future__ import annotations

import csv
import gzip
import io
import json
import os
import resource
import struct
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from tests.egress.pcapgen import ether, ipv4, pcap_bytes, udp
from tests.hostile.targets import ZEEK_JSON

# numpy, duckdb and the extension modules map about 300 MiB of address space when imported:
# 1 GiB leaves room for the work and none for a blow-up.
ADDRESS_SPACE = 1 << 30
DEADLINE = 30.0  # seconds per case (each is expected to take one or two)
ZEEK_HEAD = ("#separator \\x09\n#path\tconn\n#fields\tts\tid.orig_h\tid.orig_p\tid.resp_h\t"
             "id.resp_p\tproto\tduration\torig_ip_bytes\tresp_ip_bytes\torig_pkts\tresp_pkts\n")
GOOD_ROW = "1700000000.0\t192.168.1.20\t40000\t47.88.1.1\t443\ttcp\t1.0\t100\t200\t1\t2\n"


@dataclass
class Ran:
    rc: int
    out: bytes
    err: str
    seconds: float


def _cap() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (ADDRESS_SPACE, ADDRESS_SPACE))


def _run(tmp: Path, argv: list[str], stdin: bytes = b"") -> Ran:
    env = {**os.environ, "CAMAUDIT_DB": str(tmp / "inventory.db"), "COLUMNS": "200",
           "NO_COLOR": "1"}
    env.pop("CAMAUDIT_DEBUG", None)
    t0 = time.monotonic()
    p = subprocess.run([sys.executable, *argv], input=stdin, capture_output=True, cwd=tmp,
                       env=env, timeout=DEADLINE, preexec_fn=_cap)
    return Ran(p.returncode, p.stdout, p.stderr.decode("utf-8", "replace"),
               time.monotonic() - t0)


def cli(tmp: Path, *args: str, stdin: bytes = b"") -> Ran:
    return _run(tmp, ["-m", "camaudit", *args], stdin)


def lib(tmp: Path, code: str) -> Ran:
    """Library code in a capped process; it prints what the case checks."""
    return _run(tmp, ["-c", code])


def _write(tmp: Path, name: str, data: bytes | str) -> str:
    path = tmp / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data.encode() if isinstance(data, str) else data)
    return str(path)


def _scan(tmp: Path, device: dict[str, object] | None = None, raw: str = "") -> str:
    dev = {"ip": "10.0.0.5", "maker": "Hikvision", "confidence": 0.99,
           "evidence": [{"source": "tcp/80", "key": "http.header.server",
                         "value": "Hikvision-Webs", "rule": "hik"}], **(device or {})}
    return _write(tmp, "scan.json", raw or json.dumps({"devices": [dev]}))


def _v9_pcap(template: list[tuple[int, int]], n_templates: int = 1) -> bytes:
    sets = b""
    for t in range(n_templates):
        tpl = struct.pack(">HH", 256 + t, len(template)) + b"".join(
            struct.pack(">HH", *f) for f in template)
        sets += struct.pack(">HH", 0, 4 + len(tpl)) + tpl
    data = struct.pack(">HHIIII", 9, n_templates, 1000, 1_700_000_000, 1, 7) + sets[:65000]
    pkt = ether(ipv4("192.168.1.1", "192.168.1.2", 17, udp(40000, 2055, data)))
    return pcap_bytes([(1_700_000_000.0, pkt[14:])], "raw")


def _pcapng_interfaces_only(n: int) -> bytes:
    shb_body = struct.pack("<IHHq", 0x1A2B3C4D, 1, 0, -1)
    shb = struct.pack("<II", 0x0A0D0D0A, 12 + len(shb_body)) + shb_body + struct.pack(
        "<I", 12 + len(shb_body))
    idb = struct.pack("<IIHHI", 1, 20, 1, 0, 65535) + struct.pack("<I", 20)
    return shb + idb * n


# --------------------------------------------------------------------------- the cases
# Each: (id, builds the run from a fresh folder, allowed exit codes, extra check on the result)
Case = tuple[str, Callable[[Path], Ran], set[int], Callable[[Ran], None] | None]


def _no_secret(r: Ran) -> None:
    assert "s3cret" not in r.err and b"s3cret" not in r.out


def _no_osc(r: Ran) -> None:
    assert b"\x1b]" not in r.out and b"\x07" not in r.out and "\x1b]" not in r.err


def _csv_neutral(r: Ran) -> None:
    rows = list(csv.reader(io.StringIO(r.out.decode("utf-8"), newline="")))
    assert len(rows) == 2, rows  # header and the one device: a bare CR started no new row
    assert not [c for row in rows for c in row if c[:1] in ("=", "+", "-", "@", "\t", "\r")]


def _timed(limit: float) -> Callable[[Ran], None]:
    def check(r: Ran) -> None:
        assert r.seconds < limit, f"{r.seconds:.1f} s"
    return check


FIREWALL = "x" * (1 << 20)  # 1 MiB of letters: the quadratic-wildcard screen input

CASES: list[Case] = [
    ("screen-quadratic-wildcard", lambda t: cli(t, "screen", _write(t, "a.txt", FIREWALL)),
     {0}, _timed(15)),
    ("screen-many-hits", lambda t: cli(t, "screen", "--format", "json",
                                       _write(t, "b.txt", "EM_RACE_x " * 50_000)),
     {0, 1}, _timed(15)),
    ("screen-standalone-xz", lambda t: cli(t, "screen", _write(
        t, "fw.bin.xz", __import__("lzma").compress(b"EthnicityDetection race alarm" * 10))),
     {0, 1}, None),
    ("screen-standalone-bz2", lambda t: cli(t, "screen", _write(
        t, "fw.bin.bz2", __import__("bz2").compress(b"\x00\x01firmware" * 100))), {0, 1}, None),
    ("screen-folder-with-dev-zero-link-and-fifo", lambda t: (
        _write(t, "docs/a.txt", "plain text"), os.symlink("/dev/zero", t / "docs" / "zero"),
        os.mkfifo(t / "docs" / "pipe"), cli(t, "screen", str(t / "docs")))[-1], {0}, None),
    ("zeek-inf-nan-huge-numbers", lambda t: cli(t, "egress", "--no-db", _write(
        t, "conn.log", ZEEK_HEAD + GOOD_ROW
        + "inf\t192.168.1.20\t1\t47.88.1.1\t99999\ttcp\tnan\t1e400\t-5\t0.5\t" + "9" * 30
        + "\n")), {0, 1}, lambda r: None),
    ("zeek-bad-separator", lambda t: cli(t, "egress", "--no-db", _write(
        t, "conn.log", ZEEK_HEAD.replace("\\x09", "XX") + GOOD_ROW)), {2}, None),
    ("zeek-empty-separator", lambda t: cli(t, "egress", "--no-db", _write(
        t, "conn.log", "#separator\n#fields\tts\n")), {2}, None),
    ("corrupt-gzip", lambda t: cli(t, "egress", "--no-db", _write(
        t, "conn.log.gz", gzip.compress((ZEEK_HEAD + GOOD_ROW).encode())[:30] + b"\xff" * 64)),
     {2}, None),
    ("deeply-nested-json-line", lambda t: cli(t, "egress", "--no-db", _write(
        t, "conn.json", ZEEK_JSON + b"[" * 200_000 + b"]" * 200_000 + b"\n" + ZEEK_JSON)),
     {0, 1}, None),
    ("nfdump-128-kib-field", lambda t: cli(t, "egress", "--no-db", _write(
        t, "flows.csv", "ts,te,td,sa,da,sp,dp,pr,ipkt,ibyt\n"
        "2023-11-14 22:13:20,2023-11-14 22:13:21,1.0,192.168.1.20,47.88.1.1,40000,443,TCP,3,"
        "420\n2023-11-14 22:13:20,2023-11-14 22:13:21,1.0," + "A" * (128 << 10) + "\n")),
     {0, 1, 2}, None),
    ("netflow-v9-huge-template-fields", lambda t: cli(
        t, "egress", "--no-db", "--netflow-port", "2055",
        _write(t, "nf.pcap", _v9_pcap([(8, 0xFFFF)] * 2000))), {0, 1, 2}, None),
    ("netflow-v9-thousands-of-zero-length-templates", lambda t: cli(
        t, "egress", "--no-db", "--netflow-port", "2055",
        _write(t, "nf.pcap", _v9_pcap([(1, 0)] * 8, n_templates=1500))), {0, 1, 2}, None),
    ("pcapng-interface-blocks-only", lambda t: cli(t, "egress", "--no-db", _write(
        t, "idb.pcapng", _pcapng_interfaces_only(200_000))), {0, 2}, _timed(20)),
    ("one-enormous-line-in-log-gz", lambda t: cli(t, "egress", "--no-db", _write(
        t, "conn.log.gz", gzip.compress((ZEEK_HEAD + GOOD_ROW + "a" * (600 << 20) + "\n"
                                         + GOOD_ROW).encode(), 1))), {0, 1}, None),
    ("csv-formula-and-bare-cr-check", lambda t: cli(
        t, "check", "--input", _scan(t, {"brand": "=cmd|' /C calc'!A0\r=HYPERLINK(1)",
                                         "model": "@SUM(1)"}),
        "--policy", "ndaa-889", "--format", "csv"), {0, 1}, _csv_neutral),
    ("csv-formula-and-bare-cr-report", lambda t: cli(
        t, "report", "--input", _scan(t, {"brand": "+1\r-2", "model": "\t=1"}),
        "--format", "csv"), {0, 1}, _csv_neutral),
    ("osc-escapes-in-device-strings", lambda t: cli(
        t, "check", "--input", _scan(t, {"brand": "\x1b]0;pwned\x07Hik",
                                         "model": "\x1b]52;c;aGk=\x07\x1b]8;;http://x\x07DS"}),
        "--policy", "ndaa-889"), {0, 1}, _no_osc),
    ("one-byte-http-chunks", lambda t: lib(t, (
        "import time; from camaudit.wire import http, framing\n"
        "b=b''.join(b'1\\r\\n'+bytes([i%256])+b'\\r\\n' for i in range(262144))\n"
        "r=b'HTTP/1.1 200 OK\\r\\nTransfer-Encoding: chunked\\r\\n\\r\\n'+b+b'0\\r\\n\\r\\n'\n"
        "t=time.monotonic(); f=framing.Framer('http')\n"
        "done=[f(r[:n]) for n in range(1, len(r)+1, 4096)]\n"
        "assert len(http.parse_response(r).body)==262144\n"
        "assert time.monotonic()-t < 10, time.monotonic()-t\n")), {0}, None),
    ("yaml-alias-bomb", lambda t: cli(t, "check", "--input", _scan(t), "--policy-file", _write(
        t, "bomb.yaml", "a: &a [" + ",".join(["x" * 50] * 20) + "]\n" + "".join(
            f"{c}: &{c} [" + ",".join([f"*{p}"] * 20) + "]\n"
            for p, c in zip("abcdefgh", "bcdefghi", strict=True))
        + "policy: bomb\nmin_confidence: *i\n")), {2}, None),
    ("yaml-deep-nesting", lambda t: cli(t, "check", "--input", _scan(t), "--policy-file", _write(
        t, "deep.yaml", "policy: " + "[" * 5000 + "]" * 5000 + "\n")), {2}, None),
    ("yaml-impossible-date", lambda t: cli(t, "check", "--input", _scan(t), "--policy-file",
                                           _write(t, "date.yaml", "since: 2025-13-45\n")),
     {2}, None),
    ("dev-zero-as-input", lambda t: cli(t, "check", "--input", "/dev/zero"), {2}, None),
    ("dev-zero-as-policy-file", lambda t: cli(t, "check", "--input", _scan(t),
                                              "--policy-file", "/dev/zero"), {2}, None),
    ("json-5000-digit-number", lambda t: cli(t, "check", "--input", _scan(
        t, raw='{"devices": [{"ip": "10.0.0.5", "confidence": ' + "9" * 5000 + "}]}")),
     {2}, None),
    ("json-lone-surrogate", lambda t: cli(t, "report", "--input", _scan(
        t, raw='{"devices": [{"ip": "10.0.0.5", "brand": "\\ud800"}]}'), "--format", "json"),
     {2}, None),
    ("json-1e400", lambda t: cli(t, "check", "--input", _scan(
        t, raw='{"devices": [{"ip": "10.0.0.5", "confidence": 1e400}]}')), {2}, None),
    ("json-nan-confidence", lambda t: cli(t, "report", "--input", _scan(
        t, raw='{"devices": [{"ip": "10.0.0.5", "confidence": NaN}]}'), "--format", "json"),
     {2}, None),
    ("json-deep-nesting", lambda t: cli(t, "check", "--input", _scan(
        t, raw='{"devices": ' + "[" * 100_000 + "]" * 100_000 + "}")), {2}, None),
    ("json-with-bom", lambda t: cli(t, "check", "--input", _write(
        t, "bom.json", b"\xef\xbb\xbf" + json.dumps({"devices": [
            {"ip": "10.0.0.5", "maker": "Axis", "confidence": 0.5}]}).encode())), {0}, None),
    ("password-in-device-url", lambda t: cli(
        t, "screen", "--device", "http://admin:s3cret@127.0.0.1:9/", "--user", "admin",
        "--password-file", _write(t, "pw", "other\n"), "--timeout", "1", "--deadline", "3"),
     {2}, _no_secret),
    ("identify-every-kind-on-garbage", lambda t: lib(t, (
        "from camaudit.identify import identify_bytes\nfrom camaudit.kinds import KINDS\n"
        "from camaudit.errors import UsageError\n"
        "for k in KINDS:\n"
        "    for d in (b'\\n'*(1<<20), b'<'*(1<<20), b'\\xff'*(1<<20)):\n"
        "        try: identify_bytes(k, d)\n"
        "        except UsageError: pass\n")), {0}, _timed(25)),
]


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_hostile_case(tmp_path: Path, case: Case) -> None:
    _, run, allowed, check = case
    r = run(tmp_path)
    assert "Traceback" not in r.err and "MemoryError" not in r.err, r.err[-2000:]
    assert r.rc in allowed, f"exit {r.rc}, stderr: {r.err[-1000:]}"
    if r.rc == 2:
        lines = [ln for ln in r.err.splitlines() if ln.startswith("camaudit: ")]
        assert len(lines) == 1 and lines[0].startswith("camaudit: error: "), r.err[-1000:]
    if check is not None:
        check(r)


def test_every_defect_class_of_issue_12_has_a_case() -> None:
    ids = {c[0] for c in CASES}
    for needed in ("screen-quadratic-wildcard", "screen-standalone-xz", "screen-standalone-bz2",
                   "screen-folder-with-dev-zero-link-and-fifo", "zeek-inf-nan-huge-numbers",
                   "zeek-bad-separator", "corrupt-gzip", "deeply-nested-json-line",
                   "nfdump-128-kib-field", "netflow-v9-huge-template-fields",
                   "pcapng-interface-blocks-only", "one-enormous-line-in-log-gz",
                   "csv-formula-and-bare-cr-check", "osc-escapes-in-device-strings",
                   "one-byte-http-chunks", "yaml-alias-bomb", "yaml-deep-nesting",
                   "yaml-impossible-date", "dev-zero-as-input", "json-5000-digit-number",
                   "json-lone-surrogate", "json-1e400", "json-nan-confidence", "json-with-bom",
                   "password-in-device-url"):
        assert needed in ids


def test_the_cap_leaves_room_for_a_normal_run(tmp_path: Path) -> None:
    """The cap is not so tight that the imports themselves fail (which would hide a bug)."""
    r = lib(tmp_path, "import numpy, duckdb; duckdb.connect().execute('select 1').fetchall()\n"
                      "import camaudit.egress.load, camaudit.screening.scan, pypdf, openpyxl")
    assert r.rc == 0, r.err


def test_dev_zero_as_identify_input(tmp_path: Path) -> None:
    r = cli(tmp_path, "identify", "--as", "http-server", "/dev/zero")
    assert r.rc == 2 and "Traceback" not in r.err and "more than" in r.err
