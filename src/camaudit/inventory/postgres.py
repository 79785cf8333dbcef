"""The multi-site store: PostgreSQL through ``psycopg`` (v3), same schema and queries as SQLite.

Selected by a ``postgresql://`` (or ``postgres://``) URL. Many scanners, one per site, may save
at once: each scan is one transaction, ids come from an identity column, so concurrent writers
never collide. Migrations run under a transaction-scoped advisory lock, so two processes opening
a new database at once apply each migration exactly once.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from camaudit.clock import now_iso
from camaudit.errors import InventoryError
from camaudit.inventory.migrate import Execute, migrate
from camaudit.inventory.sqlstore import SqlStore

# pg_advisory_xact_lock key for migrations: "camaudit" read as digits.
MIGRATION_LOCK = 0x63616D6175646974


def _pg(sql: str) -> str:
    # Queries are written with ? parameter markers and contain no literal ? or %.
    return sql.replace("%", "%%").replace("?", "%s")


def redact(url: str) -> str:
    """``url`` without its password, for messages."""
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.hostname or ""
    netloc = f"{parts.username}:***@{host}" + (f":{parts.port}" if parts.port else "")
    return urlunsplit(parts._replace(netloc=netloc))


class PostgresStore(SqlStore):
    """A store in the PostgreSQL database at ``url`` (tables in its default schema)."""

    def __init__(self, url: str, *, connect_timeout: int = 10) -> None:
        import psycopg

        self.location = redact(url)
        self._lock = threading.Lock()
        self._error: type[Exception] = psycopg.Error
        try:
            self._conn = psycopg.connect(url, autocommit=True, connect_timeout=connect_timeout)
        except psycopg.Error as e:
            raise InventoryError(f"cannot connect to {self.location}: "
                                 f"{str(e).strip().splitlines()[0] if str(e) else e}") from e
        try:
            with self._transaction() as execute:
                execute("SELECT pg_advisory_xact_lock(?)", (MIGRATION_LOCK,))
                migrate(execute, "postgresql", now_iso())
        except BaseException:
            self._conn.close()
            raise

    def _query(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        with self._lock:
            try:
                cur = self._conn.execute(_pg(sql), tuple(params))
                return cur.fetchall() if cur.description is not None else []
            except self._error as e:
                raise InventoryError(f"inventory {self.location}: {e}") from e

    @contextmanager
    def _transaction(self) -> Iterator[Execute]:
        def execute(sql: str, params: Sequence[Any]) -> list[tuple[Any, ...]]:
            cur = self._conn.execute(_pg(sql) if params else sql,
                                     tuple(params) if params else None)
            return cur.fetchall() if cur.description is not None else []

        with self._lock:
            try:
                with self._conn.transaction():
                    yield execute
            except self._error as e:
                raise InventoryError(f"inventory {self.location}: {e}") from e

    def _many(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        if rows:  # psycopg pipelines an executemany: one round trip for the lot
            with self._conn.cursor() as cur:
                cur.executemany(_pg(sql), [tuple(r) for r in rows])

    def close(self) -> None:
        with self._lock:
            self._conn.close()
