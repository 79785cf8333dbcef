"""Bring the lab up, list it, take it down (the functions behind ``camaudit lab up|list|down``).

A running lab is described by a state file (JSON ``{"pid", "started", "log", "devices":
[LabDevice.to_json()]}``) at ``state_path``, default ``$CAMAUDIT_LAB_STATE`` or
``<tmpdir>/camaudit-lab-<uid>.json``. Only one lab runs per state file. A state file whose
process is gone (or whose pid now belongs to a later process: the recorded start time differs)
is stale: ``down`` and ``up`` clean it up.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import camaudit
from camaudit.errors import LabError
from camaudit.lab.plan import DEFAULT_NET, LabDevice, plan, with_cameras
from camaudit.lab.server import serve_until_signal

READY_TIMEOUT = 60.0
STOP_TIMEOUT = 5.0


def default_state_path() -> Path:
    """``$CAMAUDIT_LAB_STATE`` or ``<tmpdir>/camaudit-lab-<uid>.json``."""
    env = os.environ.get("CAMAUDIT_LAB_STATE")
    if env:
        return Path(env)
    return Path(tempfile.gettempdir()) / f"camaudit-lab-{os.getuid()}.json"


@dataclass(frozen=True, slots=True)
class _State:
    pid: int
    started: str | None  # process start time (/proc/<pid>/stat field 22), guards pid reuse
    devices: list[LabDevice]

    def running(self) -> bool:
        return process_alive(self.pid, self.started)


def _read_state(path: Path) -> _State | None:
    """The state file, None when there is none; unreadable files count as stale (pid 0)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        started = data.get("started")
        return _State(int(data["pid"]), None if started is None else str(started),
                      [LabDevice.from_json(d) for d in data["devices"]])
    except FileNotFoundError:
        return None
    except (OSError, ValueError, KeyError, TypeError, AttributeError, LabError):
        return _State(0, None, [])


def _write_state(path: Path, pid: int, devices: list[LabDevice], log: Path | None) -> None:
    tmp = path.with_name(path.name + ".tmp")
    state = {"pid": pid, "started": _start_time(pid), "log": None if log is None else str(log),
             "devices": [d.to_json() for d in devices]}
    tmp.write_text(json.dumps(state, indent=1) + "\n", encoding="utf-8")
    os.replace(tmp, path)


def _proc_stat(pid: int) -> list[str] | None:
    """Fields of /proc/<pid>/stat after the command name (field 3 onwards), None if unknown."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[-1].split()
    except OSError:
        return None


def _start_time(pid: int) -> str | None:
    fields = _proc_stat(pid)
    return fields[19] if fields is not None and len(fields) > 19 else None


def process_alive(pid: int, started: str | None = None) -> bool:
    """True when ``pid`` runs (not a zombie) and, if ``started`` is given and /proc can tell,
    is the same process that was recorded (not a later one that reused the pid)."""
    if pid <= 0:
        return False
    with contextlib.suppress(ChildProcessError):
        if os.waitpid(pid, os.WNOHANG)[0] == pid:
            return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    fields = _proc_stat(pid)
    if fields is None:
        return True
    if fields[:1] == ["Z"]:
        return False
    return started is None or _start_time(pid) in (None, started)


def up(net: str = DEFAULT_NET, count: int | None = None, profiles: list[str] | None = None,
       log: Path | None = None, state_path: Path | None = None, background: bool = False,
       include_hostile: bool = False, *,
       on_ready: Callable[[list[LabDevice]], None] | None = None) -> list[LabDevice]:
    """Start a lab of ``count`` devices on ``net`` (see ``plan.plan``); return the ground truth
    of the devices on addresses. The state file, and so ``list_devices``, also holds the cameras
    behind recorders (``plan.with_cameras``), which the loopback lab does not run.

    ``background``: spawn a detached server process, wait until every socket is bound, write
    the state file and return. Otherwise serve in this process until SIGINT/SIGTERM (the state
    file exists while serving; ``on_ready(devices)`` is called once sockets are bound) and
    return after shutdown. ``log`` receives one JSON line per request. Raises ``LabError`` when
    a lab is already running for ``state_path``, on a bad plan, or when a port cannot be bound.
    """
    path = state_path or default_state_path()
    state = _read_state(path)
    if state is not None and state.running():
        raise LabError(f"a lab is already running (pid {state.pid}, state file {path}); "
                       "take it down first")
    if state is not None:
        path.unlink(missing_ok=True)
    devices = plan(net, count, profiles, include_hostile=include_hostile)
    everything = with_cameras(devices)
    log = None if log is None else log.resolve()
    if background:
        _write_state(path, _spawn(everything, log), everything, log)
        if on_ready is not None:
            on_ready(devices)
        return devices

    def ready() -> None:
        _write_state(path, os.getpid(), everything, log)
        if on_ready is not None:
            on_ready(devices)

    try:
        asyncio.run(serve_until_signal(everything, log, ready))
    finally:
        current = _read_state(path)
        if current is not None and current.pid == os.getpid():
            path.unlink(missing_ok=True)
    return devices


def _spawn(devices: list[LabDevice], log: Path | None) -> int:
    """Start ``python -m camaudit.lab.server --daemon``; return the serving process's pid."""
    cmd = [sys.executable, "-m", "camaudit.lab.server", "--daemon"]
    if log is not None:
        cmd += ["--log", str(log)]
    env = dict(os.environ)
    root = str(Path(camaudit.__file__).resolve().parent.parent)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (root, env.get("PYTHONPATH")) if p)
    proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL, env=env, start_new_session=True)
    payload = json.dumps([d.to_json() for d in devices]).encode()
    try:
        out, _ = proc.communicate(payload, timeout=READY_TIMEOUT)
    except subprocess.TimeoutExpired as e:
        proc.kill()
        proc.wait()
        raise LabError(f"lab server did not become ready within {READY_TIMEOUT:.0f} s") from e
    for line in out.decode("utf-8", "replace").splitlines():
        if line.startswith("READY "):
            return int(line.split()[1])
        if line.startswith("ERROR "):
            raise LabError(line[len("ERROR "):])
    raise LabError(f"lab server exited before it was ready (status {proc.returncode})")


def down(state_path: Path | None = None) -> int:
    """Stop the lab of ``state_path``; return how many devices were stopped (0: none running).

    Sends SIGTERM, waits up to ``STOP_TIMEOUT`` seconds, then SIGKILL. The state file is
    removed, also when it was stale (its process already gone).
    """
    path = state_path or default_state_path()
    state = _read_state(path)
    if state is None:
        return 0
    stopped = 0
    if state.running():
        os.kill(state.pid, signal.SIGTERM)
        if not _wait_gone(state, STOP_TIMEOUT):
            with contextlib.suppress(ProcessLookupError):
                os.kill(state.pid, signal.SIGKILL)
            _wait_gone(state, STOP_TIMEOUT)
        stopped = len(state.devices)
    path.unlink(missing_ok=True)
    return stopped


def _wait_gone(state: _State, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not state.running():
            return True
        time.sleep(0.02)
    return not state.running()


def list_devices(state_path: Path | None = None) -> list[LabDevice]:
    """Ground truth of the running lab of ``state_path``; empty when none is running."""
    path = state_path or default_state_path()
    state = _read_state(path)
    if state is None or not state.running():
        return []
    return state.devices
