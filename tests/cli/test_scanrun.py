"""The streamed scan end to end: SIGKILL mid-scan loses nothing recorded, --resume finishes it
with exactly the devices an uninterrupted scan finds; JSON lines stream as hosts finish."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from camaudit.lab.control import down, up

NET = "127.95.0.0/24"
# the lab's /24 plus three empty /24s: time enough to kill the scan mid-way
TARGETS = ["127.95.0.0/22"]
PORTS = "80,554,8000,37777"


def camaudit(*args: str, env: dict[str, str] | None = None) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "camaudit", *args], text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            env={**os.environ, **(env or {})})


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[list[str]]:
    state = tmp_path_factory.mktemp("lab") / "state.json"
    truth = up(NET, 12, ["hikvision-ipc", "dahua-ipc", "axis"], None, state, background=True)
    try:
        yield sorted(d.ip for d in truth)
    finally:
        down(state)


def saved(db: Path) -> int:
    try:
        with sqlite3.connect(db) as conn:
            return int(conn.execute("SELECT COUNT(*) FROM sightings").fetchone()[0])
    except sqlite3.Error:
        return 0


def scan_args(db: Path, out: Path) -> list[str]:
    return ["scan", *TARGETS, "-p", PORTS, "--timeout", "0.5", "--host-timeout", "6",
            "--banner-wait", "0.2", "--concurrency", "1", "--no-depth", "--format", "jsonl",
            "-o", str(out), "--db", str(db), "-q"]


def test_sigkill_then_resume_finds_every_device_once(lab: list[str], tmp_path: Path) -> None:
    db, first, rest = tmp_path / "inv.db", tmp_path / "first.jsonl", tmp_path / "rest.jsonl"
    proc = camaudit(*scan_args(db, first))
    deadline = time.monotonic() + 60
    while saved(db) < 1 and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert proc.poll() is None, "the scan ended before it could be killed"
    proc.send_signal(signal.SIGKILL)
    proc.communicate(timeout=10)
    kept = saved(db)
    assert 1 <= kept < len(lab)
    streamed = [json.loads(line)["ip"] for line in first.read_text().splitlines() if line]
    assert len(streamed) >= kept  # the output had them as soon as the inventory did
    done = camaudit(*scan_args(db, rest), "--resume")
    _, err = done.communicate(timeout=120)
    assert done.returncode in (0, 1), err
    ips = [json.loads(line)["ip"] for line in rest.read_text().splitlines() if line]
    assert sorted(ips) == lab  # earlier devices first, then the rest: each once
    with sqlite3.connect(db) as conn:
        rows = conn.execute("SELECT id, finished, device_count FROM scans").fetchall()
        ips_db = sorted(r[0] for r in conn.execute("SELECT ip FROM sightings"))
    assert len(rows) == 1 and rows[0][1] is not None and rows[0][2] == len(lab)
    assert ips_db == lab


def test_resume_needs_the_inventory() -> None:
    proc = camaudit("scan", "127.95.4.1", "--resume", "--no-db")
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 2 and "--resume" in err and "--no-db" in err
