"""The lab and demo commands, end to end through the CLI (root: the lab binds real ports)."""

from __future__ import annotations

import json
import os
import shutil
import socket
from pathlib import Path

import pytest
from click.testing import CliRunner

from camaudit.cli import cli
from camaudit.cli.lab import require_loopback_net

needs_root = pytest.mark.skipif(os.geteuid() != 0, reason="the lab binds ports below 1024")


@pytest.mark.parametrize("net", ["127.77.0.0/24", "127.0.0.0/8", "127.1.2.3/32"])
def test_loopback_networks_are_accepted(net: str) -> None:
    require_loopback_net(net)


@needs_root
@pytest.mark.lab
def test_lab_up_list_down_in_background(tmp_path: Path) -> None:
    state, log = tmp_path / "lab.json", tmp_path / "log.jsonl"
    runner = CliRunner()
    up = runner.invoke(cli, ["lab", "up", "--net", "127.76.0.0/28", "--devices", "3",
                             "--background", "--log", str(log), "--state", str(state)])
    assert up.exit_code == 0, up.output
    try:
        listed = runner.invoke(cli, ["lab", "list", "--format", "json", "--state", str(state)])
        devices = json.loads(listed.stdout)
        assert len(devices) == 3
        assert set(devices[0]) >= {"ip", "mac", "profile", "maker", "brand", "ports"}
        first = devices[0]
        with socket.create_connection((first["ip"], first["ports"][0]), timeout=2):
            pass
        again = runner.invoke(cli, ["lab", "up", "--net", "127.76.0.0/28", "--background",
                                    "--state", str(state)])
        assert again.exit_code == 2 and "camaudit: error:" in again.stderr
    finally:
        down = runner.invoke(cli, ["lab", "down", "--state", str(state)])
    assert down.exit_code == 0 and "3 device(s) stopped" in down.stderr
    assert json.loads(runner.invoke(cli, ["lab", "list", "--format", "json", "--state",
                                          str(state)]).stdout) == []


@needs_root
@pytest.mark.lab
def test_demo_scans_the_lab_and_writes_json(tmp_path: Path) -> None:
    out = tmp_path / "demo.json"
    result = CliRunner().invoke(cli, ["demo", "--net", "127.75.0.0/24", "--devices", "16",
                                      "-o", str(out)])
    assert result.exit_code == 0, result.output
    doc = json.loads(out.read_text())
    makers = {d["maker"] for d in doc["devices"]}
    assert {"Hikvision", "Dahua", "Xiongmai"} <= makers
    assert "maker right for 16/16 lab devices" in result.stderr


@pytest.mark.skipif(shutil.which("setpriv") is None or shutil.which("unshare") is None,
                    reason="needs util-linux setpriv and unshare")
def test_demo_without_the_right_to_bind_low_ports_runs_in_a_user_namespace(
        tmp_path: Path) -> None:
    """As a user who may not bind ports below 1024 (here: root without that capability),
    the demo re-runs itself in a private user and network namespace and scans the same lab."""
    import subprocess
    import sys

    drop = ["setpriv", "--bounding-set", "-net_bind_service", "--inh-caps",
            "-net_bind_service"]
    exe = str(Path(sys.executable).with_name("camaudit"))
    done = subprocess.run([*drop, exe, "demo", "--devices", "4", "-o", str(tmp_path / "d.json")],
                          capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "private user and network namespace" in done.stderr
    assert "maker right for 4/4 lab devices" in done.stderr
    assert (tmp_path / "d.html").exists()
    refused = subprocess.run([*drop, exe, "lab", "up", "-d", "--net", "127.61.0.0/29"],
                             capture_output=True, text=True, timeout=60)
    assert refused.returncode == 2 and "unshare --user" in refused.stderr
