"""A bounded on-disk queue of events waiting for a receiver: one SQLite file.

Events go in when a cycle hands them on and leave only when the receiver took them, so a
receiver that is down, or a watcher restarted meanwhile, loses nothing. The queue is bounded by
a number of events and a number of bytes: when a new event would pass either bound, the oldest
ones are dropped and the caller is told which (a warning). An event already queued (same id) is
not queued twice.

    queue = DiskQueue(path, max_events=10000, max_bytes=64 << 20)
    dropped = queue.put([(event.id, body)])
    for item in queue.peek(100): ...; queue.remove(item.seq)
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from camaudit.errors import UsageError

_SCHEMA = """
CREATE TABLE IF NOT EXISTS queue (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  id TEXT NOT NULL UNIQUE,
  body BLOB NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0
)
"""
# The rows past either bound, counting from the newest: the ones to drop.
_OVER = """
SELECT seq, id FROM (
  SELECT seq, id, SUM(length(body)) OVER (ORDER BY seq DESC) AS newer_bytes,
         ROW_NUMBER() OVER (ORDER BY seq DESC) AS newer
  FROM queue
) WHERE newer_bytes > ? OR newer > ? ORDER BY seq
"""


@dataclass(frozen=True, slots=True)
class Item:
    seq: int
    id: str
    body: bytes
    attempts: int


class DiskQueue:
    """The queue in the SQLite file ``path`` (created, with its directory, when missing)."""

    def __init__(self, path: Path, *, max_events: int = 10000, max_bytes: int = 64 << 20) -> None:
        self.path = path
        self.max_events = max_events
        self.max_bytes = max_bytes
        try:
            path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            self._conn = sqlite3.connect(str(path), timeout=30.0, isolation_level=None)
            self._conn.execute("PRAGMA journal_mode = WAL")
            self._conn.execute("PRAGMA synchronous = FULL")
            self._conn.execute(_SCHEMA)
        except (OSError, sqlite3.Error) as e:
            raise UsageError(f"cannot open event queue {path}: {e}") from e

    def _run(self, sql: str, params: Sequence[object] = ()) -> list[tuple[Any, ...]]:
        try:
            return self._conn.execute(sql, tuple(params)).fetchall()
        except sqlite3.Error as e:
            raise UsageError(f"event queue {self.path}: {e}") from e

    def put(self, items: Sequence[tuple[str, bytes]]) -> list[str]:
        """Queue ``(id, body)`` pairs in one transaction; return the ids of the events dropped
        to stay within the bounds (oldest first)."""
        try:
            with self._conn:
                self._conn.execute("BEGIN IMMEDIATE")
                self._conn.executemany("INSERT OR IGNORE INTO queue (id, body) VALUES (?, ?)",
                                       [(i, b) for i, b in items])
                over = self._conn.execute(_OVER, (self.max_bytes, self.max_events)).fetchall()
                self._conn.executemany("DELETE FROM queue WHERE seq = ?",
                                       [(seq,) for seq, _ in over])
        except sqlite3.Error as e:
            raise UsageError(f"event queue {self.path}: {e}") from e
        return [str(i) for _, i in over]

    def peek(self, n: int = 1) -> list[Item]:
        """The ``n`` oldest events."""
        rows = self._run("SELECT seq, id, body, attempts FROM queue ORDER BY seq LIMIT ?", (n,))
        return [Item(int(s), str(i), bytes(b), int(a)) for s, i, b, a in rows]

    def remove(self, seq: int) -> None:
        self._run("DELETE FROM queue WHERE seq = ?", (seq,))

    def attempted(self, seq: int) -> None:
        self._run("UPDATE queue SET attempts = attempts + 1 WHERE seq = ?", (seq,))

    def __len__(self) -> int:
        return int(self._run("SELECT COUNT(*) FROM queue")[0][0])

    def close(self) -> None:
        self._conn.close()
