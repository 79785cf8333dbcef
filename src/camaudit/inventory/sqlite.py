"""The embedded default store: one SQLite file (stdlib ``sqlite3``), WAL, one writer.

Every write runs in ``BEGIN IMMEDIATE ... COMMIT``: it takes SQLite's single write lock up front
(waiting up to ``busy_timeout`` for another process to finish), so a scan is saved whole or not
at all, and two processes saving at once are serialised rather than failing. Within a process a
lock serialises threads. ``synchronous=FULL`` makes a returned ``save_scan`` durable.
"""

from __future__ import annotations

import os
import sqlite3
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from camaudit.clock import now_iso
from camaudit.errors import InventoryError
from camaudit.inventory.migrate import Execute, migrate
from camaudit.inventory.sqlstore import SqlStore


def default_path() -> Path:
    """``$XDG_DATA_HOME/camaudit/inventory.db``, by default ``~/.local/share/camaudit/...``."""
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "camaudit" / "inventory.db"



def _wal(conn: sqlite3.Connection, busy_timeout: float) -> Any:
    """Switch to WAL. Two processes creating one new file at once may see "database is locked"
    here without SQLite's busy handler being asked (the switch needs the file to itself):
    retry, as the busy handler would, until ``busy_timeout``."""
    deadline = time.monotonic() + busy_timeout
    while True:
        try:
            return conn.execute("PRAGMA journal_mode = WAL").fetchone()
        except sqlite3.OperationalError as e:
            if "locked" not in str(e) or time.monotonic() > deadline:
                raise
            time.sleep(0.02)

class SqliteStore(SqlStore):
    """A store in the SQLite file at ``path`` (created with its directory unless ``create`` is
    false, in which case a missing file raises ``InventoryError``)."""

    def __init__(self, path: Path, *, create: bool = True, busy_timeout: float = 60.0) -> None:
        self.path = path
        self.location = str(path)
        if not create and not path.exists():
            raise InventoryError(f"no inventory at {path} (a scan with --db creates one)")
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as e:
            raise InventoryError(f"cannot create {path.parent}: {e.strerror or e}") from e
        self._lock = threading.Lock()
        try:
            self._conn = sqlite3.connect(str(path), timeout=busy_timeout, isolation_level=None,
                                         check_same_thread=False)
        except sqlite3.Error as e:
            raise InventoryError(f"cannot open inventory {path}: {e}") from e
        try:
            self._conn.execute(f"PRAGMA busy_timeout = {int(busy_timeout * 1000)}")
            mode = _wal(self._conn, busy_timeout)
            if mode is None or str(mode[0]).lower() != "wal":
                raise InventoryError(f"cannot put {path} in WAL mode (got {mode})")
            self._conn.execute("PRAGMA synchronous = FULL")
            self._conn.execute("PRAGMA foreign_keys = ON")
            with self._transaction() as execute:
                migrate(execute, "sqlite", now_iso())
        except sqlite3.Error as e:
            self._conn.close()
            raise InventoryError(f"cannot open inventory {path}: {e}") from e
        except InventoryError:
            self._conn.close()
            raise

    def _query(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        with self._lock:
            try:
                return self._conn.execute(sql, tuple(params)).fetchall()
            except sqlite3.Error as e:
                raise InventoryError(f"inventory {self.location}: {e}") from e

    @contextmanager
    def _transaction(self) -> Iterator[Execute]:
        def execute(sql: str, params: Sequence[Any]) -> list[tuple[Any, ...]]:
            return self._conn.execute(sql, tuple(params)).fetchall()

        with self._lock:
            try:
                self._conn.execute("BEGIN IMMEDIATE")
            except sqlite3.Error as e:
                raise InventoryError(f"inventory {self.location}: cannot lock: {e}") from e
            try:
                yield execute
                self._conn.execute("COMMIT")
            except BaseException as e:
                if self._conn.in_transaction:
                    self._conn.execute("ROLLBACK")
                if isinstance(e, sqlite3.Error):
                    raise InventoryError(f"inventory {self.location}: {e}") from e
                raise

    def _many(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        if rows:
            self._conn.executemany(sql, [tuple(r) for r in rows])

    def integrity_check(self) -> str:
        """``PRAGMA integrity_check``: ``ok`` for a sound file."""
        return "; ".join(str(r[0]) for r in self._query("PRAGMA integrity_check"))

    def close(self) -> None:
        with self._lock:
            self._conn.close()
