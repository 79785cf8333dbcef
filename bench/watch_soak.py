"""Soak ``camaudit watch``: many cycles of the real watcher (scan, record in SQLite, compare,
hand on) over a world where devices appear, vanish and change firmware between cycles; checks
the exact events of every cycle and records the process's resident memory (VmRSS) per cycle.

The devices answer through a ``FakeTransport`` (src/camaudit/net/fake.py) whose replies follow
the world of the current cycle: a Hikvision-like camera on 127.95.0.x with ``Server:
Hikvision-Webs`` on port 80, the SDK banner on 8000, and an unsigned ONVIF
GetDeviceInformation answer carrying its firmware. Everything else is the watcher as
``camaudit watch`` runs it (scan_devices with depth, judge, record_scan, inventory reads,
events, the cursor, JSON lines to /dev/null). No packet leaves the process; no time is asserted.

    .venv/bin/python bench/watch_soak.py [--cycles 100] [--pool 24] [--seed 15]
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from camaudit.net.fake import Call, FakeTransport, Reply  # noqa: E402
from camaudit.watch.events import Event  # noqa: E402
from camaudit.watch.loop import Watcher  # noqa: E402
from camaudit.watch.plan import ScanPlan  # noqa: E402
from camaudit.watch.sinks.stdout import JsonLines  # noqa: E402

NET = "127.95.0."
PORTS = (80, 8000)
ONVIF = (b'<?xml version="1.0" encoding="UTF-8"?>\n<s:Envelope xmlns:s="http://www.w3.org/2003/'
         b'05/soap-envelope" xmlns:tds="http://www.onvif.org/ver10/device/wsdl"><s:Body>'
         b"<tds:GetDeviceInformationResponse><tds:Manufacturer>HIKVISION</tds:Manufacturer>"
         b"<tds:Model>DS-2CD2032-I</tds:Model><tds:FirmwareVersion>%s</tds:FirmwareVersion>"
         b"<tds:SerialNumber>DS-2CD2032-I20190101AAWR%s</tds:SerialNumber>"
         b"<tds:HardwareId>88</tds:HardwareId></tds:GetDeviceInformationResponse></s:Body>"
         b"</s:Envelope>")


class World:
    """Which devices answer this cycle, and with which firmware."""

    def __init__(self, pool: int, seed: int) -> None:
        self.pool = [f"{NET}{n}" for n in range(1, pool + 1)]
        self.rng = random.Random(seed)
        self.firmware = {ip: 0 for ip in self.pool}
        self.present: set[str] = set(self.rng.sample(self.pool, pool * 2 // 3))

    def step(self) -> tuple[set[str], set[str], set[str]]:
        """Move to the next cycle: (appeared, vanished, firmware changed)."""
        gone = set(self.rng.sample(sorted(self.present),
                                   min(len(self.present), self.rng.randint(0, 3))))
        absent = sorted(set(self.pool) - self.present)
        came = set(self.rng.sample(absent, min(len(absent), self.rng.randint(0, 3))))
        stay = sorted(self.present - gone)
        changed = set(self.rng.sample(stay, min(len(stay), self.rng.randint(0, 3))))
        for ip in changed:
            self.firmware[ip] += 1
        self.present = (self.present - gone) | came
        return came, gone, changed

    def version(self, ip: str) -> str:
        return f"V5.5.{self.firmware[ip]} build 180326"

    def answer(self, call: Call) -> Reply:
        ip, payload = call.ip, call.payload or b""
        if call.port == 8000 and call.kind == "exchange":
            return b"\0\0\0\x10\0\0\0\x1e\0\0\0\x1e\0\0\0\0"
        if call.port != 80:
            return None
        if payload.startswith(b"POST /onvif/device_service"):
            body = ONVIF % (self.version(ip).encode(), ip.rsplit(".", 1)[1].encode())
            return (b"HTTP/1.1 200 OK\r\nContent-Type: application/soap+xml\r\nContent-Length: "
                    + str(len(body)).encode() + b"\r\n\r\n" + body)
        if payload.startswith(b"GET / "):
            return (b"HTTP/1.0 302 Redirect\r\nServer: Hikvision-Webs\r\nLocation: http://"
                    + ip.encode() + b"/index.asp\r\nContent-Length: 0\r\n\r\n")
        return b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n"

    def transport(self) -> FakeTransport:
        return FakeTransport(self.answer, open_ports={ip: PORTS for ip in self.present})


class Collect:
    name = "collect"

    def __init__(self) -> None:
        self.events: list[Event] = []

    def emit(self, events: Sequence[Event]) -> None:
        self.events.extend(events)

    def pump(self, now: float) -> float | None:
        return None

    def pending(self) -> int:
        return 0

    def close(self) -> None:
        return None


def rss_kib() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def key(e: Event) -> tuple[str, str, str]:
    detail = e.details.get("policy") or e.details.get("finding") or ""
    return (e.kind, e.ip, str(detail))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cycles", type=int, default=100)
    parser.add_argument("--pool", type=int, default=24, help="addresses devices come and go on")
    parser.add_argument("--seed", type=int, default=15)
    args = parser.parse_args()

    world = World(args.pool, args.seed)
    with tempfile.TemporaryDirectory(prefix="camaudit-soak-") as tmp, \
            open(os.devnull, "w") as devnull:
        db, state = str(Path(tmp) / "inventory.db"), Path(tmp) / "inventory.db.watch"
        collect = Collect()
        extras: list[tuple[str, str]] | None = None  # covered/exposure events of a new device
        table, kinds = [], Counter[str]()
        started = time.perf_counter()
        before: dict[str, str] = {}
        for cycle in range(args.cycles):
            came, gone, changed = world.step() if cycle else (set(world.present), set(), set())
            plan = ScanPlan(tuple(world.pool), PORTS, (f"{NET}0/24",), timeout=0.5,
                            host_timeout=5.0, banner_wait=0.05, transport=world.transport())
            watcher = Watcher(plan, [collect, JsonLines(devnull)], db=db, site="soak",
                              state=state)
            t0 = time.perf_counter()
            result = watcher.cycle()
            seconds = time.perf_counter() - t0
            got = Counter(key(e) for e in collect.events)
            if extras is None:  # what a new device of this kind brings, read off cycle 0
                first = sorted(world.present)[0]
                extras = [(k, d) for k, ip, d in got if ip == first and k != "new"]
                assert extras, "a new camera should come with covered or exposure events"
            want = Counter[tuple[str, str, str]]()
            for ip in came:
                want[("new", ip, "")] += 1
                for kind, detail in extras:
                    want[(kind, ip, detail)] += 1
            for ip in gone:
                want[("vanished", ip, "")] += 1
            for ip in changed:
                want[("changed", ip, "")] += 1
            if got != want:
                sys.exit(f"cycle {cycle}: events differ: missing {want - got}, "
                         f"unexpected {got - want}")
            for e in collect.events:
                if e.kind == "changed" and e.details["changes"] != [
                        {"field": "firmware", "before": before[e.ip],
                         "after": world.version(e.ip)}]:
                    sys.exit(f"cycle {cycle}: wrong change {e.details} on {e.ip}")
            before = {ip: world.version(ip) for ip in world.present}
            kinds.update(e.kind for e in collect.events)
            table.append((cycle, result.devices, len(collect.events), seconds, rss_kib()))
            collect.events.clear()
        elapsed = time.perf_counter() - started

    print(f"{args.cycles} cycles, pool of {args.pool} addresses, seed {args.seed}: every "
          f"cycle's events as expected ({sum(kinds.values())} events: "
          + ", ".join(f"{k} {n}" for k, n in sorted(kinds.items())) + ")")
    print(f"{elapsed:.1f} s in all, {elapsed / args.cycles:.2f} s per cycle\n")
    print("| cycle | devices | events | seconds | RSS MiB |\n|---|---|---|---|---|")
    step = max(1, args.cycles // 10)
    for cycle, devices, events, seconds, rss in table:
        if cycle % step == 0 or cycle == args.cycles - 1:
            print(f"| {cycle} | {devices} | {events} | {seconds:.2f} | {rss / 1024:.1f} |")
    rss = [row[4] for row in table]
    print(f"\nRSS first {rss[0] / 1024:.1f} MiB, last {rss[-1] / 1024:.1f} MiB, "
          f"max {max(rss) / 1024:.1f} MiB (cycle {rss.index(max(rss))}); "
          f"growth from cycle 10 to the last: {(rss[-1] - rss[min(10, len(rss) - 1)]) / 1024:+.1f}"
          " MiB")


if __name__ == "__main__":
    main()
