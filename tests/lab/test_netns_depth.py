"""Depth on the namespace lab (root): a scan from the scanner's namespace reads the cameras a
recorder has on its own segment (which the scanner cannot reach) and gets routed devices'
model and serial by unicast vendor searches; discovery finds an unactivated device through a
router. Its own lab: the default one plus an unactivated Hikvision camera behind the router."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from camaudit.lab import LAB_PASSWORD, LAB_USER, netns

SRC = str(Path(__file__).resolve().parents[2] / "src")
ROUTED = ("dahua-ipc", "hikvision-unactivated")
needs_root = pytest.mark.skipif(os.geteuid() != 0 or shutil.which("ip") is None,
                                reason="the namespace lab needs root and iproute2")


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[list[netns.NetnsDevice],
                                                                      Path]]:
    if os.geteuid() != 0 or shutil.which("ip") is None:
        pytest.skip("the namespace lab needs root and iproute2")
    tmp = tmp_path_factory.mktemp("netns-depth")
    creds = tmp / "lab.toml"
    creds.write_text(f'[[credential]]\nnet = "10.213.0.0/16"\nuser = "{LAB_USER}"\n'
                     f'password = "{LAB_PASSWORD}"\n')
    os.chmod(creds, 0o600)
    try:
        yield netns.netns_up(routed=ROUTED), creds
    finally:
        netns.netns_down()


def scan(*args: str) -> dict[str, dict[str, object]]:
    env = dict(os.environ, PYTHONPATH=SRC)
    done = subprocess.run(
        ["ip", "netns", "exec", netns.SCAN_NS, sys.executable, "-m", "camaudit", "scan", *args,
         "--timeout", "1", "--banner-wait", "0.3", "--format", "json", "--no-db"],
        capture_output=True, text=True, env=env, timeout=180, check=False)
    assert done.returncode in (0, 1), done.stderr
    assert LAB_PASSWORD not in done.stdout + done.stderr
    return {d["ip"]: d for d in json.loads(done.stdout)["devices"]}


@needs_root
def test_cameras_behind_recorders_from_the_scanners_namespace(
        lab: tuple[list[netns.NetnsDevice], Path]) -> None:
    devices, creds = lab
    recorders = [nd for nd in devices if any(c.behind == nd.namespace for c in devices)]
    found = scan(*(nd.device.ip for nd in recorders), "--credentials", str(creds))
    for camera in (nd for nd in devices if nd.behind is not None):
        truth = camera.device
        got = found.get(truth.ip)
        assert got is not None, truth.ip
        assert (got["recorder"], got["channel"], got["segment_ip"]) == (
            truth.recorder, truth.channel, truth.segment_ip)
        assert (got["serial"], got["firmware"]) == (truth.serial, truth.firmware)
        if truth.model:  # the recorder names the maker of the cameras it knows the model of
            assert (got["maker"], got["model"]) == (truth.maker, truth.model), truth.ip


@needs_root
def test_routed_devices_get_depth_by_unicast_and_the_unactivated_one_is_found(
        lab: tuple[list[netns.NetnsDevice], Path]) -> None:
    devices, _ = lab
    routed = {nd.device.profile: nd.device for nd in devices if nd.routed}
    assert set(routed) == set(ROUTED)
    found = scan(*(d.ip for d in routed.values()))  # no credentials
    dahua = found[routed["dahua-ipc"].ip]
    assert (dahua["model"], dahua["serial"]) == (routed["dahua-ipc"].model,
                                                 routed["dahua-ipc"].serial)
    assert any(e["source"].startswith("udp/37810") for e in dahua["evidence"])
    assert not [x for x in dahua["exposures"] if x["id"] == "not-activated"]
    # an unactivated camera serves no ONVIF and here no web page: its SADP answer, asked by
    # unicast through the router, is what tells
    unactivated = routed["hikvision-unactivated"]
    env = dict(os.environ, PYTHONPATH=SRC)
    done = subprocess.run(
        ["ip", "netns", "exec", netns.SCAN_NS, sys.executable, "-m", "camaudit", "discover",
         "--iface", netns.SCAN_IFACE, "--passive", "--target", unactivated.ip, "--wait", "2",
         "--no-mdns", "--format", "json", "--no-db"],
        capture_output=True, text=True, env=env, timeout=120, check=False)
    assert done.returncode in (0, 1), done.stderr
    (hik,) = json.loads(done.stdout)["devices"]
    assert (hik["ip"], hik["serial"]) == (unactivated.ip, unactivated.serial)
    assert [x["id"] for x in hik["exposures"]] == ["not-activated"]
