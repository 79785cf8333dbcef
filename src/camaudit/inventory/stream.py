"""A scan recorded while it runs: devices saved in batches, progress kept, resumable.

    recorder = ScanRecorder(db, started, targets, options, site)
    todo = recorder.start(ips, resume=True)     # the hosts still to scan
    ... recorder.add(devices) as hosts finish; recorder.done(ip) for every host ...
    recorder.finish()                           # or close() alone when interrupted

Every ``batch`` devices or ``every`` seconds the batch goes to the store in one transaction,
with the number of hosts that are done in target order (the low-water mark: all hosts before
it are done, some after it may be). A SIGKILL loses at most the last batch; ``start(resume=
True)`` finds the newest unfinished scan of the same site, targets and options and returns only
the hosts after its mark that it has no record of.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

from camaudit.clock import now_iso
from camaudit.inventory import CARRIED, _carry, open_store
from camaudit.inventory.store import ScanMeta, Store
from camaudit.model import Device

BATCH = 64
EVERY = 2.0


class ScanRecorder:
    def __init__(self, url_or_path: str | None, started: str, targets: Sequence[str],
                 options: dict[str, Any], site: str, *, batch: int = BATCH,
                 every: float = EVERY) -> None:
        self.meta = ScanMeta(started, tuple(targets), options, site)
        self.batch = batch
        self.every = every
        self.store: Store = open_store(url_or_path)
        self.scan_id = 0
        self.resumed = False
        self._pending: list[Device] = []
        self._index: dict[str, int] = {}
        self._finished_after: set[int] = set()
        self._mark = 0
        self._last = time.monotonic()
        self.saved = 0

    def start(self, ips: Sequence[str], resume: bool = False) -> list[str]:
        """Begin (or, with ``resume``, take up) the scan; the hosts that remain to scan."""
        found = self.store.unfinished(self.meta.site, self.meta.targets,
                                      self.meta.options) if resume else None
        if found is None:
            self.scan_id = self.store.begin_scan(self.meta)
            todo = list(ips)
            self._index = {ip: i for i, ip in enumerate(ips)}
            return todo
        self.scan_id, self._mark, saved = found
        self.resumed = True
        self.saved = len(saved)
        self._index = {ip: i for i, ip in enumerate(ips)}
        todo = []
        for i, ip in enumerate(ips):
            if i < self._mark:
                continue
            if ip in saved:
                self._finished_after.add(i)
            else:
                todo.append(ip)
        self._advance()
        return todo

    def _advance(self) -> None:
        while self._mark in self._finished_after:
            self._finished_after.discard(self._mark)
            self._mark += 1

    def add(self, devices: Sequence[Device]) -> None:
        self._pending.extend(devices)
        if len(self._pending) >= self.batch or time.monotonic() - self._last >= self.every:
            self.flush()

    def done(self, ip: str) -> None:
        """Host ``ip`` is done (after its devices were given to ``add``)."""
        index = self._index.get(ip)
        if index is not None:
            self._finished_after.add(index)
            self._advance()
        if time.monotonic() - self._last >= self.every:
            self.flush()

    def flush(self) -> None:
        devices, self._pending = self._pending, []
        carried = tuple(f for f, option in CARRIED.items() if option not in self.meta.options)
        if carried:  # as record_scan: a network scan keeps the last screening and egress
            devices = [_carry(self.store, d, self.meta.site, carried) for d in devices]
        self.store.add_devices(self.scan_id, devices, self._mark)
        self.saved += len(devices)
        self._last = time.monotonic()

    def finish(self) -> int:
        self.flush()
        self.store.finish_scan(self.scan_id, now_iso())
        return self.scan_id

    def close(self) -> None:
        """Save what is pending and release the store (the scan stays unfinished unless
        ``finish`` ran)."""
        try:
            if self._pending:
                self.flush()
        finally:
            self.store.close()
