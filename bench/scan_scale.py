"""A /16 of loopback holding 1,000 lab devices: camaudit scan beside nmap, in one run.

Usage (root, for the lab's real ports; Debian's nmap installed):
    .venv/bin/python bench/scan_scale.py [--net 127.90.0.0/16] [--devices 1000]
                                         [--subset 100] [--skip-sv]

Measures, on the same lab and the default camera ports:

1. ``camaudit scan NET`` (the whole /16, recorded into a fresh SQLite inventory, JSON lines
   streamed to a file): wall time, peak RSS (``/usr/bin/time -v`` or ``resource``), and every
   lab device's maker against the ground truth;
2. ``nmap -sT -n -Pn --min-rate R -p PORTS NET`` (port discovery only) at the highest rate that
   still completes: the open ports it found against camaudit's;
3. on the first ``--subset`` devices: ``nmap -sV`` beside ``camaudit scan`` of the same
   addresses (the identification ratio), as bench/scan_vs_nmap.py counts a maker right.

Only loopback addresses are used. Prints a Markdown table for docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import defusedxml.ElementTree as ET

from camaudit.lab.control import down, up
from camaudit.targets import DEFAULT_PORTS

# nmap -sV and how a maker counts as named: as bench/scan_vs_nmap.py does (run from bench/)
sys.path.insert(0, str(Path(__file__).resolve().parent))
from scan_vs_nmap import _nmap as nmap_sv  # noqa: E402

PORTS = ",".join(str(p) for p in DEFAULT_PORTS)


def _camaudit(targets: list[str], out: Path, db: Path | None) -> tuple[float, int]:
    exe = str(Path(sys.executable).with_name("camaudit"))
    args = [exe, "scan", *targets, "--format", "jsonl", "-o", str(out), "-q"]
    args += ["--db", str(db)] if db is not None else ["--no-db"]
    start = time.perf_counter()
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    done = subprocess.run(args, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    if done.returncode not in (0, 1):
        raise SystemExit(f"camaudit scan failed: {done.stderr.strip()}")
    return elapsed, max(peak, before) // 1024  # KiB -> MiB (the largest child so far)


def _makers(path: Path) -> dict[str, str | None]:
    out: dict[str, str | None] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        d = json.loads(line)
        out[d["ip"]] = d["maker"]
    return out


def _open_ports(path: Path) -> set[tuple[str, int]]:
    return {(d["ip"], p["port"]) for line in path.read_text(encoding="utf-8").splitlines()
            for d in [json.loads(line)] for p in d["ports"]}


def _nmap_st(net: str, rate: int) -> tuple[float, set[tuple[str, int]], bool]:
    start = time.perf_counter()
    done = subprocess.run(["nmap", "-sT", "-n", "-Pn", "--min-rate", str(rate),
                           "--max-retries", "1", "-p", PORTS, "-oX", "-", net],
                          capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    found: set[tuple[str, int]] = set()
    for host in ET.fromstring(done.stdout).iter("host"):
        addr = host.find("address")
        for port in host.iter("port"):
            state = port.find("state")
            if addr is not None and state is not None and state.get("state") == "open":
                found.add((addr.get("addr", ""), int(port.get("portid", "0"))))
    return elapsed, found, done.returncode == 0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--net", default="127.90.0.0/16")
    ap.add_argument("--devices", type=int, default=1000)
    ap.add_argument("--subset", type=int, default=100)
    ap.add_argument("--rates", default="20000,10000,5000",
                    help="nmap -sT --min-rate values tried, fastest first")
    ap.add_argument("--skip-sv", action="store_true", help="leave out the nmap -sV subset")
    a = ap.parse_args()
    if shutil.which("nmap") is None:
        raise SystemExit("nmap is not installed (apt-get install nmap)")
    tmp = Path(tempfile.mkdtemp(prefix="camaudit-scale-"))
    state = tmp / "lab.json"
    truth = [d for d in up(a.net, a.devices, None, None, state, background=True)
             if d.recorder is None]
    try:
        out, db = tmp / "scan.jsonl", tmp / "inv.db"
        elapsed, peak = _camaudit([a.net], out, db)
        makers = _makers(out)
        right = sum(1 for d in truth if makers.get(d.ip) == d.maker
                    or (d.maker is None and makers.get(d.ip) is None))
        ours = _open_ports(out)
        print(f"camaudit /16: {elapsed:.1f} s, peak {peak} MiB, {right}/{len(truth)} right, "
              f"{len(ours)} open ports", flush=True)
        rows = [("camaudit scan (whole /16, identification, recorded)", f"{elapsed:.1f} s",
                 f"{peak} MiB", f"{right}/{len(truth)} makers right")]
        for rate in (int(r) for r in a.rates.split(",")):
            st_time, theirs, ok = _nmap_st(a.net, rate)
            missed = len(ours - theirs)
            print(f"nmap -sT --min-rate {rate}: {st_time:.1f} s, {len(theirs)} open ports, "
                  f"{missed} of camaudit's missed", flush=True)
            rows.append((f"nmap -sT --min-rate {rate} (ports only)", f"{st_time:.1f} s", "-",
                         f"{len(theirs)} open ports, {missed} of camaudit's missed"))
            if ok and missed == 0:
                break
        if not a.skip_sv:
            subset = [d for d in truth][:a.subset]
            ips = [d.ip for d in subset]
            sub_out = tmp / "subset.jsonl"
            ca_time, _ = _camaudit(ips, sub_out, None)
            sub_makers = _makers(sub_out)
            ca_right = sum(1 for d in subset if d.maker and sub_makers.get(d.ip) == d.maker)
            sv_time, text = nmap_sv(ips, PORTS)
            sv_right = sum(1 for d in subset if d.maker
                           and d.maker.lower() in text.get(d.ip, ""))
            named = sum(1 for d in subset if d.maker)
            rows.append((f"camaudit scan, {len(ips)} devices", f"{ca_time:.1f} s", "-",
                         f"{ca_right}/{named} makers right"))
            rows.append((f"nmap -sV, same {len(ips)} devices", f"{sv_time:.1f} s", "-",
                         f"{sv_right}/{named} makers named; {sv_time / ca_time:.1f}x "
                         "camaudit's time"))
        print("\n| run | time | peak memory | result |\n|---|---|---|---|")
        for row in rows:
            print("| " + " | ".join(row) + " |")
    finally:
        down(state)
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
