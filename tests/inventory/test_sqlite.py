"""SQLite backend: WAL, the default path, crash safety under SIGKILL, concurrent writers."""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from camaudit.inventory import InventoryError, open_store
from camaudit.inventory.sqlite import SqliteStore, default_path

SRC = Path(__file__).resolve().parents[2] / "src"
DEVICES = 40
EVIDENCE = 5

# Saves scans of DEVICES devices (EVIDENCE evidence rows each) forever or N times, printing
# each scan id once save_scan has returned (that is, after COMMIT).
CHILD = f"""
import sys
from camaudit.inventory import ScanMeta, open_store
from camaudit.model import Device, Evidence, Port
store = open_store(sys.argv[1])
site, count = sys.argv[2], int(sys.argv[3])
print("ready", flush=True)
for i in range(count):
    devices = [Device(ip=f"10.0.{{k // 250}}.{{k % 250 + 1}}", maker="Dahua", brand="Lorex",
                      relabeled=True, ports=(Port(80), Port(37777)),
                      evidence=tuple(Evidence("tcp/80", "http.header.server", "x" * 200,
                                              f"rule-{{j}}") for j in range({EVIDENCE})))
               for k in range({DEVICES})]
    sid = store.save_scan(ScanMeta("2025-01-01T00:00:%02dZ" % (i % 60), (site,), {{"i": i}},
                                   site), devices)
    print(sid, flush=True)
"""


def child(db: Path, site: str, count: int) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": str(SRC)}
    return subprocess.Popen([sys.executable, "-c", CHILD, str(db), site, str(count)],
                            stdout=subprocess.PIPE, text=True, env=env)


def assert_sound(db: Path, committed: set[int]) -> None:
    store = SqliteStore(db)
    try:
        assert store.integrity_check() == "ok"
        ids = {s.id for s in store.scans()}
        assert committed <= ids
        conn = sqlite3.connect(db)
        try:
            for sid in ids:  # no half scan: every stored scan has all its rows
                n = conn.execute("SELECT COUNT(*) FROM sightings WHERE scan_id = ?",
                                 (sid,)).fetchone()[0]
                e = conn.execute("SELECT COUNT(*) FROM evidence WHERE scan_id = ?",
                                 (sid,)).fetchone()[0]
                assert (n, e) == (DEVICES, DEVICES * EVIDENCE), sid
        finally:
            conn.close()
    finally:
        store.close()


def test_sigkill_at_random_points_never_loses_a_committed_scan(tmp_path: Path) -> None:
    db = tmp_path / "crash.db"
    rng = random.Random(889)
    committed: set[int] = set()
    for _ in range(22):
        proc = child(db, "crash", 100000)
        assert proc.stdout is not None
        assert proc.stdout.readline().strip() == "ready"
        for _ in range(rng.randrange(0, 3)):
            committed.add(int(proc.stdout.readline()))
        time.sleep(rng.uniform(0, 0.03))  # lands anywhere: mid-transaction, mid-commit ...
        proc.send_signal(signal.SIGKILL)
        rest = proc.stdout.read()
        proc.stdout.close()
        proc.wait()
        assert proc.returncode == -signal.SIGKILL
        committed |= {int(x) for x in rest.split()}
        assert_sound(db, committed)
    assert len(committed) >= 10


def test_two_processes_saving_at_once_lose_nothing(tmp_path: Path) -> None:
    db = tmp_path / "two.db"
    SqliteStore(db).close()  # created and migrated; the writers race only on scans
    procs = [child(db, site, 12) for site in ("north", "south")]
    outputs = [p.communicate(timeout=60)[0] for p in procs]
    assert [p.returncode for p in procs] == [0, 0]
    ids = [{int(x) for x in out.split()[1:]} for out in outputs]
    assert len(ids[0]) == len(ids[1]) == 12 and not ids[0] & ids[1]
    assert_sound(db, ids[0] | ids[1])
    store = open_store(db)
    try:
        assert len(store.scans("north")) == len(store.scans("south")) == 12
    finally:
        store.close()


def test_two_processes_creating_a_new_store_at_once(tmp_path: Path) -> None:
    db = tmp_path / "fresh.db"
    procs = [child(db, site, 2) for site in ("a", "b")]
    assert [p.communicate(timeout=60)[1] for p in procs] == [None, None]
    assert [p.returncode for p in procs] == [0, 0]
    conn = sqlite3.connect(db)
    try:
        assert conn.execute("SELECT version FROM schema_version").fetchall() == [(1,)]
        assert conn.execute("PRAGMA journal_mode").fetchone() == ("wal",)
    finally:
        conn.close()


def test_default_path_follows_xdg(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("XDG_DATA_HOME", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    assert default_path() == tmp_path / ".local" / "share" / "camaudit" / "inventory.db"
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    assert default_path() == tmp_path / "data" / "camaudit" / "inventory.db"
    monkeypatch.delenv("CAMAUDIT_DB", raising=False)
    store = open_store()
    store.close()
    assert (tmp_path / "data" / "camaudit" / "inventory.db").exists()


def test_open_errors_name_the_file(tmp_path: Path) -> None:
    with pytest.raises(InventoryError, match="no inventory at .*missing.db"):
        open_store(tmp_path / "missing.db", create=False)
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"this is not a database, just bytes" * 100)
    with pytest.raises(InventoryError, match="junk.db"):
        open_store(junk)


def test_newer_schema_is_refused(tmp_path: Path) -> None:
    db = tmp_path / "new.db"
    SqliteStore(db).close()
    conn = sqlite3.connect(db)
    conn.execute("INSERT INTO schema_version VALUES (99, 'future', 'x')")
    conn.commit()
    conn.close()
    with pytest.raises(InventoryError, match="schema version 99 is newer"):
        open_store(db)
