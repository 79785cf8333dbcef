"""The namespace lab: pure command plan, and (root only) discovery end to end."""

from __future__ import annotations

import json
import os
import shutil
import socket
import struct
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from camaudit.lab import netns

SRC = str(Path(__file__).resolve().parents[2] / "src")
DISCOVERY_PORTS = {37020, 37810, 34569, 5050, 3702, 1900, 5353}


def test_every_command_stays_inside_lab_namespaces() -> None:
    devices = netns.plan_netns()
    for cmd in netns.build_commands(devices):
        assert cmd[0] == "ip"
        if cmd[1] == "-n":
            assert cmd[2].startswith(netns.PREFIX)
        else:
            assert cmd[1] == "netns" and cmd[3].startswith(netns.PREFIX)
        if "peer" in cmd:  # the peer end goes into a lab namespace, never the host's
            assert cmd[cmd.index("netns", 4) + 1].startswith(netns.PREFIX)


def test_plan_has_one_device_per_discovery_profile_plus_routed() -> None:
    devices = netns.plan_netns()
    local = [d for d in devices if not d.routed and d.behind is None]
    assert sorted(d.device.profile for d in local) == netns.discovery_profiles()
    assert {d.device.ip.rsplit(".", 1)[0] for d in local} == {netns.SEGMENT}
    (routed,) = [d for d in devices if d.routed]
    assert routed.device.ip.startswith(netns.ROUTED + ".")
    assert len({d.device.mac for d in devices}) == len(devices)
    assert len({d.namespace for d in devices}) == len(devices)


needs_root = pytest.mark.skipif(os.geteuid() != 0 or shutil.which("ip") is None,
                                reason="needs root and iproute2")


class HostCapture:
    """Counts discovery-port UDP packets on every host interface (AF_PACKET, root ns)."""

    def __init__(self) -> None:
        self.sock = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.ntohs(0x0003))
        self.sock.setblocking(False)

    def count(self) -> int:
        hits = 0
        while True:
            try:
                frame = self.sock.recv(65535)
            except BlockingIOError:
                return hits
            if len(frame) < 42 or frame[12:14] != b"\x08\x00" or frame[23] != 17:
                continue
            ihl = (frame[14] & 0x0F) * 4
            sport, dport = struct.unpack_from("!HH", frame, 14 + ihl)
            hits += bool({sport, dport} & DISCOVERY_PORTS)


@pytest.fixture(scope="module")
def lab() -> Iterator[tuple[list[netns.NetnsDevice], HostCapture]]:
    capture = HostCapture()
    capture.count()
    try:
        yield netns.netns_up(), capture
    finally:
        netns.netns_down()
        capture.sock.close()


def camaudit_in_scan_ns(*args: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, PYTHONPATH=SRC)
    return subprocess.run(
        ["ip", "netns", "exec", netns.SCAN_NS, sys.executable, "-m", "camaudit", *args],
        capture_output=True, text=True, env=env, timeout=60, check=False)


def discover(*args: str) -> list[dict[str, object]]:
    done = camaudit_in_scan_ns("discover", "--iface", netns.SCAN_IFACE, "--format", "json",
                               *args)
    assert done.returncode in (0, 1), done.stderr
    devices: list[dict[str, object]] = json.loads(done.stdout)["devices"]
    return devices


def rules_of(device: dict[str, object]) -> set[str]:
    return {e["rule"] for e in device["evidence"]}  # type: ignore[attr-defined]


def assert_identity(found: dict[str, dict[str, object]], nd: netns.NetnsDevice) -> None:
    d = found[nd.device.ip]
    assert (d["maker"], d["mac"]) == (nd.device.maker, nd.device.mac), nd.device.profile
    assert d["model"] == nd.device.model, nd.device.profile
    if nd.device.profile != "axis":  # SSDP carries no serial
        assert d["serial"] == nd.device.serial, nd.device.profile


@needs_root
def test_discover_finds_every_lab_device(lab: tuple[list[netns.NetnsDevice], HostCapture]
                                         ) -> None:
    devices, _ = lab
    found = {str(d["ip"]): d for d in discover("--wait", "2")}
    for nd in devices:
        if nd.behind is not None:  # on its recorder's own segment: discovery never sees it
            assert nd.device.segment_ip not in found
            continue
        if nd.routed:
            assert nd.device.ip not in found  # multicast does not cross the router
            continue
        assert_identity(found, nd)
        # Dahua firmware also answered the legacy binary search (UDP 5050), others did not.
        legacy = "dahua-legacy-discovery" in rules_of(found[nd.device.ip])
        assert legacy == nd.device.profile.startswith("dahua-"), nd.device.profile
    oem = next(found[nd.device.ip] for nd in devices if nd.device.profile == "dahua-oem")
    assert (oem["brand"], oem["relabeled"]) == ("Lorex", True)
    axis = next(found[nd.device.ip] for nd in devices if nd.device.profile == "axis")
    assert axis["hostnames"]  # mDNS


@needs_root
def test_scan_iface_alone_discovers_and_merges(
        lab: tuple[list[netns.NetnsDevice], HostCapture]) -> None:
    devices, _ = lab
    done = camaudit_in_scan_ns("scan", "--iface", netns.SCAN_IFACE, "--no-db", "--format",
                               "json", "--timeout", "0.5", "--host-timeout", "5")
    assert done.returncode == 1, done.stderr  # Hikvision and Dahua devices are covered
    found = {d["ip"]: d for d in json.loads(done.stdout)["devices"]}
    local = [nd for nd in devices if not nd.routed and nd.behind is None]
    assert set(found) == {nd.device.ip for nd in local}
    for nd in local:
        assert_identity(found, nd)
    dahua = next(found[nd.device.ip] for nd in local if nd.device.profile == "dahua-ipc")
    assert {"dahua-dhip", "dahua-legacy-discovery"} <= rules_of(dahua)
    assert any(v["status"] == "covered" for v in dahua["verdicts"])


