"""Benchmark ``camaudit egress``: a generated 1,000,000-packet capture through camaudit and through
``tshark -T fields`` extracting the same fields (addresses, ports, lengths, DNS answers, SNI, Host),
in the same run; then a generated 10-million-row Zeek conn.log through the full pipeline (DuckDB,
``--engine duckdb``, JSON output). camaudit runs with ``--no-db`` and ``CAMAUDIT_DB`` naming a
file in ``--dir`` that is never created, so the user's inventory is neither read nor written.
Prints packets or rows per second of the whole command (start to exit), the ratio to tshark and
each process's own peak RSS (``wait4``), median of ``--repeat``. The capture commands (camaudit,
tshark and with ``--paths`` the pcapng and numpy-path variants) alternate, one run of each per
round, so that a slow spell of a shared machine does not fall on one of them only.

Shapes of the generated data (a site, not a worst case):
* capture: 500 devices (192.168.0-1.x), 3,000 remote addresses, each device talking to 6 of
  them; 8 % DNS responses (CNAME + A), 3 % TLS ClientHellos, 2 % HTTP requests, 47 % TCP data
  out, 20 % TCP ACKs in, 20 % UDP (P2P-like); every third frame VLAN-tagged; ~490 MB.
* conn.log: 300 devices (10.20.0-1.x), 3,000 remote addresses, 20 far ends per device, one
  service port each, so 6,000 endpoints whatever the number of rows; ~1.2 GB for 10 M rows.

    PYTHONPATH=src .venv/bin/python bench/egress.py [--packets N] [--rows N] [--repeat N] [--paths]
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "src"))

from tests.egress.pcapgen import client_hello, http_get, ipv4, pcap_bytes, tcp, udp  # noqa: E402

from camaudit.wire.dns_msg import CNAME, A, build_response  # noqa: E402

ENV = dict(os.environ)
NAMES = ["dev.hik-connect.com", "litedev.ezvizlife.com", "www.easy4ipcloud.com",
         "pub-cfg.secu100.net", "time.ys7.com", "ot.io.mi.com"]


def gen_pcap(path: Path, n: int) -> None:
    rnd = random.Random(42)
    remotes = [f"{rnd.randrange(1, 223)}.{rnd.randrange(256)}.{rnd.randrange(256)}.{i % 250 + 1}"
               for i in range(3000)]
    devs = [f"192.168.{i // 250}.{i % 250 + 1}" for i in range(500)]
    with path.open("wb") as f:
        batch: list[tuple[float, bytes]] = []
        for i in range(n):
            dev = devs[i % 500]
            rem = remotes[(i % 500 * 6 + rnd.randrange(6)) % 3000]
            r = rnd.random()
            if r < 0.08:
                pkt = ipv4("192.168.0.1", dev, 17, udp(53, 50000 + i % 9000, build_response(
                    i & 0xFFFF, NAMES[i % 6], [(CNAME, "e.cdn.example.com"), (A, rem)])))
            elif r < 0.11:
                pkt = ipv4(dev, rem, 6, tcp(40000 + i % 2000, 443, client_hello(NAMES[i % 6])))
            elif r < 0.13:
                pkt = ipv4(dev, rem, 6, tcp(40000 + i % 2000, 80, http_get(NAMES[i % 6])))
            elif r < 0.6:
                pay = b"x" * rnd.randrange(120, 1448)
                pkt = ipv4(dev, rem, 6, tcp(40000 + i % 2000, 8555, pay))
            elif r < 0.8:
                pkt = ipv4(rem, dev, 6, tcp(8555, 40000 + i % 2000, b"", 0x10))
            else:
                pkt = ipv4(dev, rem, 17, udp(38000 + i % 500, 8800, b"DHGET " + b"p" * 200))
            batch.append((1_700_000_000 + i * 0.001, pkt))
            if len(batch) == 100_000:
                data = pcap_bytes(batch)
                f.write(data if f.tell() == 0 else data[24:])
                batch = []
        if batch:
            data = pcap_bytes(batch)
            f.write(data if f.tell() == 0 else data[24:])


def gen_conn(path: Path, rows: int, devices: int = 300, remotes: int = 3000,
             per_device: int = 20) -> None:
    """A Zeek conn.log in Zeek's exact TSV format, shaped like a real site: ``devices`` cameras
    (10.20.0.0/22), each talking to ``per_device`` of ``remotes`` far ends (one service port
    each: udp/53, udp/123, udp/8800, tcp/8555, tcp/443), so the log has at most
    devices * per_device endpoints (6,000 by default) whatever its number of rows. Ephemeral
    client ports, timestamps and byte counts vary per row."""
    import duckdb

    head = Path(str(path) + ".head")
    from tests.egress.zeekgen import write_conn_tsv

    write_conn_tsv(head, [])
    lines = head.read_text().splitlines()
    head.unlink()
    body = Path(str(path) + ".body")
    con = duckdb.connect()
    con.execute("SET enable_progress_bar=false")
    con.execute(f"""COPY (
        WITH t AS (SELECT i, i % {devices} AS d, (i // {devices}) % {per_device} AS k
                   FROM range({rows}) r(i)),
             u AS (SELECT *, (d * 7 + k * 151) % {remotes} AS ri FROM t)
        SELECT printf('%.6f', 1700000000 + i * 0.0001) ts, 'C' || i uid,
          '10.20.' || (d // 250) || '.' || (d % 250 + 1) o, 40000 + i % 20000 op,
          ((ri * 7919) % 223 + 1) || '.' || ((ri * 31) % 256) || '.' || ((ri * 17) % 256)
            || '.' || (ri % 250 + 1) r,
          [53, 123, 8800, 8555, 443][k % 5 + 1] rp,
          CASE WHEN k % 5 < 3 THEN 'udp' ELSE 'tcp' END pr, '-' svc, '1.5' du, i % 900 ob,
          i % 5000 rb, 'SF' st, '-' lo, '-' lr, 0 mb, 'ShADadFf' hi, 5 opk, i % 900 + 200 oib,
          6 rpk, i % 5000 + 240 rib, '(empty)' tp, CASE WHEN k % 5 < 3 THEN 17 ELSE 6 END ipp
        FROM u)
        TO '{body}' (FORMAT csv, DELIMITER '\t', HEADER false, QUOTE '')""")
    with path.open("wb") as f:
        f.write(("\n".join(lines[:-1]) + "\n").encode())
        with body.open("rb") as b:
            shutil.copyfileobj(b, f, 1 << 22)
        f.write((lines[-1] + "\n").encode())
    body.unlink()


def run(cmd: list[str]) -> tuple[float, int]:
    """Wall time and peak RSS (kB) of this one child process."""
    t = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, env=ENV)
    _pid, _status, usage = os.wait4(proc.pid, 0)
    dt = time.perf_counter() - t
    proc.returncode = 0
    return dt, usage.ru_maxrss


def median_run(cmd: list[str], repeat: int) -> tuple[float, int]:
    """Median wall time and the largest peak RSS (kB) over ``repeat`` runs."""
    runs = [run(cmd) for _ in range(repeat)]
    return statistics.median(r[0] for r in runs), max(r[1] for r in runs)


def rounds(cmds: list[list[str]], repeat: int) -> list[tuple[float, int]]:
    """Each command once per round, ``repeat`` rounds (so that a slow spell of a shared
    machine falls on all of them alike): per command the median wall time and the largest
    peak RSS (kB)."""
    runs: list[list[tuple[float, int]]] = [[] for _ in cmds]
    for _ in range(repeat):
        for i, cmd in enumerate(cmds):
            runs[i].append(run(cmd))
    return [(statistics.median(r[0] for r in rs), max(r[1] for r in rs)) for rs in runs]


def capture_runs(a: argparse.Namespace, cam: list[str], pcap: Path) -> None:
    """camaudit on the capture and tshark on the same file, alternating; with ``--paths``
    also the capture as pcapng (editcap) and both files through the numpy path."""
    out = ["--no-db", "--format", "json", "-o", str(a.dir / "out.json")]
    jobs: list[tuple[str, list[str]]] = [("camaudit egress pcap", [*cam, str(pcap), *out])]
    if a.paths:
        ng = pcap.with_suffix(".pcapng")
        if not ng.exists():
            subprocess.run(["editcap", "-F", "pcapng", str(pcap), str(ng)], check=True)
        numpy_path = [sys.executable, "-c", "import sys; from camaudit.egress import fastpath; "
                      "fastpath._fastpcap = None; from camaudit.cli.egress import egress; "
                      "egress(sys.argv[1:])"]
        jobs += [("camaudit egress pcapng", [*cam, str(ng), *out]),
                 ("camaudit egress pcap, numpy path", [*numpy_path, str(pcap), *out]),
                 ("camaudit egress pcapng, numpy path", [*numpy_path, str(ng), *out])]
    if shutil.which("tshark"):
        fields = ["ip.src", "ip.dst", "ipv6.src", "ipv6.dst", "tcp.srcport", "tcp.dstport",
                  "udp.srcport", "udp.dstport", "ip.len", "dns.a", "dns.cname",
                  "tls.handshake.extensions_server_name", "http.host"]
        cmd = ["tshark", "-n", "-r", str(pcap), "-T", "fields", "-E", "separator=/t"]
        for fl in fields:
            cmd += ["-e", fl]
        jobs.append(("tshark -T fields", cmd))
    else:
        print("tshark not installed: apt-get install -y tshark")
    results = rounds([cmd for _, cmd in jobs], a.repeat)
    print(f"capture: {a.packets:,} packets ({pcap.stat().st_size / 1e6:.0f} MB), median of "
          f"{a.repeat} alternating runs")
    for (label, _), (dt, rss) in zip(jobs, results, strict=True):
        print(f"{label}: {dt:.2f} s = {a.packets / dt:,.0f} packets/s, peak RSS "
              f"{rss / 1024:.0f} MB")
    if jobs[-1][0].startswith("tshark"):
        print(f"camaudit is {results[-1][0] / results[0][0]:.1f}x tshark")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--packets", type=int, default=1_000_000)
    ap.add_argument("--rows", type=int, default=10_000_000)
    ap.add_argument("--repeat", type=int, default=3, help="runs per measurement (median)")
    ap.add_argument("--dir", type=Path, default=Path("/tmp/camaudit-bench"))
    ap.add_argument("--paths", action="store_true",
                    help="also time the capture as pcapng (editcap) and without the compiled "
                         "fast path (the numpy path of an install without a C compiler)")
    a = ap.parse_args()
    a.dir.mkdir(parents=True, exist_ok=True)
    # never the user's inventory: an inventory file that does not exist and --no-db below
    ENV["CAMAUDIT_DB"] = str(a.dir / "no-inventory.db")
    cam = [sys.executable, "-c", "import sys; from camaudit.cli.egress import egress; "
           "egress(sys.argv[1:])"]
    pcap = a.dir / f"bench-{a.packets}.pcap"
    if a.packets and not pcap.exists():
        gen_pcap(pcap, a.packets)
    if a.packets:
        capture_runs(a, cam, pcap)
    conn = a.dir / f"conn-{a.rows}.log"
    if a.rows and not conn.exists():
        gen_conn(conn, a.rows)
    if a.rows:
        dt, rss = median_run([*cam, str(conn), "--no-db", "--engine", "duckdb", "--format", "json",
                              "-o", str(a.dir / "conn.json")], a.repeat)
        print(f"camaudit egress conn.log (DuckDB): {a.rows:,} rows ({conn.stat().st_size / 1e6:.0f}"
              f" MB) in {dt:.2f} s = {a.rows / dt:,.0f} rows/s, peak RSS {rss / 1024:.0f} MB "
              f"(median of {a.repeat})")


if __name__ == "__main__":
    main()
