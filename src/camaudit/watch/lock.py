"""One watcher per inventory and site: a lock held for the watcher's whole life.

SQLite: ``flock`` on ``<inventory>.watch/<site>.lock`` beside the inventory file, wherever
``--state-dir`` puts the rest (released by the kernel when the process ends, however it ends).
PostgreSQL: a session advisory lock on a key derived from the site, held by a connection of its
own (released when it closes or the process ends). A second watcher gets ``UsageError`` naming
the lock, and exits 2.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
from types import TracebackType
from typing import Any

from camaudit.errors import InventoryError, UsageError
from camaudit.inventory import is_postgres, resolve
from camaudit.inventory.postgres import redact
from camaudit.watch.state import ensure_dir, site_slug, state_dir

ONE_WATCHER = "one watcher per inventory and site"


def advisory_key(site: str) -> int:
    """The PostgreSQL advisory lock key (signed 64 bits) of the watcher of ``site``."""
    digest = hashlib.sha256(b"camaudit watch\0" + site.encode("utf-8", "surrogatepass"))
    return int.from_bytes(digest.digest()[:8], "big", signed=True)


class WatchLock:
    """Held from ``acquire`` (or ``with``) to ``release``; ``name`` says which lock it is."""

    def __init__(self, db: str | None, site: str) -> None:
        self.target = resolve(db)
        self.site = site
        self.directory = state_dir(db)
        self._fd: int | None = None
        self._conn: Any = None
        if is_postgres(self.target):
            self.name = (f"PostgreSQL advisory lock {advisory_key(site)} on "
                         f"{redact(self.target)}")
        else:
            self.name = f"lock file {self.directory / (site_slug(site) + '.lock')}"

    def acquire(self) -> WatchLock:
        if is_postgres(self.target):
            self._acquire_pg()
        else:
            self._acquire_file()
        return self

    def _held(self, holder: str = "") -> UsageError:
        return UsageError(f"another camaudit watch{holder} holds the {self.name} (site "
                          f"'{self.site}'): {ONE_WATCHER}")

    def _acquire_file(self) -> None:
        path = ensure_dir(self.directory) / (site_slug(self.site) + ".lock")
        try:
            fd = os.open(path, os.O_RDWR | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0), 0o600)
        except OSError as e:
            raise UsageError(f"cannot open the {self.name}: {e.strerror or e}") from e
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.read(fd, 32).decode("ascii", "replace").strip()
            os.close(fd)
            raise self._held(f" (pid {holder})" if holder.isdigit() else "") from None
        except OSError as e:
            os.close(fd)
            raise UsageError(f"cannot lock the {self.name}: {e.strerror or e}") from e
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        self._fd = fd

    def _acquire_pg(self) -> None:
        import psycopg

        try:
            conn = psycopg.connect(self.target, autocommit=True, connect_timeout=10)
        except psycopg.Error as e:
            first = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
            raise InventoryError(f"cannot connect to {redact(self.target)}: {first}") from e
        try:
            row = conn.execute("SELECT pg_try_advisory_lock(%s)",
                               (advisory_key(self.site),)).fetchone()
        except psycopg.Error as e:
            conn.close()
            raise InventoryError(f"cannot take the {self.name}: {e}") from e
        if not row or row[0] is not True:
            conn.close()
            raise self._held()
        self._conn = conn

    def release(self) -> None:
        if self._fd is not None:
            with contextlib.suppress(OSError):
                os.ftruncate(self._fd, 0)
            os.close(self._fd)  # closing the descriptor releases the flock
            self._fd = None
        if self._conn is not None:
            self._conn.close()  # the session ends, and its advisory lock with it
            self._conn = None

    def __enter__(self) -> WatchLock:
        return self.acquire()

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.release()
