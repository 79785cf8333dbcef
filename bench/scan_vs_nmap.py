"""camaudit scan against `nmap -sV -n` on the same lab and ports, in the same run.

Usage (root, for the lab's real ports; Debian's nmap installed):
    .venv/bin/python bench/scan_vs_nmap.py [--devices 30] [--net 127.79.0.0/24] [--runs 3]

Prints wall times (camaudit: median of --runs; nmap: one run, it takes minutes), their ratio,
and each tool's maker accuracy against the lab's ground truth: a device counts as right for nmap
when its service names, products or CPEs mention the maker. Only loopback addresses are used.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import defusedxml.ElementTree as ET

from camaudit.lab.control import down, up
from camaudit.targets import DEFAULT_PORTS


def _camaudit(ips: list[str], ports: str) -> tuple[float, dict[str, str | None]]:
    exe = str(Path(sys.executable).with_name("camaudit"))
    start = time.perf_counter()
    done = subprocess.run([exe, "scan", *ips, "-p", ports, "--format", "json", "-q", "--no-db"],
                          capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if done.returncode not in (0, 1):  # 1 = covered devices found, the expected outcome here
        raise SystemExit(f"camaudit scan failed: {done.stderr.strip()}")
    out = done.stdout
    return elapsed, {d["ip"]: d["maker"] for d in json.loads(out)["devices"]}


def _nmap(ips: list[str], ports: str) -> tuple[float, dict[str, str]]:
    start = time.perf_counter()
    xml = subprocess.run(["nmap", "-sV", "-n", "-Pn", "-p", ports, "-oX", "-", *ips],
                         check=True, capture_output=True, text=True).stdout
    elapsed = time.perf_counter() - start
    text: dict[str, str] = {}
    for host in ET.fromstring(xml).iter("host"):
        addr = host.find("address")
        if addr is None:
            continue
        words = []
        for svc in host.iter("service"):
            words += [svc.get(a, "") for a in ("name", "product", "extrainfo", "devicetype")]
            words += [c.text or "" for c in svc.iter("cpe")]
        text[addr.get("addr", "")] = " ".join(words).lower()
    return elapsed, text


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--devices", type=int, default=30)
    ap.add_argument("--net", default="127.79.0.0/24")
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    if shutil.which("nmap") is None:
        print("nmap not found: apt-get install nmap", file=sys.stderr)
        return 2
    ports = ",".join(str(p) for p in DEFAULT_PORTS)
    state = Path(tempfile.gettempdir()) / "camaudit-bench-lab.json"
    truth = up(args.net, args.devices, None, None, state, background=True,
               include_hostile=False)
    try:
        ips = [t.ip for t in truth]
        named = [t for t in truth if t.maker]
        runs = [_camaudit(ips, ports) for _ in range(args.runs)]
        ca_time = statistics.median(r[0] for r in runs)
        ca_found = runs[-1][1]
        nm_time, nm_text = _nmap(ips, ports)
    finally:
        down(state)
    ca_right = sum(1 for t in truth if ca_found.get(t.ip) == t.maker)
    nm_right = sum(1 for t in named if t.maker and t.maker.lower() in nm_text.get(t.ip, ""))
    print(f"lab: {len(truth)} devices ({len(named)} with a maker), ports {ports}")
    print(f"camaudit scan: {ca_time:.2f} s (median of {args.runs}), "
          f"maker right {ca_right}/{len(truth)}")
    print(f"nmap -sV -n:   {nm_time:.2f} s, maker named {nm_right}/{len(named)}")
    print(f"ratio (nmap / camaudit): {nm_time / ca_time:.1f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
