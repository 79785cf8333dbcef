"""``camaudit watch`` end to end: --once on the loopback lab (events the first time, none the
second), the lock against a second watcher, SIGTERM between cycles, logs, and secrets kept out
of every message. Addresses: 127.0.0.0/8 only."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from camaudit.cli import cli
from camaudit.inventory import open_store
from camaudit.watch.sinks.webhook import SIGNATURE_HEADER, verify

LAB_NET = "127.93.0.0/28"
LAB_PROFILES = ["hikvision-ipc", "dahua-ipc", "axis"]
QUIET_HOST = "127.93.1.1"  # nothing listens there: a cycle finds no device
FAST = ["--timeout", "1", "--host-timeout", "8", "--banner-wait", "0.5"]


def run(*args: str, env: dict[str, str] | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, ["watch", *args], env=env)
    return result.exit_code, result.stdout, result.stderr


def _free_port(kind: int = socket.SOCK_STREAM) -> int:
    with socket.socket(socket.AF_INET, kind) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_once_with_nothing_found_records_a_scan_and_logs_json(tmp_path: Path) -> None:
    db = tmp_path / "inv.db"
    code, out, err = run(QUIET_HOST, "-p", "9", "--timeout", "0.3", "--once", "--db", str(db),
                         "--site", "lab", "--log-format", "json")
    assert code == 0 and out == ""
    logs = [json.loads(line) for line in err.splitlines()]
    assert [x["message"] for x in logs] == ["watching 1 host(s) every 300 s",
                                            "cycle 1: scan 1, 0 device(s), 0 event(s)"]
    assert logs[1]["scan_id"] == 1 and logs[1]["site"] == "lab"
    store = open_store(db)
    try:
        (scan,) = store.scans("lab")
        assert scan.options["watch"] is True and scan.targets == (QUIET_HOST,)
    finally:
        store.close()
    assert (tmp_path / "inv.db.watch").is_dir()


@pytest.mark.parametrize(("args", "message"), [
    ([], "no targets"),
    ([QUIET_HOST, "--interval", "0.5"], "Invalid value for '--interval'"),
    ([QUIET_HOST, "--webhook", "http://127.0.0.1:9/"], "needs exactly one of secret_env"),
    ([QUIET_HOST, "--syslog", "relp://127.0.0.1"], "bad syslog address"),
    ([QUIET_HOST, "--config", "/nonexistent/watch.toml"], "cannot read config"),
])
def test_usage_errors_are_one_line_and_exit_2(args: list[str], message: str) -> None:
    code, _, err = run(*args)
    assert code == 2 and message in err
    assert len(err.strip().splitlines()) == 1 or "Usage:" in err


def test_secrets_stay_out_of_stderr_when_the_webhook_is_down(tmp_path: Path) -> None:
    port = _free_port()
    secret = "Xyzzy-webhook-secret-42"
    config = tmp_path / "watch.toml"
    config.write_text(f'[webhook]\nurl = "http://127.0.0.1:{port}/hook/T0KEN-in-path"\n'
                      'secret_env = "HOOK_SECRET"\nbackoff = 0.05\n')
    with socket.socket() as listener:  # an open port: a device, so an event to deliver
        listener.bind(("127.0.0.1", 0))
        listener.listen(16)
        code, out, err = run("127.0.0.1", "-p", str(listener.getsockname()[1]), "--timeout",
                             "0.3", "--banner-wait", "0", "--no-depth", "--once", "--config",
                             str(config), "--db", str(tmp_path / "inv.db"), "--flush-timeout",
                             "0.3", "-v", env={"HOOK_SECRET": secret})
    assert code == 0
    assert [json.loads(line)["event"] for line in out.splitlines()] == ["new"]
    assert f"http://127.0.0.1:{port}: connection refused" in err
    assert "1 event(s) still queued; the next run sends them" in err
    assert secret not in err and "T0KEN" not in err and secret not in out


class _Receiver(ThreadingHTTPServer):
    secret = b""
    events: list[dict[str, Any]]


class _Hook(BaseHTTPRequestHandler):
    server: _Receiver

    def do_POST(self) -> None:  # noqa: N802 - http.server's name
        body = self.rfile.read(int(self.headers["Content-Length"]))
        if verify(body, self.server.secret, self.headers.get(SIGNATURE_HEADER)):
            self.server.events.append(json.loads(body))
        self.send_response(204)
        self.end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        return None


@pytest.fixture
def hook() -> Iterator[_Receiver]:
    server = _Receiver(("127.0.0.1", 0), _Hook)
    server.secret, server.events = b"lab-secret", []
    threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[list[Any]]:
    from camaudit.lab.control import down, up

    if os.geteuid() != 0:
        pytest.skip("the lab binds ports below 1024: needs root")
    state = tmp_path_factory.mktemp("watch-lab") / "state.json"
    devices = up(LAB_NET, None, LAB_PROFILES, None, state, background=True)
    try:
        yield devices
    finally:
        down(state)


@pytest.mark.lab
def test_once_on_the_lab_sends_new_events_the_first_time_and_none_the_second(
        lab: list[Any], hook: _Receiver, tmp_path: Path) -> None:
    udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    udp.bind(("127.0.0.1", 0))
    udp.settimeout(5)
    args = [LAB_NET, *FAST, "--once", "--db", str(tmp_path / "inv.db"), "--site", "lab",
            "--webhook", f"http://127.0.0.1:{hook.server_port}/hook",
            "--webhook-secret-env", "HOOK_SECRET",
            "--syslog", f"udp://127.0.0.1:{udp.getsockname()[1]}"]
    env = {"HOOK_SECRET": "lab-secret"}
    try:
        code, out, err = run(*args, env=env)
        assert code == 0, err
        events = [json.loads(line) for line in out.splitlines()]
        new = sorted(e["ip"] for e in events if e["event"] == "new")
        assert new == sorted(d.ip for d in lab)
        assert {e["site"] for e in events} == {"lab"}
        covered = {e["ip"] for e in events if e["event"] == "covered"}
        assert covered == {d.ip for d in lab if d.maker in ("Hikvision", "Dahua")}
        assert hook.events == events  # the webhook got the same, signed, in order
        datagrams = [udp.recv(65536) for _ in events]
        assert [json.loads(d.split(b"] ", 1)[1]) for d in datagrams] == events
        assert json.loads(out.splitlines()[0])["previous_scan_id"] is None

        code, out, err = run(*args, env=env)
        assert code == 0 and out == "", err
        assert "0 event(s)" in err and len(hook.events) == len(events)
    finally:
        udp.close()


def _spawn_watcher(db: Path, *extra: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "camaudit", "watch", QUIET_HOST, "-p", "9", "--timeout", "0.3",
         "--db", str(db), "--interval", "60", "--log-format", "json", *extra],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env={**os.environ, "CAMAUDIT_DB": str(db)})


def test_a_second_watcher_is_refused_and_sigterm_stops_the_first(tmp_path: Path) -> None:
    db = tmp_path / "inv.db"
    with _spawn_watcher(db, "--site", "hq") as first:
        try:
            assert first.stderr is not None
            lines = [json.loads(first.stderr.readline()) for _ in range(2)]
            assert lines[1]["message"].startswith("cycle 1: scan 1")
            code, _, err = run(QUIET_HOST, "-p", "9", "--once", "--db", str(db), "--site",
                               "hq")
            assert code == 2
            lock = tmp_path / "inv.db.watch"
            assert err.startswith(f"camaudit: error: another camaudit watch (pid {first.pid}) "
                                  f"holds the lock file {lock}/")
            assert err.rstrip().endswith("(site 'hq'): one watcher per inventory and site")
            assert len(err.splitlines()) == 1
            code, _, _ = run(QUIET_HOST, "-p", "9", "--timeout", "0.3", "--once", "--db",
                             str(db), "--site", "branch")
            assert code == 0  # another site has its own lock
            first.send_signal(signal.SIGTERM)
            _, rest = first.communicate(timeout=20)
        finally:
            first.kill()
    assert first.returncode == 0
    messages = [json.loads(line)["message"] for line in rest.splitlines()]
    assert messages == ["SIGTERM: stopping after the current cycle (a second signal aborts it)",
                        "stopped"]
    store = open_store(db)
    try:
        assert [s.site for s in store.scans()] == ["hq", "branch"]
    finally:
        store.close()


def test_every_takes_a_duration_with_a_unit() -> None:
    from camaudit.cli.watch import duration
    from camaudit.errors import UsageError

    assert [duration(t) for t in ("90s", "10m", "1h", "1d", "600", "1.5h")] == [
        90, 600, 3600, 86400, 600, 5400]
    for bad in ("1w", "h", "", "0s", "40d", "-5m"):
        with pytest.raises(UsageError, match="--every"):
            duration(bad)
