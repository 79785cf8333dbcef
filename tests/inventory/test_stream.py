"""A scan recorded as it runs: batches, the low-water mark, resume, nothing lost."""

from __future__ import annotations

from pathlib import Path

from camaudit.inventory import open_store
from camaudit.inventory.store import full_scans
from camaudit.inventory.stream import ScanRecorder
from camaudit.model import Device

IPS = [f"10.0.0.{i}" for i in range(1, 11)]
OPTIONS = {"ports": [80], "depth": True}


def recorder(db: Path, batch: int = 2) -> ScanRecorder:
    return ScanRecorder(str(db), "2026-12-02T00:00:00Z", ["10.0.0.0/28"], OPTIONS, "hq",
                        batch=batch, every=3600)


def test_batches_are_saved_as_they_fill_and_the_scan_finishes(tmp_path: Path) -> None:
    db = tmp_path / "inv.db"
    rec = recorder(db)
    assert rec.start(IPS) == IPS
    for ip in IPS[:3]:
        rec.add([Device(ip=ip, maker="Axis")])
        rec.done(ip)
    store = open_store(db)
    try:
        assert [d.ip for d in store.scan_devices(rec.scan_id)] == IPS[:2]  # one batch of two
        assert full_scans(store.scans("hq")) == []  # running: not compared yet
    finally:
        store.close()
    rec.finish()
    rec.close()
    store = open_store(db)
    try:
        (info,) = full_scans(store.scans("hq"))
        assert info.device_count == 3 and info.finished
    finally:
        store.close()


def test_resume_skips_done_hosts_and_what_was_saved(tmp_path: Path) -> None:
    db = tmp_path / "inv.db"
    rec = recorder(db, batch=1)
    rec.start(IPS)
    # hosts finish out of order: 1, 2 and 4 done (4 with a device), 3 still running
    for ip in ("10.0.0.1", "10.0.0.2"):
        rec.done(ip)
    rec.add([Device(ip="10.0.0.4", maker="Axis")])
    rec.done("10.0.0.4")
    rec.flush()
    rec.store.close()  # the process dies here: no finish, no close
    again = recorder(db)
    todo = again.start(IPS, resume=True)
    assert again.resumed and again.scan_id == rec.scan_id and again.saved == 1
    # 1 and 2 are below the mark; 4 was saved; 3 and 5.. remain
    assert todo == ["10.0.0.3"] + IPS[4:]
    for ip in todo:
        again.add([Device(ip=ip, maker="Axis")] if ip == "10.0.0.3" else [])
        again.done(ip)
    again.finish()
    again.close()
    store = open_store(db)
    try:
        (info,) = store.scans("hq")
        assert [d.ip for d in store.scan_devices(info.id)] == ["10.0.0.3", "10.0.0.4"]
        assert info.finished
    finally:
        store.close()


def test_resume_without_an_unfinished_scan_starts_afresh(tmp_path: Path) -> None:
    db = tmp_path / "inv.db"
    rec = recorder(db)
    rec.start(IPS)
    rec.finish()
    rec.close()
    other = ScanRecorder(str(db), "t", ["10.0.0.0/28"], {"ports": [81]}, "hq")
    assert other.start(IPS, resume=True) == IPS and not other.resumed
    other.close()
