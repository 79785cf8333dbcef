"""Where a watcher keeps its few files, and the cursor: the last scan whose events it handed on.

The inventory is the state: each cycle's scan is recorded there, and events are the difference
between two recorded scans. The cursor only says how far event delivery got, so that a watcher
killed between recording a scan and handing on its events sends them after a restart (with the
same ids), and a watcher stopped cleanly sends nothing twice.

The state directory is ``<inventory file>.watch/`` beside a SQLite inventory, and
``$XDG_STATE_HOME/camaudit/watch/<host-and-database>/`` for PostgreSQL (``--state-dir`` names
another). Per site it holds ``<site>.lock``, ``<site>.cursor.json`` and the sinks' queues.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from dataclasses import dataclass
from pathlib import Path

from camaudit.errors import UsageError
from camaudit.inventory import is_postgres, resolve
from camaudit.inventory.postgres import redact


def site_slug(site: str) -> str:
    """A file-name-safe name for ``site``, unique per site (a hash of the exact name)."""
    readable = re.sub(r"[^A-Za-z0-9_.-]+", "_", site)[:40].strip("._") or "site"
    return f"{readable}-{hashlib.sha256(site.encode('utf-8', 'surrogatepass')).hexdigest()[:8]}"


def state_dir(db: str | None, override: Path | None = None) -> Path:
    """The state directory of watchers on the inventory ``db`` (see the module doc)."""
    if override is not None:
        return override.expanduser()
    target = resolve(db)
    if is_postgres(target):
        base = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
        digest = hashlib.sha256(redact(target).encode()).hexdigest()[:16]
        return Path(base) / "camaudit" / "watch" / digest
    path = Path(target).expanduser()
    return path.with_name(path.name + ".watch")


def ensure_dir(path: Path) -> Path:
    try:
        path.mkdir(parents=True, exist_ok=True, mode=0o700)
    except OSError as e:
        raise UsageError(f"cannot create watch state directory {path}: "
                         f"{e.strerror or e}") from e
    return path


@dataclass(frozen=True, slots=True)
class Mark:
    """A scan by id and time (the time guards against a cursor outliving its inventory)."""

    scan_id: int
    time: str


class Cursor:
    """The last scan of one site whose events every sink took, in ``path`` (JSON)."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def read(self) -> Mark | None:
        """The mark, or None when there is none or the file is not a cursor."""
        try:
            raw = json.loads(self.path.read_text(encoding="utf-8"))
            return Mark(int(raw["scan_id"]), str(raw["time"]))
        except FileNotFoundError:
            return None
        except (OSError, ValueError, TypeError, KeyError):
            return None

    def write(self, mark: Mark, site: str) -> None:
        """Replace the mark atomically (a crash leaves the old one or the new one)."""
        tmp = self.path.with_name(self.path.name + ".tmp")
        data = json.dumps({"scan_id": mark.scan_id, "time": mark.time, "site": site})
        try:
            with open(tmp, "w", encoding="utf-8") as f:
                f.write(data + "\n")
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, self.path)
        except OSError as e:
            raise UsageError(f"cannot write watch cursor {self.path}: {e.strerror or e}") from e
