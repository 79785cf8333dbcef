"""Benchmark ``camaudit egress --engine spark`` (Apache Spark, local mode) against the DuckDB
path on a generated 10-million-row Zeek conn.log (``bench/egress.py``'s generator: 300 devices,
3,000 remote addresses, 6,000 endpoints whatever the number of rows, Zeek's exact TSV format).

1. The log is converted once into the Parquet layout (``--to-parquet DIR``), timed.
2. Then, in alternating rounds (so that a slow spell of the shared machine falls on all of
   them): the DuckDB path on the log itself (``--engine duckdb``), the DuckDB path on the
   layout, and Spark on the layout (``--engine spark``, ``--master``, default ``local[*]``,
   bound to 127.0.0.1, no UI). Each is the whole command, start to exit; median of
   ``--repeat`` rounds.

Memory: peak RSS of the camaudit process itself (``wait4``) and of its whole process tree (for
Spark: the JVM and Spark's Python workers too), sampled every 50 ms from /proc (a sum of RSS:
pages shared between processes count once per process). The three JSON reports must be the
same byte for byte; the script stops with an error if they are not. camaudit runs with
``--no-db`` and ``CAMAUDIT_DB`` naming a file in ``--dir`` that is never created.

3. Last, ``--warm`` analyses of the layout in one Spark session (the JVM's start and warm-up
   paid once, as by a long-lived driver).

    PYTHONPATH=src .venv/bin/python bench/egress_spark.py [--rows N] [--repeat N] [--master M]
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import shutil
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PAGE = os.sysconf("SC_PAGE_SIZE")
ENV = dict(os.environ)


def gen_conn(path: Path, rows: int) -> None:
    """``bench/egress.py``'s conn.log generator (one definition of the benchmark data)."""
    spec = importlib.util.spec_from_file_location("bench_egress", ROOT / "bench" / "egress.py")
    assert spec and spec.loader
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    mod.gen_conn(path, rows)


def tree_rss(root: int) -> int:
    """Bytes resident in ``root`` and all its descendants now."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(ppid, []).append(int(entry))
    total, todo = 0, [root]
    while todo:
        pid = todo.pop()
        todo += children.get(pid, [])
        try:
            total += int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * PAGE
        except OSError:
            pass
    return total


def run(cmd: list[str]) -> tuple[float, int, int]:
    """Wall time, the process's own peak RSS and its tree's sampled peak (bytes)."""
    t = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=ENV)
    peak = [0]
    done = threading.Event()

    def sample() -> None:
        while not done.is_set():
            peak[0] = max(peak[0], tree_rss(proc.pid))
            done.wait(0.05)

    sampler = threading.Thread(target=sample)
    sampler.start()
    err = proc.stderr.read() if proc.stderr else b""
    _pid, status, usage = os.wait4(proc.pid, 0)
    dt = time.perf_counter() - t
    done.set()
    sampler.join()
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode not in (0, 1):  # 1: flagged findings
        sys.exit(f"{' '.join(cmd)} exited {proc.returncode}:\n{err.decode(errors='replace')}")
    return dt, usage.ru_maxrss * 1024, peak[0]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=10_000_000)
    ap.add_argument("--repeat", type=int, default=3, help="rounds (median)")
    ap.add_argument("--master", default="local[*]", help="Spark master (local only here)")
    ap.add_argument("--dir", type=Path, default=Path("/tmp/camaudit-bench"))
    ap.add_argument("--warm", type=int, default=3,
                    help="then N analyses in one Spark session (a long-lived driver)")
    a = ap.parse_args()
    if not a.master.startswith("local"):
        sys.exit("this benchmark runs Spark in local mode only")
    a.dir.mkdir(parents=True, exist_ok=True)
    ENV["CAMAUDIT_DB"] = str(a.dir / "no-inventory.db")  # never created: --no-db below
    cam = [sys.executable, "-c", "import sys; from camaudit.cli.egress import egress; "
           "egress(sys.argv[1:])"]
    conn = a.dir / f"conn-{a.rows}.log"
    if not conn.exists():
        gen_conn(conn, a.rows)
    layout = a.dir / f"layout-{a.rows}"
    shutil.rmtree(layout, ignore_errors=True)
    dt, own, tree = run([*cam, "--to-parquet", str(layout), str(conn)])
    size = sum(p.stat().st_size for p in layout.rglob("*.parquet"))
    print(f"conn.log: {a.rows:,} rows, {conn.stat().st_size / 1e6:,.0f} MB; --to-parquet: "
          f"{dt:.2f} s = {a.rows / dt:,.0f} rows/s, peak RSS {own / 2**20:.0f} MB; layout "
          f"{size / 1e6:.1f} MB")
    out = ["--no-db", "--format", "json", "-o"]
    jobs = [("DuckDB path, conn.log", [*cam, str(conn), "--engine", "duckdb", *out]),
            ("DuckDB path, layout", [*cam, str(layout), *out]),
            (f"Spark {a.master}, layout", [*cam, str(layout), "--engine", "spark",
                                           "--spark-master", a.master, *out])]
    runs: list[list[tuple[float, int, int]]] = [[] for _ in jobs]
    reports = [a.dir / f"spark-bench-{i}.json" for i in range(len(jobs))]
    for _ in range(a.repeat):
        for i, (_label, cmd) in enumerate(jobs):
            runs[i].append(run([*cmd, str(reports[i])]))
    texts = [r.read_bytes() for r in reports]
    if any(t != texts[0] for t in texts):
        sys.exit("the engines' reports differ: " + ", ".join(str(r) for r in reports))
    print(f"same findings: the {len(jobs)} JSON reports are identical ({len(texts[0]):,} bytes)")
    print(f"median of {a.repeat} alternating rounds:")
    print("| run | time | rows/s | peak RSS, camaudit | peak RSS, process tree |")
    print("|---|---|---|---|---|")
    for (label, _), rs in zip(jobs, runs, strict=True):
        t = statistics.median(r[0] for r in rs)
        print(f"| {label} | {t:.2f} s (runs: {', '.join(f'{r[0]:.1f}' for r in rs)}) | "
              f"{a.rows / t:,.0f} | {max(r[1] for r in rs) / 2**20:.0f} MB | "
              f"{max(r[2] for r in rs) / 2**20:.0f} MB |")
    if a.warm:
        warm(layout, a.master, a.warm)


WARM = """
import sys, time
from camaudit.egress.sparkengine import run, session
t = time.perf_counter()
s, _ = session(sys.argv[2])
print(f"session start {time.perf_counter() - t:.2f} s")
for _ in range(int(sys.argv[3])):
    t = time.perf_counter()
    run([sys.argv[1]], None, spark=s)
    print(f"analysis {time.perf_counter() - t:.2f} s")
s.stop()
"""


def warm(layout: Path, master: str, n: int) -> None:
    """``n`` analyses of the layout in one Spark session: the JVM's start and warm-up paid
    once, as by a driver that analyses many layouts."""
    done = subprocess.run([sys.executable, "-c", WARM, str(layout), master, str(n)],
                          capture_output=True, text=True, env=ENV, check=True)
    print(f"one Spark session, {n} analyses: " + "; ".join(done.stdout.splitlines()))


if __name__ == "__main__":
    main()
