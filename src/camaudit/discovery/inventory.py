"""Discovery results -> device records, and the merge with ``scan``'s records.

    discover_devices(iface, wait, listen, targets) -> [Device]   the whole job
    build_devices(replies, ...) -> [Device]                      pure: datagrams -> records
    merge_devices(discovered, scanned) -> [Device]               one record per IP

Every datagram is decoded by its protocol's codec; observations are grouped by the sender's
address and matched by the fingerprint rules, exactly like a scan's. On the local segment
the neighbour table gives each sender's MAC; a routed sender's MAC would be the router's, so
it is only taken from the device's own reply.
"""

from __future__ import annotations

import dataclasses
import ipaddress
import threading
from collections.abc import Mapping, Sequence
from pathlib import Path

from camaudit.devices import build_device
from camaudit.discovery.collect import Reply, collect, onvif_calls
from camaudit.discovery.mdns import browse
from camaudit.discovery.messages import PROTOCOLS, decode, parse_arp, source_label
from camaudit.fingerprints.matcher import Matcher, default_matcher
from camaudit.judge import judge
from camaudit.model import Device, Observation, Port
from camaudit.net.multicast import Interface, interface
from camaudit.policy import Policy
from camaudit.wire import mac as wire_mac

ARP_TABLE = Path("/proc/net/arp")
NEIGHBOUR_SOURCE = "neighbour table"


def _ip_key(ip: str) -> tuple[int, int]:
    try:
        return (0, int(ipaddress.ip_address(ip)))
    except ValueError:
        return (1, 0)


def build_devices(replies: Sequence[Reply], *, iface: Interface | None = None,
                  neighbours: Mapping[str, str] | None = None,
                  hostnames: Mapping[str, tuple[str, ...]] | None = None,
                  onvif: Mapping[str, Sequence[str]] | None = None,
                  matcher: Matcher | None = None, seen: str | None = None) -> list[Device]:
    """One device per sender that said something decodable (or announced an mDNS name).

    ``neighbours`` ({ip: mac}) is used only for senders on ``iface``'s subnet. ``onvif``
    ({ip: calls answered}) adds the ONVIF device service port. Devices are sorted by IP.
    """
    matcher = matcher or default_matcher()
    neighbours = neighbours or {}
    hostnames = hostnames or {}
    onvif = onvif or {}
    found: dict[str, dict[tuple[str, str], Observation]] = {}
    ports: dict[str, dict[tuple[int, str], Port]] = {}
    for r in replies:
        p = PROTOCOLS[r.proto]
        obs = decode(r.proto, r.data, source_label(r.proto, p.port, r.passive))
        if not obs:
            continue
        bucket = found.setdefault(r.ip, {})
        for o in obs:
            bucket.setdefault((o.key, o.value), o)
        ports.setdefault(r.ip, {})[(p.port, "udp")] = Port(p.port, "udp", r.proto)
    for ip, calls in onvif.items():
        if calls:
            found.setdefault(ip, {})
            ports.setdefault(ip, {})[(80, "tcp")] = Port(80, "tcp", "onvif")
    for ip in hostnames:
        found.setdefault(ip, {})
    devices = []
    for ip in sorted(found, key=_ip_key):
        obs = list(found[ip].values())
        mac = neighbours.get(ip)
        if mac and (iface is None or iface.on_link(ip)):
            obs.extend(wire_mac.observations(mac, NEIGHBOUR_SOURCE))
        device = build_device(ip, sorted(ports.get(ip, {}).values(),
                                         key=lambda q: (q.port, q.proto)),
                              obs, matcher.match_all(obs), (), seen)
        if mac and device.mac is None and (iface is None or iface.on_link(ip)):
            device = dataclasses.replace(device, mac=mac)
        devices.append(dataclasses.replace(device, hostnames=hostnames.get(ip, ())))
    return devices


def _observations_of(device: Device) -> list[Observation]:
    """The observations behind a record's evidence (each evidence item came from one)."""
    return [Observation(e.key, e.value, e.source) for e in device.evidence]


def merge_devices(discovered: Sequence[Device], scanned: Sequence[Device], *,
                  matcher: Matcher | None = None) -> list[Device]:
    """One record per IP: ports, evidence, errors and names of both, re-attributed.

    The merged identity is recomputed from both records' evidence, so a discovery reply and
    an HTTP banner reinforce each other, and so are its known vulnerabilities (``risks``).
    Verdicts and risks are cleared: pass the result to ``judge.judge``. Order: scanned
    devices first (their order), then discovery-only ones.
    """
    matcher = matcher or default_matcher()
    by_ip = {d.ip: d for d in discovered}
    out: list[Device] = []
    for s in scanned:
        d = by_ip.pop(s.ip, None)
        if d is None:
            out.append(s)
            continue
        obs = list({(o.key, o.value): o for o in _observations_of(d) + _observations_of(s)}
                   .values())
        ports = {(p.port, p.proto): p for p in (*s.ports, *d.ports)}
        errors = tuple(dict.fromkeys((*s.errors, *d.errors)))
        merged = build_device(s.ip, sorted(ports.values(), key=lambda q: (q.proto, q.port)),
                              obs, matcher.match_all(obs), errors, s.first_seen or d.first_seen)
        out.append(dataclasses.replace(
            merged, mac=merged.mac or s.mac or d.mac, verdicts=(), risks=(),
            hostnames=tuple(dict.fromkeys((*s.hostnames, *d.hostnames))),
            first_seen=s.first_seen or d.first_seen, last_seen=s.last_seen or d.last_seen))
    out.extend(by_ip.values())
    return out


def read_neighbours(iface: str, path: Path = ARP_TABLE) -> dict[str, str]:
    """{ip: mac} of the complete neighbour entries on ``iface`` ({} when unreadable)."""
    try:
        return parse_arp(path.read_text(encoding="ascii", errors="replace"), iface)
    except OSError:
        return {}


def discover_devices(iface: str, wait: float = 3.0, listen: float = 0.0,
                     targets: Sequence[str] = (), *, active: bool = True, mdns: bool = True,
                     matcher: Matcher | None = None, policies: Sequence[Policy] | None = None,
                     seen: str | None = None) -> list[Device]:
    """Discover devices on interface ``iface`` (see module doc); records carry verdicts and
    known vulnerabilities (``risks``).

    ``wait``: seconds to collect replies to the probes; ``listen``: seconds of passive
    listening for announcements; ``targets``: routed addresses that get unicast probes and
    the pre-auth ONVIF calls; ``active`` False sends nothing on the segment (targets still
    get their unicast probes). Raises ``UsageError`` for an interface without IPv4.
    """
    from camaudit.clock import now_iso

    nic = interface(iface)
    window = max(wait if (active or targets) else 0.0, listen)
    names: dict[str, tuple[str, ...]] = {}

    def run_mdns() -> None:
        names.update(browse(nic.address, window, active=active))

    thread = threading.Thread(target=run_mdns, name="camaudit-mdns", daemon=True)
    if mdns and window > 0:
        thread.start()
    replies = collect(nic, wait, listen, targets, active=active)
    onvif = {t: onvif_calls(t, 80, timeout=min(max(wait, 0.5), 5.0)) for t in targets}
    if thread.is_alive() or thread.ident is not None:
        thread.join(window + 10.0)
    devices = build_devices(replies, iface=nic, neighbours=read_neighbours(nic.name),
                            hostnames=names, onvif=onvif, matcher=matcher,
                            seen=seen or now_iso())
    return judge(devices, policies)
