"""up/list/down of a background lab with a temporary state file (real process, loopback)."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from camaudit.errors import LabError
from camaudit.lab import control

NET = "127.67.0.0/28"
pytestmark = pytest.mark.lab


def _wait_dead(pid: int) -> None:
    deadline = time.monotonic() + 10
    while control.process_alive(pid) and time.monotonic() < deadline:
        time.sleep(0.02)
    assert not control.process_alive(pid)


def test_background_round_trip(tmp_path: Path) -> None:
    state, log = tmp_path / "lab.json", tmp_path / "lab.jsonl"
    devices = control.up(NET, 3, None, log, state, background=True)
    try:
        assert [d.ip for d in devices] == ["127.67.0.1", "127.67.0.2", "127.67.0.3"]
        assert control.list_devices(state) == devices
        pid = json.loads(state.read_text())["pid"]
        assert pid != os.getpid() and control.process_alive(pid)
        with socket.create_connection((devices[0].ip, 80), timeout=5) as conn:
            conn.sendall(b"GET /probe HTTP/1.0\r\n\r\n")
            assert conn.recv(12) == b"HTTP/1.1 404"
        with pytest.raises(LabError, match="already running"):
            control.up(NET, 1, None, None, state, background=True)
    finally:
        stopped = control.down(state)
    assert stopped == 3
    assert not state.exists() and control.list_devices(state) == []
    _wait_dead(pid)
    assert {"ip": "127.67.0.1", "port": 80, "proto": "http", "method": "GET",
            "path": "/probe"} in [json.loads(line) for line in log.read_text().splitlines()]


def test_down_cleans_up_after_a_killed_lab(tmp_path: Path) -> None:
    state = tmp_path / "lab.json"
    control.up(NET, 1, ["web-server"], None, state, background=True)
    pid = json.loads(state.read_text())["pid"]
    os.kill(pid, signal.SIGKILL)
    _wait_dead(pid)
    assert control.list_devices(state) == []
    assert control.down(state) == 0
    assert not state.exists()
    assert control.down(state) == 0


def test_stale_or_garbled_state_does_not_block_up(tmp_path: Path) -> None:
    state = tmp_path / "lab.json"
    state.write_text("{not json")
    assert control.list_devices(state) == []
    devices = control.up(NET, 1, ["home-router"], None, state, background=True)
    try:
        assert control.list_devices(state) == devices
    finally:
        assert control.down(state) == 1


def test_bind_failure_is_reported_by_the_background_server(tmp_path: Path) -> None:
    state = tmp_path / "lab.json"
    with socket.socket() as blocker:
        blocker.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        blocker.bind(("127.67.0.1", 80))
        blocker.listen()
        with pytest.raises(LabError, match=r"cannot bind 127\.67\.0\.1:80"):
            control.up(NET, 1, ["web-server"], None, state, background=True)
    assert not state.exists()


def test_default_state_path_honours_environment(monkeypatch: pytest.MonkeyPatch,
                                                tmp_path: Path) -> None:
    monkeypatch.setenv("CAMAUDIT_LAB_STATE", str(tmp_path / "s.json"))
    assert control.default_state_path() == tmp_path / "s.json"
    monkeypatch.delenv("CAMAUDIT_LAB_STATE")
    assert control.default_state_path().name == f"camaudit-lab-{os.getuid()}.json"


def test_a_reused_pid_is_never_signalled(tmp_path: Path) -> None:
    state = tmp_path / "lab.json"
    device = {"ip": "127.67.0.1", "mac": "02:00:00:00:00:01", "profile": "web-server",
              "maker": None, "brand": None, "model": None, "serial": "1", "ports": [80]}
    state.write_text(json.dumps({"pid": os.getpid(), "started": "1", "devices": [device]}))
    assert control.list_devices(state) == []
    assert control.down(state) == 0  # this test process is still alive to say so
    assert not state.exists()


def test_foreground_lab_stops_on_sigterm_and_removes_its_state(tmp_path: Path) -> None:
    state = tmp_path / "lab.json"
    src = Path(control.__file__).resolve().parents[2]
    code = ("import sys; from pathlib import Path; from camaudit.lab.control import up; "
            f"up('{NET}', 2, ['web-server'], None, Path(sys.argv[1]))")
    proc = subprocess.Popen([sys.executable, "-c", code, str(state)],
                            env={**os.environ, "PYTHONPATH": str(src)})
    try:
        deadline = time.monotonic() + 20
        while not control.list_devices(state) and time.monotonic() < deadline:
            assert proc.poll() is None
            time.sleep(0.02)
        assert [d.ip for d in control.list_devices(state)] == ["127.67.0.1", "127.67.0.2"]
        assert control.down(state) == 2
        assert proc.wait(timeout=10) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert not state.exists()
