"""The lab and demo commands, end to end through the CLI (root: the lab binds real ports)."""

from __future__ import annotations

import json
import os
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
