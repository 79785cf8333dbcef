"""The watcher's cycle: scan, record, compare with the site's previous full scan, hand on events.

    watcher = Watcher(plan, sinks, db=None, site="hq", state=Path("inventory.db.watch"))
    with stop_on_signals(watcher.stop):
        watcher.run(once=False)

Each cycle scans the plan's targets, records the scan in the inventory (one transaction: the
whole scan or nothing), and then hands on the events of every full scan of the site that the
cursor (``state.Cursor``) has not passed yet, each compared with the full scan before it. The
cursor moves past a scan once every sink took its events. So:

* a watcher stopped cleanly, then started again, sends nothing twice and loses nothing: its
  next scan is compared with the last one recorded;
* a watcher killed after recording a scan but before handing on its events sends them at the
  next cycle, with the same ids;
* a full scan recorded meanwhile by ``camaudit scan --site`` gets its events too.

A first signal (SIGTERM, SIGINT) lets the current cycle finish and stops; a second one aborts
it (``KeyboardInterrupt``: the scan in progress is not recorded).
"""

from __future__ import annotations

import contextlib
import logging
import signal
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from types import FrameType

from camaudit.clock import now_iso
from camaudit.errors import InventoryError
from camaudit.inventory import open_store, record_scan
from camaudit.inventory.store import ScanInfo, Store, full_scans
from camaudit.watch.events import ScanRef, scan_events
from camaudit.watch.logs import fields
from camaudit.watch.plan import Meters, ScanPlan, silent
from camaudit.watch.sinks import Sink
from camaudit.watch.state import Cursor, Mark, ensure_dir, site_slug

log = logging.getLogger("camaudit.watch")

# At most this many recorded scans get their events handed on at once, the newest.
CATCH_UP = 100
# Seconds a stopped watcher goes on delivering queued events before it exits.
STOP_GRACE = 5.0


@dataclass(frozen=True, slots=True)
class Cycle:
    """What one cycle did."""

    scan_id: int
    devices: int
    events: int


def _ref(info: ScanInfo | None) -> ScanRef | None:
    return None if info is None else ScanRef(info.id, info.time, info.site)


