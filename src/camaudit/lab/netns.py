"""The namespace lab (root): emulated devices on their own L2 segment, for discovery.

``netns_up()`` builds, with ``ip`` (iproute2), entirely inside network namespaces named
``camaudit-*`` (the host's own namespace gets no interface, address or route)::

    camaudit-br    bridge br0: segment 10.213.0.0/24
    camaudit-scan  lab0 10.213.0.2 on br0, default route via the router   <- run discover here
    camaudit-rtr   eth0 10.213.0.1 on br0; br1 10.213.1.1: a second, routed segment
    camaudit-dN    eth0 with the profile's OUI MAC, 10.213.0.(10+N) on br0, or 10.213.1.(10+N)
                   on br1 for the routed devices; a responder process answers discovery
    camaudit-cN    a camera behind a recorder (lab/plan.py ``with_cameras``): eth0 on bridge
                   seg0 inside its recorder's namespace, at its ``segment_ip`` (e.g.
                   192.168.254.2), default route via the recorder's seg0 address (host 1)

Each device namespace runs ``python -m camaudit.lab.responders``. A recorder with cameras also
runs ``python -m camaudit.lab.server`` (its HTTP/RTSP/... ports, whose channel documents name
the cameras), and each camera namespace runs the server for that camera on its segment address.
The recorder does not forward (a new namespace's ``ip_forward`` is 0) and nothing routes to a
recorder's segment, so from ``camaudit-scan`` the cameras can only be read through the
recorder's channel list, never reached directly. ``netns_down()`` sweeps
every ``camaudit-*`` namespace: it stops the processes inside (by pid, from ``ip netns pids``)
and deletes the namespace, which removes its links. ``netns_up`` sweeps first, so a crashed
earlier run leaves nothing behind.
"""

from __future__ import annotations

import contextlib
import dataclasses
import ipaddress
import json
import os
import selectors
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import camaudit
from camaudit.errors import LabError
from camaudit.lab.plan import LabDevice, plan, with_cameras
from camaudit.lab.profiles import load_profiles

PREFIX = "camaudit-"
BRIDGE_NS = "camaudit-br"
SCAN_NS = "camaudit-scan"
ROUTER_NS = "camaudit-rtr"
SCAN_IFACE = "lab0"
SEGMENT = "10.213.0"
ROUTED = "10.213.1"
SCAN_IP = f"{SEGMENT}.2"
DEFAULT_ROUTED = ("dahua-ipc",)
READY_TIMEOUT = 30.0
STOP_TIMEOUT = 3.0


@dataclass(frozen=True, slots=True)
class NetnsDevice:
    """One emulated device of the namespace lab: its namespace, ground truth and segment.
    ``behind`` is the recorder's namespace for a camera behind a recorder."""

    namespace: str
    device: LabDevice
    routed: bool
    behind: str | None = None

    def to_json(self) -> dict[str, object]:
        return {"namespace": self.namespace, "routed": self.routed, "behind": self.behind,
                **self.device.to_json()}

    @property
    def serves(self) -> bool:
        """Whether the lab server runs in this namespace (a recorder with cameras, a camera)."""
        return self.behind is not None or bool(_segment_of(self.device))


def _segment_of(device: LabDevice) -> str:
    """The recorder's own segment (``192.168.254.0/24``), "" when it has no cameras."""
    spec = load_profiles()[device.profile].recorder
    return "" if spec is None or device.recorder is not None else spec.segment


def discovery_profiles() -> list[str]:
    """Profiles with a ``discovery:`` section, sorted."""
    return sorted(p.id for p in load_profiles().values() if p.discovery and not p.hostile)


def plan_netns(profiles: list[str] | None = None,
               routed: tuple[str, ...] = DEFAULT_ROUTED) -> list[NetnsDevice]:
    """One device per profile on the segment, plus one per ``routed`` profile behind the
    router, then the cameras behind the recorders among them (``plan.with_cameras``), each in
    its own namespace behind its recorder. MACs, models and serials come from ``plan.plan``
    (deterministic)."""
    names = profiles or discovery_profiles()
    # Routed devices take plan indices after the segment's, so their MACs differ from it.
    base = plan("127.213.0.0/24", len(names), names)
    if routed:
        total = len(names) + len(routed)
        base += plan("127.213.1.0/24", total, list(routed))[len(names):]
    out = []
    for i, dev in enumerate(base):
        is_routed = i >= len(names)
        ip = f"{ROUTED if is_routed else SEGMENT}.{10 + i}"
        out.append(NetnsDevice(f"{PREFIX}d{i}", dataclasses.replace(dev, ip=ip), is_routed))
    by_ip = {nd.device.ip: nd for nd in out}
    cameras = with_cameras([nd.device for nd in out])[len(out):]
    for i, camera in enumerate(cameras):
        recorder = by_ip[camera.recorder or ""]
        out.append(NetnsDevice(f"{PREFIX}c{i}", camera, recorder.routed, recorder.namespace))
    return out