@needs_root
def test_passive_listen_records_announcements(
        lab: tuple[list[netns.NetnsDevice], HostCapture]) -> None:
    devices, _ = lab
    found = {d["ip"]: d for d in discover("--passive", "--listen", "3", "--no-mdns")}
    announcers = [nd for nd in devices if not nd.routed and nd.behind is None
                  and nd.device.profile in ("hikvision-ipc", "dahua-ipc", "axis")]
    for nd in announcers:
        d = found[nd.device.ip]
        assert d["maker"] == nd.device.maker
        sources = {e["source"] for e in d["evidence"]}  # type: ignore[attr-defined]
        assert any(s.endswith("announcement") for s in sources), sources
    assert set(found) == {nd.device.ip for nd in announcers}  # nothing was probed


@needs_root
def test_unicast_discovery_of_a_routed_device(
        lab: tuple[list[netns.NetnsDevice], HostCapture]) -> None:
    devices, _ = lab
    (routed,) = [nd for nd in devices if nd.routed]
    found = discover("--passive", "--target", routed.device.ip, "--wait", "2", "--no-mdns")
    (d,) = found
    assert d["ip"] == routed.device.ip
    assert (d["maker"], d["model"], d["serial"], d["mac"]) == (
        routed.device.maker, routed.device.model, routed.device.serial, routed.device.mac)
    assert {"port": 80, "proto": "tcp", "service": "onvif"} in d["ports"]  # type: ignore


@needs_root
def test_no_discovery_traffic_reached_the_host(
        lab: tuple[list[netns.NetnsDevice], HostCapture]) -> None:
    discover("--wait", "1", "--no-mdns")
    assert lab[1].count() == 0


def test_cameras_behind_a_recorder_get_their_own_segment() -> None:
    devices = netns.plan_netns()
    cameras = [d for d in devices if d.behind is not None]
    recorders = {d.namespace: d for d in devices if d.namespace in {c.behind for c in cameras}}
    assert {r.device.profile for r in recorders.values()} == {"hikvision-nvr", "dahua-nvr"}
    assert all(r.serves for r in recorders.values()) and all(c.serves for c in cameras)
    cmds = netns.build_commands(devices)
    for camera in cameras:
        # the camera's link is a port of the recorder's seg0 bridge, not of any lab segment
        assert ["ip", "-n", camera.behind, "link", "set", f"v{devices.index(camera)}",
                "master", "seg0", "up"] in cmds
        assert ["ip", "-n", camera.namespace, "addr", "add", f"{camera.device.segment_ip}/24",
                "dev", "eth0"] in cmds
    for cmd in cmds:  # nothing routes to a recorder's segment, and no one forwards into it
        assert "ip_forward=1" not in cmd or cmd[3] == netns.ROUTER_NS
        if cmd[:4] == ["ip", "-n", netns.ROUTER_NS, "route"]:
            raise AssertionError(cmd)


def _in_ns(namespace: str, code: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, PYTHONPATH=SRC)
    return subprocess.run(["ip", "netns", "exec", namespace, sys.executable, "-c", code],
                          capture_output=True, text=True, env=env, timeout=60, check=False)


_FETCH = """
import base64, sys, urllib.request
req = urllib.request.Request(sys.argv[1] if len(sys.argv) > 1 else URL)
req.add_header("Authorization", "Basic " + base64.b64encode(b"lab-operator:lab-screening-pw")
               .decode())
print(urllib.request.urlopen(req, timeout=5).read().decode())
"""
_CONNECT = """
import socket
try:
    socket.create_connection((HOST, 80), timeout=2).close()
    print("reached")
except OSError as e:
    print("unreachable", e)
"""


@needs_root
def test_cameras_behind_a_recorder_are_named_by_it_but_not_reachable(
        lab: tuple[list[netns.NetnsDevice], HostCapture]) -> None:
    devices, _ = lab
    nvr = next(nd for nd in devices if nd.device.profile == "hikvision-nvr" and not nd.routed)
    cameras = [nd for nd in devices if nd.behind == nvr.namespace]
    url = f"http://{nvr.device.ip}/ISAPI/ContentMgmt/InputProxy/channels"
    listed = _in_ns(netns.SCAN_NS, f"URL = {url!r}\n" + _FETCH)
    assert listed.returncode == 0, listed.stderr
    for camera in cameras:
        assert f"<ipAddress>{camera.device.segment_ip}</ipAddress>" in listed.stdout
        assert f"<serialNumber>{camera.device.serial}</serialNumber>" in listed.stdout
        host = f"HOST = {camera.device.segment_ip!r}\n"
        assert _in_ns(netns.SCAN_NS, host + _CONNECT).stdout.startswith("unreachable")
        assert _in_ns(nvr.namespace, host + _CONNECT).stdout.startswith("reached")


@needs_root
def test_down_sweeps_everything_also_after_a_crash() -> None:
    subprocess.run(["ip", "netns", "add", f"{netns.PREFIX}stale"], check=True)
    assert netns.netns_down() >= 1
    assert netns.lab_namespaces() == []
    assert netns.running_devices() == []
