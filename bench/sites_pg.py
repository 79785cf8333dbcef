"""Twenty site scanners writing into one PostgreSQL at once: device records per second.

Usage (root, Debian's postgresql installed; a throwaway server is started unless --url):
    .venv/bin/python bench/sites_pg.py [--sites 20] [--hosts 2000] [--url postgresql://...]

Each site is one process that records a streamed scan (``inventory.stream.ScanRecorder``, the
path ``camaudit scan --db postgresql://...`` takes, batches of 64) of ``--hosts`` devices, each
with three evidence rows and two verdicts, as a real scan writes them. The same addresses are
used at every site. Afterwards every site's devices are read back and checked (count, and each
record names its own site). Prints the wall time, the total records and records per second.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
import uuid
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parents[1]
WRITER = """
import sys
from camaudit.inventory.stream import ScanRecorder
from camaudit.model import Device, Evidence, Port, Verdict
url, site, hosts = sys.argv[1], sys.argv[2], int(sys.argv[3])
ips = [f"10.{k // 62500}.{k // 250 % 250}.{k % 250 + 1}" for k in range(hosts)]
rec = ScanRecorder(url, "2026-12-02T00:00:00Z", ["10.0.0.0/8"], {"ports": [80, 554]}, site)
rec.start(ips)
for ip in ips:
    rec.add([Device(ip=ip, maker="Hikvision", brand=site, serial=f"{site}/{ip}",
                    model="DS-2CD2385G1-I", firmware="V5.5.6 build 180326", confidence=0.99,
                    ports=(Port(80), Port(554), Port(8000)),
                    evidence=(Evidence("tcp/80 GET /", "http.header.server", "App-webs/", "r1"),
                              Evidence("tcp/554 OPTIONS", "rtsp.realm", "Hikvision", "r2"),
                              Evidence("udp/37020 sadp", "sadp.present", "true", "r3")),
                    verdicts=(Verdict("ndaa-889", "covered", "Hikvision"),
                              Verdict("fcc-covered-list", "covered", "Hikvision")))])
    rec.done(ip)
rec.finish()
rec.close()
"""


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sites", type=int, default=20)
    ap.add_argument("--hosts", type=int, default=2000)
    ap.add_argument("--url", help="a PostgreSQL URL (default: start a throwaway server)")
    a = ap.parse_args()
    url = a.url or subprocess.run([str(ROOT / "scripts" / "start-postgres.sh")], check=True,
                                  capture_output=True, text=True).stdout.strip()
    import psycopg

    schema = "bench_" + uuid.uuid4().hex[:10]
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")
    target = f"{url}{'&' if '?' in url else '?'}options={quote(f'-csearch_path={schema}')}"
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    sites = [f"site-{i:02d}" for i in range(a.sites)]
    # one process creates the schema first, so the timed run measures writing, not migrating
    subprocess.run([sys.executable, "-c", WRITER, target, "warm-up", "1"], check=True, env=env)
    start = time.perf_counter()
    procs = [subprocess.Popen([sys.executable, "-c", WRITER, target, s, str(a.hosts)], env=env)
             for s in sites]
    codes = [p.wait() for p in procs]
    elapsed = time.perf_counter() - start
    if any(codes):
        raise SystemExit(f"a writer failed: {codes}")
    from camaudit.inventory import DeviceFilter, open_store

    store = open_store(target)
    try:
        for s in sites:
            found = store.devices(DeviceFilter(site=s))
            assert len(found) == a.hosts, (s, len(found))
            assert all(f.device.brand == s and f.device.serial == f"{s}/{f.device.ip}"
                       for f in found), s
    finally:
        store.close()
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f"DROP SCHEMA {schema} CASCADE")
    total = a.sites * a.hosts
    print(f"{a.sites} sites x {a.hosts} devices = {total} records (each with 3 evidence rows) "
          f"in {elapsed:.1f} s: {total / elapsed:.0f} device records/s; all read back, none "
          "lost or mixed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
