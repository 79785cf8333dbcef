"""The ``Store`` protocol over SQL, shared by the SQLite and PostgreSQL backends.

Queries are written once, with ``?`` parameter markers; a backend supplies ``_query`` (one
statement, rows back) and ``_transaction`` (a write transaction holding its lock, yielding an
executor).
Each scan is written in one transaction: a crash leaves either the whole scan or none of it.

A stored row that cannot be read back (its record is not JSON, or not a device record; a scan's
targets or options are not JSON) is reported on stderr in one line naming the store, the scan
and the address, and skipped: one corrupt row never makes the rest of the inventory unreadable.
"""

from __future__ import annotations

import ipaddress
import json
import sys
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import replace
from typing import Any

from camaudit import __version__
from camaudit.errors import InventoryError, UsageError
from camaudit.inventory.migrate import Execute
from camaudit.inventory.store import (
    DeviceFilter,
    ScanDiff,
    ScanInfo,
    ScanMeta,
    Sighting,
    device_from_json,
    diff_devices,
    full_scans,
    ip_sort_key,
    is_covered,
    ports_text,
    verdicts_text,
)
from camaudit.model import Device

_SCANS = "SELECT id, started, site, targets, options, finished, device_count FROM scans"
_LATEST = """
SELECT scan_id, started, site, record, first_seen, last_seen, ip FROM (
  SELECT d.scan_id, sc.started, sc.site, d.record, d.ip, d.maker, d.brand, d.covered,
         ROW_NUMBER() OVER (PARTITION BY sc.site, d.ip ORDER BY sc.started DESC, sc.id DESC)
           AS rn,
         MIN(sc.started) OVER (PARTITION BY sc.site, d.ip) AS first_seen,
         MAX(sc.started) OVER (PARTITION BY sc.site, d.ip) AS last_seen
  FROM sightings d JOIN scans sc ON sc.id = d.scan_id{site}
) latest WHERE rn = 1{where}
"""


def clean(value: str | None) -> str | None:
    """Text a device sent, made storable everywhere: PostgreSQL refuses NUL characters and
    unpaired surrogates. The JSON record keeps the exact value (escaped)."""
    if value is None:
        return None
    if "\x00" in value:
        value = value.replace("\x00", "\ufffd")
    return value.encode("utf-8", "replace").decode("utf-8")


def _record_text(d: Device) -> str:
    return json.dumps(d.to_json(), ensure_ascii=True, sort_keys=True)


# What reading a stored row can raise on a corrupt one: bad JSON (ValueError), a record of the
# wrong shape or types, a nesting too deep for the parser.
_CORRUPT = (ValueError, TypeError, KeyError, AttributeError, IndexError, RecursionError)


def warn_stderr(message: str) -> None:
    """The default report of a corrupt row: one line on stderr, without terminal controls."""
    from camaudit.reports.text import printable

    print(f"camaudit: warning: {printable(message)}", file=sys.stderr, flush=True)