class Watcher:
    """Scan ``plan`` every ``interval`` seconds into the inventory ``db`` for ``site``, and
    hand the events to ``sinks``. ``state`` is the state directory (``state.state_dir``)."""

    def __init__(self, plan: ScanPlan, sinks: Sequence[Sink], *, db: str | None, site: str,
                 state: Path, interval: float = 300.0, flush_timeout: float = 30.0,
                 meters: Meters = silent, stop: threading.Event | None = None,
                 clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self.plan = plan
        self.sinks = list(sinks)
        self.db = db
        self.site = site
        self.interval = interval
        self.flush_timeout = flush_timeout
        self.meters = meters
        self.stop = stop if stop is not None else threading.Event()
        self.clock = clock
        self.sleep = sleep
        self.cursor = Cursor(ensure_dir(state) / f"{site_slug(site)}.cursor.json")
        self.cycles = 0

    # ------------------------------------------------------------ one cycle
    def cycle(self) -> Cycle:
        """Scan, record, hand on the events; return what was done."""
        self.cycles += 1
        started = now_iso()
        devices = self.plan.run(self.meters)
        scan_id = record_scan(self.db, started, self.plan.targets, self.plan.options,
                              self.site, devices)
        with closing(open_store(self.db)) as store:
            events = self.hand_on(store, recorded=scan_id)
        log.info(f"cycle {self.cycles}: scan {scan_id}, {len(devices)} device(s), "
                 f"{events} event(s)",
                 extra=fields(cycle=self.cycles, scan_id=scan_id, site=self.site,
                              devices=len(devices), events=events, pending=self.pending()))
        return Cycle(scan_id, len(devices), events)

    def hand_on(self, store: Store, recorded: int | None = None) -> int:
        """Hand on the events of the full scans past the cursor (without a cursor: of the
        scan ``recorded`` only); return how many events."""
        scans = full_scans(store.scans(self.site))
        start = self._start(scans, recorded)
        if start is None or start >= len(scans):
            return 0
        if len(scans) - start > CATCH_UP:
            skipped = len(scans) - start - CATCH_UP
            log.warning(f"{skipped} recorded scan(s) without their events handed on are too "
                        f"many: only the newest {CATCH_UP} are", extra=fields(skipped=skipped))
            start = len(scans) - CATCH_UP
        total = 0
        old = store.scan_devices(scans[start - 1].id) if start > 0 else []
        for i in range(start, len(scans)):
            info = scans[i]
            new = store.scan_devices(info.id)
            events = scan_events(_ref(scans[i - 1] if i > 0 else None), old, ScanRef(
                info.id, info.time, info.site), new)
            for sink in self.sinks:
                sink.emit(events)
            self.cursor.write(Mark(info.id, info.time), self.site)
            total += len(events)
            old = new
        return total

    def _start(self, scans: Sequence[ScanInfo], recorded: int | None) -> int | None:
        """Index in ``scans`` of the first scan whose events are still to hand on."""
        mark = self.cursor.read()
        if mark is not None:
            for i, s in enumerate(scans):
                if s.id == mark.scan_id and s.time == mark.time:
                    return i + 1
            log.warning(f"the watch cursor names scan {mark.scan_id}, which this inventory "
                        "does not hold for the site: starting from the scan just recorded",
                        extra=fields(cursor=str(self.cursor.path), scan_id=mark.scan_id))
        if recorded is None:
            return None
        return next((i for i, s in enumerate(scans) if s.id == recorded), None)

    # ------------------------------------------------------------ the loop
    def run(self, once: bool = False) -> int:
        """Cycle until stopped (or once); then give queued events ``flush_timeout`` seconds
        (at most ``STOP_GRACE`` after a stop) to leave. Returns how many are still queued."""
        with closing(open_store(self.db)) as store:
            self.hand_on(store)  # what a watcher killed mid-cycle did not hand on
        while True:
            began = self.clock()
            try:
                self.cycle()
            except InventoryError as e:
                if once:
                    raise
                log.error(f"cycle {self.cycles}: {e}; trying again next cycle",
                          extra=fields(cycle=self.cycles))
            if once or self.stop.is_set():
                break
            self.wait_until(began + self.interval)
            if self.stop.is_set():
                break
        left = self.drain(self.flush_timeout)
        if self.stop.is_set():
            log.info("stopped", extra=fields(cycles=self.cycles, pending=left))
        return left

    def pending(self) -> int:
        return sum(s.pending() for s in self.sinks)

    def _pump(self) -> float | None:
        now = self.clock()
        due = [d for s in self.sinks if (d := s.pump(now)) is not None]
        return min(due) if due else None

    def wait_until(self, deadline: float) -> None:
        """Sleep until ``deadline`` (``clock`` time) or a stop, delivering what is due."""
        while not self.stop.is_set():
            due = self._pump()
            now = self.clock()
            if now >= deadline:
                return
            self.stop.wait(max(0.0, min(deadline, due if due is not None else deadline) - now))

    def drain(self, timeout: float) -> int:
        """Deliver queued events for up to ``timeout`` seconds, at most ``STOP_GRACE`` once
        stopped; return how many are left."""
        deadline = self.clock() + timeout
        while True:
            due = self._pump()
            left = self.pending()
            now = self.clock()
            if self.stop.is_set():
                deadline = min(deadline, now + STOP_GRACE)
            if not left or due is None or now >= deadline:
                break
            pause = max(0.0, min(due, deadline) - now)
            if self.stop.is_set():
                self.sleep(pause)
            else:
                self.stop.wait(pause)
        for sink in self.sinks:
            if sink.pending():
                log.warning(f"{sink.name}: {sink.pending()} event(s) still queued; the next "
                            "run sends them", extra=fields(sink=sink.name,
                                                           pending=sink.pending()))
        return left


@contextlib.contextmanager
def stop_on_signals(stop: threading.Event) -> Iterator[None]:
    """While inside: the first SIGTERM or SIGINT sets ``stop`` (the cycle in progress
    finishes), a second raises ``KeyboardInterrupt`` (it is aborted, nothing recorded)."""
    def handler(signum: int, frame: FrameType | None) -> None:
        if stop.is_set():
            raise KeyboardInterrupt
        stop.set()
        log.info(f"{signal.Signals(signum).name}: stopping after the current cycle (a second "
                 "signal aborts it)")

    old = {s: signal.signal(s, handler) for s in (signal.SIGTERM, signal.SIGINT)}
    try:
        yield
    finally:
        for s, h in old.items():
            signal.signal(s, h)