def build_commands(devices: list[NetnsDevice]) -> list[list[str]]:
    """The ``ip`` commands that build the lab (pure; ``netns_up`` runs them in order)."""
    br, sc, rt = BRIDGE_NS, SCAN_NS, ROUTER_NS
    cmds = [["ip", "netns", "add", ns] for ns in (br, sc, rt)]
    cmds += [["ip", "-n", br, "link", "add", "br0", "type", "bridge"],
             ["ip", "-n", br, "link", "set", "br0", "up"],
             ["ip", "-n", br, "link", "add", "s0", "type", "veth", "peer", "name", SCAN_IFACE,
              "netns", sc],
             ["ip", "-n", br, "link", "set", "s0", "master", "br0", "up"],
             ["ip", "-n", sc, "addr", "add", f"{SCAN_IP}/24", "dev", SCAN_IFACE],
             ["ip", "-n", sc, "link", "set", SCAN_IFACE, "up"],
             ["ip", "-n", sc, "link", "set", "lo", "up"],
             ["ip", "-n", sc, "route", "add", "default", "via", f"{SEGMENT}.1"],
             ["ip", "-n", br, "link", "add", "r0", "type", "veth", "peer", "name", "eth0",
              "netns", rt],
             ["ip", "-n", br, "link", "set", "r0", "master", "br0", "up"],
             ["ip", "-n", rt, "addr", "add", f"{SEGMENT}.1/24", "dev", "eth0"],
             ["ip", "-n", rt, "link", "set", "eth0", "up"],
             ["ip", "-n", rt, "link", "add", "br1", "type", "bridge"],
             ["ip", "-n", rt, "addr", "add", f"{ROUTED}.1/24", "dev", "br1"],
             ["ip", "-n", rt, "link", "set", "br1", "up"],
             ["ip", "netns", "exec", rt, "sysctl", "-qw", "net.ipv4.ip_forward=1"]]
    for i, nd in enumerate(devices):
        ns, host = nd.namespace, f"v{i}"
        owner, bridge, gateway = (rt, "br1", f"{ROUTED}.1") if nd.routed \
            else (br, "br0", f"{SEGMENT}.1")
        address = nd.device.ip
        if nd.behind is not None:  # on the recorder's own segment, bridged in its namespace
            recorder = next(d for d in devices if d.namespace == nd.behind)
            net = ipaddress.IPv4Network(_segment_of(recorder.device))
            owner, bridge, gateway = nd.behind, "seg0", str(net[1])
            address = nd.device.segment_ip or ""
        cmds += [["ip", "netns", "add", ns],
                 ["ip", "-n", owner, "link", "add", host, "type", "veth", "peer", "name",
                  "eth0", "netns", ns],
                 ["ip", "-n", owner, "link", "set", host, "master", bridge, "up"],
                 ["ip", "-n", ns, "link", "set", "eth0", "address", nd.device.mac],
                 ["ip", "-n", ns, "addr", "add", f"{address}/24", "dev", "eth0"],
                 ["ip", "-n", ns, "link", "set", "eth0", "up"],
                 ["ip", "-n", ns, "link", "set", "lo", "up"],
                 ["ip", "-n", ns, "route", "add", "default", "via", gateway]]
        segment = _segment_of(nd.device) if nd.behind is None else ""
        if segment:  # a recorder with cameras: its own segment, a bridge in its namespace
            net = ipaddress.IPv4Network(segment)
            cmds += [["ip", "-n", ns, "link", "add", "seg0", "type", "bridge"],
                     ["ip", "-n", ns, "addr", "add", f"{net[1]}/{net.prefixlen}", "dev",
                      "seg0"],
                     ["ip", "-n", ns, "link", "set", "seg0", "up"]]
    return cmds


def _run(cmd: list[str]) -> str:
    try:
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=30, check=False)
    except (OSError, subprocess.TimeoutExpired) as e:
        raise LabError(f"{' '.join(cmd)}: {e}") from e
    if done.returncode != 0:
        raise LabError(f"{' '.join(cmd)}: {done.stderr.strip() or done.returncode}")
    return done.stdout


def lab_namespaces() -> list[str]:
    """Names of the ``camaudit-*`` namespaces that exist now."""
    out = _run(["ip", "netns", "list"])
    return [line.split()[0] for line in out.splitlines()
            if line.strip() and line.split()[0].startswith(PREFIX)]


def _state_path() -> Path:
    return Path(tempfile.gettempdir()) / f"camaudit-netns-{os.getuid()}.json"