class SqlStore(ABC):
    """``Store`` over a SQL connection; subclasses provide the connection and locking."""

    location = ""
    # Told about each corrupt row that is skipped (one line, naming store, scan and address).
    on_corrupt: Callable[[str], None] = staticmethod(warn_stderr)

    @abstractmethod
    def _query(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        """Run one statement and return its rows."""

    @abstractmethod
    def _transaction(self) -> AbstractContextManager[Execute]:
        """A write transaction holding the store's write lock, yielding an executor."""

    @abstractmethod
    def _many(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        """Run one statement for each of ``rows``, inside the current write transaction."""

    @abstractmethod
    def close(self) -> None:
        """Release the connection."""

    def __enter__(self) -> SqlStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ------------------------------------------------------------ writing
    def save_scan(self, meta: ScanMeta, devices: Sequence[Device]) -> int:
        unique = list({d.ip: d for d in devices}.values())
        with self._transaction() as execute:
            rows = execute(
                "INSERT INTO scans (started, finished, site, targets, options, tool_version, "
                "device_count) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id",
                # a scan saved at once is complete: finished is never empty (empty means a
                # streamed scan that was interrupted, see begin_scan)
                (clean(meta.time), clean(meta.finished or meta.time), clean(meta.site),
                 json.dumps(list(meta.targets), ensure_ascii=True),
                 json.dumps(dict(meta.options), ensure_ascii=True, sort_keys=True, default=str),
                 __version__, len(unique)))
            scan_id = int(rows[0][0])
            self._save_devices(scan_id, unique)
        return scan_id

    def begin_scan(self, meta: ScanMeta) -> int:
        with self._transaction() as execute:
            rows = execute(
                "INSERT INTO scans (started, finished, site, targets, options, tool_version, "
                "device_count) VALUES (?, NULL, ?, ?, ?, ?, 0) RETURNING id",
                (clean(meta.time), clean(meta.site),
                 json.dumps(list(meta.targets), ensure_ascii=True),
                 json.dumps(dict(meta.options), ensure_ascii=True, sort_keys=True, default=str),
                 __version__))
            return int(rows[0][0])

    def add_devices(self, scan_id: int, devices: Sequence[Device], hosts_done: int) -> None:
        unique = list({d.ip: d for d in devices}.values())
        with self._transaction() as execute:
            known = {str(r[0]) for r in execute(
                "SELECT ip FROM sightings WHERE scan_id = ?", (scan_id,))} if unique else set()
            self._save_devices(scan_id, [d for d in unique if clean(d.ip) not in known])
            execute("UPDATE scans SET hosts_done = CASE WHEN hosts_done > ? THEN hosts_done "
                    "ELSE ? END, device_count = (SELECT COUNT(*) FROM sightings WHERE "
                    "scan_id = ?) WHERE id = ?", (hosts_done, hosts_done, scan_id, scan_id))

    def finish_scan(self, scan_id: int, finished: str) -> None:
        with self._transaction() as execute:
            execute("UPDATE scans SET finished = ? WHERE id = ?", (clean(finished), scan_id))

    def unfinished(self, site: str, targets: Sequence[str],
                   options: Mapping[str, Any]) -> tuple[int, int, set[str]] | None:
        want_targets = json.dumps(list(targets), ensure_ascii=True)
        want_options = json.dumps(dict(options), ensure_ascii=True, sort_keys=True, default=str)
        rows = self._query("SELECT id, hosts_done FROM scans WHERE finished IS NULL AND "
                           "site = ? AND targets = ? AND options = ? ORDER BY id DESC",
                           (clean(site), want_targets, want_options))
        if not rows:
            return None
        scan_id, done = int(rows[0][0]), int(rows[0][1])
        ips = {str(r[0]) for r in self._query("SELECT ip FROM sightings WHERE scan_id = ?",
                                               (scan_id,))}
        return scan_id, done, ips

    def _save_devices(self, scan_id: int, devices: Sequence[Device]) -> None:
        """The sightings and evidence rows of ``devices``, two batched statements."""
        self._many(
            "INSERT INTO sightings (scan_id, ip, mac, maker, brand, relabeled, model, firmware, "
            "serial, device_type, confidence, covered, ports, verdicts, record) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [(scan_id, clean(d.ip), clean(d.mac), clean(d.maker), clean(d.brand),
              int(d.relabeled), clean(d.model), clean(d.firmware), clean(d.serial),
              clean(d.device_type), float(d.confidence), int(is_covered(d)),
              clean(ports_text(d)), clean(verdicts_text(d)), _record_text(d))
             for d in devices])
        self._many("INSERT INTO evidence (scan_id, ip, seq, source, key, value, rule) "
                   "VALUES (?, ?, ?, ?, ?, ?, ?)",
                   [(scan_id, clean(d.ip), seq, clean(e.source), clean(e.key), clean(e.value),
                     clean(e.rule)) for d in devices for seq, e in enumerate(d.evidence)])

    # ------------------------------------------------------------ reading
    def _scan_info(self, row: tuple[Any, ...]) -> ScanInfo:
        try:
            targets = json.loads(row[3])
            options = json.loads(row[4])
            if not isinstance(targets, list) or not isinstance(options, dict):
                raise TypeError("targets must be a JSON list and options a JSON object")
            count = int(row[6])
        except _CORRUPT as e:
            self.on_corrupt(f"inventory {self.location}: scan {row[0]}: corrupt targets or "
                            f"options, read as empty: {_short(e)}")
            targets, options, count = [], {}, 0
        return ScanInfo(id=int(row[0]), time=str(row[1]), site=str(row[2] or ""),
                        targets=tuple(str(t) for t in targets), options=options,
                        finished=row[5], device_count=count)

    def _device(self, record: Any, scan_id: Any, ip: Any) -> Device | None:
        """The stored device record, or None (reported through ``on_corrupt``) when the row
        is corrupt."""
        try:
            return device_from_json(json.loads(record))
        except _CORRUPT as e:
            self.on_corrupt(f"inventory {self.location}: scan {scan_id}, device {ip}: corrupt "
                            f"record skipped: {_short(e)}")
            return None

    def scans(self, site: str | None = None) -> list[ScanInfo]:
        if site is None:
            rows = self._query(_SCANS + " ORDER BY started, id")
        else:
            rows = self._query(_SCANS + " WHERE site = ? ORDER BY started, id", (site,))
        return [self._scan_info(r) for r in rows]

    def scan(self, scan_id: int) -> ScanInfo:
        rows = self._query(_SCANS + " WHERE id = ?", (scan_id,))
        if not rows:
            raise UsageError(f"no scan {scan_id} in {self.location}")
        return self._scan_info(rows[0])

    def scan_devices(self, scan_id: int) -> list[Device]:
        self.scan(scan_id)
        rows = self._query("SELECT record, ip FROM sightings WHERE scan_id = ?", (scan_id,))
        devices = [d for r in rows if (d := self._device(r[0], scan_id, r[1])) is not None]
        return sorted(devices, key=lambda d: ip_sort_key(d.ip))

    def devices(self, filters: DeviceFilter | None = None) -> list[Sighting]:
        f = filters or DeviceFilter()
        try:
            net = f.network()
        except ValueError as e:
            raise UsageError(f"bad subnet '{f.subnet}': {e}") from e
        params: list[Any] = []
        site = ""
        if f.site is not None:
            site = " WHERE sc.site = ?"
            params.append(f.site)
        where: list[str] = []
        if f.maker is not None:
            where.append("lower(maker) = lower(?)")
            params.append(f.maker)
        if f.brand is not None:
            where.append("lower(brand) = lower(?)")
            params.append(f.brand)
        if f.covered is not None:
            where.append("covered = ?")
            params.append(int(f.covered))
        if f.since is not None:
            where.append("last_seen >= ?")
            params.append(f.since)
        sql = _LATEST.format(site=site, where="".join(f" AND {w}" for w in where))
        out: list[Sighting] = []
        for scan_id, started, site_name, record, first, last, ip in self._query(sql, params):
            stored = self._device(record, scan_id, ip)
            if stored is None:
                continue
            device = replace(stored, first_seen=first, last_seen=last)
            if net is not None and not _in(device.ip, net):
                continue
            out.append(Sighting(int(scan_id), started, site_name, device))
        return sorted(out, key=lambda s: (s.site, ip_sort_key(s.device.ip)))

    def history(self, ip: str, site: str | None = None) -> list[Sighting]:
        sql = ("SELECT d.scan_id, sc.started, sc.site, d.record FROM sightings d "
               "JOIN scans sc ON sc.id = d.scan_id WHERE d.ip = ?")
        params: list[Any] = [ip]
        if site is not None:
            sql += " AND sc.site = ?"
            params.append(site)
        rows = self._query(sql + " ORDER BY sc.started, sc.id", params)
        return [Sighting(int(r[0]), r[1], r[2], d) for r in rows
                if (d := self._device(r[3], r[0], ip)) is not None]

    def last_sighting(self, ip: str, site: str) -> Sighting | None:
        rows = self._query("SELECT d.scan_id, sc.started, sc.site, d.record FROM sightings d "
                           "JOIN scans sc ON sc.id = d.scan_id WHERE d.ip = ? AND sc.site = ? "
                           "ORDER BY sc.started DESC, sc.id DESC LIMIT 1", (ip, site))
        for r in rows:
            if (d := self._device(r[3], r[0], ip)) is not None:
                return Sighting(int(r[0]), r[1], r[2], d)
        return None

    def diff(self, scan_a: int | None = None, scan_b: int | None = None,
             site: str | None = None) -> ScanDiff:
        if scan_a is None or scan_b is None:
            a, b = self._last_two(site, scan_b)
            scan_a = a if scan_a is None else scan_a
            scan_b = b
        for sid in (scan_a, scan_b):
            info = self.scan(sid)
            if site is not None and info.site != site:
                raise UsageError(f"scan {sid} belongs to site '{info.site}', not '{site}'")
        return diff_devices(scan_a, self.scan_devices(scan_a), scan_b,
                            self.scan_devices(scan_b))

    def _last_two(self, site: str | None, newest: int | None) -> tuple[int, int]:
        if site is None:
            last = self.scan(newest) if newest is not None else next(iter(
                reversed(self.scans())), None)
            if last is None:
                raise UsageError(f"no scans in {self.location}")
            site = last.site
        scans = full_scans(self.scans(site))
        if newest is not None:
            scans = scans[:next((i + 1 for i, s in enumerate(scans) if s.id == newest), 0)]
        if len(scans) < 2:
            where = f" of site '{site}'" if site else ""
            raise UsageError(f"diff needs two scans{where}; {self.location} has {len(scans)}")
        return scans[-2].id, scans[-1].id


def _short(e: BaseException) -> str:
    text = str(e) or type(e).__name__
    return text if len(text) <= 120 else text[:117] + "..."


def _in(ip: str, net: ipaddress.IPv4Network | ipaddress.IPv6Network) -> bool:
    """True when ``ip`` (or, for a camera behind a recorder, its recorder) is in ``net``."""
    try:
        return ipaddress.ip_address(ip.partition("/ch")[0]) in net
    except ValueError:
        return False


__all__ = ["InventoryError", "SqlStore", "clean"]
