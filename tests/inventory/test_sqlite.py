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
        # each migration applied exactly once, though two processes opened the new store
        assert conn.execute("SELECT version FROM schema_version").fetchall() == [(1,), (2,)]
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


def _corrupt_store(tmp_path: Path) -> str:
    """A store with two scans of three devices, one row's record made unreadable per scan
    (bad JSON in scan 1, a record of the wrong types in scan 2)."""
    from camaudit.inventory import ScanMeta
    from camaudit.model import Device

    path = str(tmp_path / "inv.db")
    store = open_store(path)
    for t in ("2025-01-01T00:00:00Z", "2025-02-01T00:00:00Z"):
        store.save_scan(ScanMeta(t, ("10.0.0.0/24",), {}, "hq"),
                        [Device(ip=f"10.0.0.{i}", maker="Dahua") for i in (1, 2, 3)])
    store.close()
    conn = sqlite3.connect(path)
    conn.execute("UPDATE sightings SET record = '{not json' WHERE scan_id = 1 AND ip = '10.0.0.2'")
    conn.execute("""UPDATE sightings SET record = '{"ip": "10.0.0.2", "confidence": "high"}'
                    WHERE scan_id = 2 AND ip = '10.0.0.2'""")
    conn.execute("UPDATE scans SET options = '[broken' WHERE id = 1")
    conn.commit()
    conn.close()
    return path


def test_a_corrupt_row_is_reported_and_skipped(tmp_path: Path) -> None:
    path = _corrupt_store(tmp_path)
    store = open_store(path, create=False)
    told: list[str] = []
    store.on_corrupt = told.append  # type: ignore[attr-defined]
    try:
        assert [d.ip for d in store.scan_devices(2)] == ["10.0.0.1", "10.0.0.3"]
        assert [s.device.ip for s in store.devices()] == ["10.0.0.1", "10.0.0.3"]
        assert store.history("10.0.0.2") == []
        assert [s.options for s in store.scans()] == [{}, {}]
        assert store.diff().scan_b == 2
    finally:
        store.close()
    assert told and all("\n" not in m and path in m for m in told)
    assert any("scan 1, device 10.0.0.2: corrupt record skipped" in m for m in told)
    assert any("scan 2, device 10.0.0.2: corrupt record skipped" in m for m in told)
    assert any("scan 1: corrupt targets or options" in m for m in told)


def test_check_usable_before_the_work(tmp_path: Path) -> None:
    from camaudit.inventory import check_usable

    check_usable(str(tmp_path / "new" / "inv.db"))  # can be created: fine, nothing created
    assert not (tmp_path / "new").exists()
    bad = tmp_path / "bad.db"
    bad.write_bytes(b"this is not a database" * 100)
    with pytest.raises(InventoryError):
        check_usable(str(bad))
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(InventoryError, match="not a writable directory"):
        check_usable(str(blocker / "inv.db"))
