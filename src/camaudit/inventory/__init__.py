"""The inventory: scans kept as history, behind one ``Store`` protocol (see ``store.py``).

``open_store(None)`` opens the SQLite default (``~/.local/share/camaudit/inventory.db``),
``open_store("path/to.db")`` another SQLite file, ``open_store("postgresql://...")`` a PostgreSQL
database shared by many sites. docs/inventory.md describes the schema and the commands.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Sequence
from contextlib import closing
from pathlib import Path
from typing import Any

from camaudit.clock import now_iso
from camaudit.errors import InventoryError
from camaudit.inventory.store import (
    DeviceFilter,
    ScanDiff,
    ScanInfo,
    ScanMeta,
    Sighting,
    Store,
)
from camaudit.model import Device

ENV_DB = "CAMAUDIT_DB"
PG_SCHEMES = ("postgresql://", "postgres://")


def is_postgres(url_or_path: str | os.PathLike[str]) -> bool:
    return str(url_or_path).startswith(PG_SCHEMES)


def resolve(url_or_path: str | os.PathLike[str] | None) -> str:
    """The store to use: the argument, else ``$CAMAUDIT_DB``, else the default SQLite file."""
    from camaudit.inventory.sqlite import default_path

    if url_or_path is not None and str(url_or_path) != "":
        return str(url_or_path)
    return os.environ.get(ENV_DB) or str(default_path())


def open_store(url_or_path: str | os.PathLike[str] | None = None, *,
               create: bool = True) -> Store:
    """Open (and migrate) the store named by ``url_or_path`` (see ``resolve``). With ``create``
    false a missing SQLite file raises ``InventoryError`` instead of being created."""
    target = resolve(url_or_path)
    if is_postgres(target):
        from camaudit.inventory.postgres import PostgresStore

        return PostgresStore(target)
    from camaudit.inventory.sqlite import SqliteStore

    return SqliteStore(Path(target).expanduser(), create=create)


def check_usable(url_or_path: str | os.PathLike[str] | None = None) -> None:
    """Raise ``InventoryError`` now when the store named by ``url_or_path`` could not record a
    run: an existing store that cannot be opened or migrated, or a SQLite file that could not
    be created. Commands call it before their work, so that an unusable inventory costs no
    results. Nothing is created."""
    target = resolve(url_or_path)
    if is_postgres(target):
        open_store(target).close()
        return
    path = Path(target).expanduser()
    if path.exists():
        if not path.is_file():
            raise InventoryError(f"inventory {path} is not a file")
        open_store(path, create=False).close()
        if not os.access(path, os.R_OK | os.W_OK):
            raise InventoryError(f"inventory {path} is not writable")
        return
    parent = path.parent
    while not parent.exists() and parent != parent.parent:
        parent = parent.parent
    if not parent.is_dir() or not os.access(parent, os.W_OK | os.X_OK):
        raise InventoryError(f"cannot create inventory {path}: {parent} is not a writable "
                             "directory")


def record_scan(url_or_path: str | None, started: str, targets: Sequence[str],
                options: dict[str, Any], site: str, devices: Sequence[Device]) -> int:
    """Save one finished scan (all its devices, one transaction) and return its id.
    ``options["partial"]`` marks a scan of some devices only (not compared by default)."""
    meta = ScanMeta(started, tuple(targets), options, site, now_iso())
    # a run says itself what it found in its own field, even nothing; others keep the last
    carried = tuple(f for f, option in CARRIED.items() if option not in options)
    with closing(open_store(url_or_path)) as store:
        if carried:
            devices = [_carry(store, d, site, carried) for d in devices]
        return store.save_scan(meta, devices)


# Fields a network scan does not read itself -> the option naming the run that does.
CARRIED = {"screening": "screen", "egress": "egress"}


def _carry(store: Store, device: Device, site: str, fields: Sequence[str]) -> Device:
    """A network scan does not re-read capability documents (``screen --device``) or
    traffic evidence (``egress``): keep the device's last findings of each such field that
    this run left empty, until a run of that kind replaces them."""
    empty = [f for f in fields if not getattr(device, f)]
    if not empty:
        return device
    sighting = store.last_sighting(device.ip, site)
    if sighting is None:
        return device
    last = sighting.device
    kept = {f: getattr(last, f) for f in empty if getattr(last, f)}
    return dataclasses.replace(device, **kept) if kept else device


__all__ = ["DeviceFilter", "InventoryError", "ScanDiff", "ScanInfo", "ScanMeta", "Sighting",
           "Store", "check_usable", "is_postgres", "open_store", "record_scan", "resolve"]