_children: list[subprocess.Popen[bytes]] = []


def _spawn(nd: NetnsDevice, python: str, announce: float) -> subprocess.Popen[bytes]:
    """The discovery responder of a device on a lab segment."""
    return _start(nd.namespace, [python, "-m", "camaudit.lab.responders", "--iface", "eth0",
                                 "--announce", str(announce)],
                  json.dumps(nd.device.to_json()).encode())


def _spawn_server(nd: NetnsDevice, devices: list[NetnsDevice],
                  python: str) -> subprocess.Popen[bytes]:
    """The lab server of a recorder (with its cameras, for its channel documents) or of a
    camera behind one (bound to its segment address)."""
    if nd.behind is not None:
        camera = dataclasses.replace(nd.device, ip=nd.device.segment_ip or "", recorder=None,
                                     channel=None, segment_ip=None)
        records = [camera.to_json()]
    else:
        records = [nd.device.to_json()] + [d.device.to_json() for d in devices
                                           if d.behind == nd.namespace]
    return _start(nd.namespace, [python, "-m", "camaudit.lab.server"],
                  json.dumps(records).encode())


def _start(namespace: str, argv: list[str], stdin: bytes) -> subprocess.Popen[bytes]:
    env = dict(os.environ)
    root = str(Path(camaudit.__file__).resolve().parent.parent)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (root, env.get("PYTHONPATH")) if p)
    proc = subprocess.Popen(["ip", "netns", "exec", namespace, *argv],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL, env=env, start_new_session=True)
    assert proc.stdin is not None
    proc.stdin.write(stdin)
    proc.stdin.close()
    _children.append(proc)
    return proc


def _await_ready(procs: list[tuple[NetnsDevice, subprocess.Popen[bytes]]]) -> None:
    deadline = time.monotonic() + READY_TIMEOUT
    for nd, proc in procs:
        assert proc.stdout is not None
        with selectors.DefaultSelector() as sel:
            sel.register(proc.stdout, selectors.EVENT_READ)
            if not sel.select(max(deadline - time.monotonic(), 0.0)):
                raise LabError(f"{nd.namespace}: responder not ready in {READY_TIMEOUT:.0f} s")
        line = proc.stdout.readline().decode("utf-8", "replace").strip()
        proc.stdout.close()
        if not line.startswith("READY "):
            raise LabError(f"{nd.namespace} ({nd.device.profile}): responder failed: "
                           f"{line or 'exited'}")


def netns_up(profiles: list[str] | None = None, routed: tuple[str, ...] = DEFAULT_ROUTED, *,
             python: str | None = None, announce: float = 1.0) -> list[NetnsDevice]:
    """Sweep old lab namespaces, build the lab, start the responders and the servers of
    recorders with cameras and of those cameras; return ground truth.

    Needs root and ``ip``. On any failure everything built so far is swept and ``LabError``
    raised. The ground truth is also written to ``/tmp/camaudit-netns-<uid>.json``.
    """
    netns_down()
    devices = plan_netns(profiles, routed)
    try:
        for cmd in build_commands(devices):
            _run(cmd)
        python = python or sys.executable
        procs = [(nd, _spawn(nd, python, announce)) for nd in devices if nd.behind is None]
        procs += [(nd, _spawn_server(nd, devices, python)) for nd in devices if nd.serves]
        _await_ready(procs)
    except BaseException:
        netns_down()
        raise
    _state_path().write_text(json.dumps([d.to_json() for d in devices], indent=1) + "\n",
                             encoding="utf-8")
    return devices


def _stop(pids: list[int]) -> None:
    for pid in pids:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + STOP_TIMEOUT
    while time.monotonic() < deadline and any(_alive(p) for p in pids):
        time.sleep(0.05)
    for pid in pids:
        if _alive(pid):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)


def _alive(pid: int) -> bool:
    for child in _children:
        if child.pid == pid:
            return child.poll() is None
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[-1].split()[:1]
    except OSError:
        return False
    return state != ["Z"]


def netns_down() -> int:
    """Remove every ``camaudit-*`` namespace and the processes in it; return how many."""
    names = lab_namespaces()
    for ns in names:
        pids = [int(p) for p in _run(["ip", "netns", "pids", ns]).split() if p.isdigit()]
        _stop(pids)
        _run(["ip", "netns", "del", ns])
    for child in list(_children):
        if child.poll() is not None:
            _children.remove(child)
    _state_path().unlink(missing_ok=True)
    return len(names)


def running_devices() -> list[dict[str, object]]:
    """Ground truth of the running namespace lab ([] when none)."""
    try:
        data = json.loads(_state_path().read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []
    return data if isinstance(data, list) and lab_namespaces() else []
