"""Which emulated device runs on which loopback address: ``plan()`` and ``LabDevice``.

A plan is deterministic: the same network, count and profiles always give the same addresses,
MACs, models and serials (each device's values come from a generator seeded with its profile
id and index), so ground truth can be compared across runs.

A recorder profile (``recorder:`` in its file, lab/specs.py) brings its cameras:
``with_cameras(devices)`` adds one device per channel of each recorder, of the channel's
profile, with ``recorder`` (the recorder's address), ``channel`` (1-based) and ``segment_ip``
(its address on the recorder's own segment) set and ``ip`` = ``<recorder>/ch<channel>``, the key
camaudit's records use for a camera read from a recorder. They take no lab address: the
loopback lab does not run them, the namespace lab runs them behind their recorder
(lab/netns.py). ``plan()`` gives the devices on addresses only.
"""

from __future__ import annotations

import ipaddress
import random
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from camaudit.errors import LabError
from camaudit.lab.profiles import Profile, load_profiles
from camaudit.lab.render import expand_pattern, render, split_firmware

LOOPBACK = ipaddress.IPv4Network("127.0.0.0/8")
DEFAULT_NET = "127.77.0.0/24"


@dataclass(frozen=True, slots=True)
class LabDevice:
    """Ground truth of one emulated device."""

    ip: str
    mac: str
    profile: str
    maker: str | None
    brand: str | None
    model: str | None
    serial: str
    ports: tuple[int, ...]
    device_type: str | None = None
    firmware: str | None = None
    recorder: str | None = None  # set on a camera behind a recorder: the recorder's ip
    channel: int | None = None  # its channel on that recorder (1-based)
    segment_ip: str | None = None  # its address on the recorder's own segment

    def to_json(self) -> dict[str, Any]:
        """``{ip, mac, profile, maker, brand, model, serial, ports: [int], device_type,
        firmware, recorder, channel, segment_ip}`` (the last three null unless the device is a
        camera behind a recorder)."""
        return {"ip": self.ip, "mac": self.mac, "profile": self.profile, "maker": self.maker,
                "brand": self.brand, "model": self.model, "serial": self.serial,
                "ports": list(self.ports), "device_type": self.device_type,
                "firmware": self.firmware, "recorder": self.recorder, "channel": self.channel,
                "segment_ip": self.segment_ip}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> LabDevice:
        """Inverse of ``to_json``; raises ``LabError`` on a malformed record."""
        try:
            channel = data.get("channel")
            return cls(str(data["ip"]), str(data["mac"]), str(data["profile"]),
                       _opt(data.get("maker")), _opt(data.get("brand")), _opt(data.get("model")),
                       str(data["serial"]), tuple(int(p) for p in data["ports"]),
                       _opt(data.get("device_type")), _opt(data.get("firmware")),
                       _opt(data.get("recorder")), None if channel is None else int(channel),
                       _opt(data.get("segment_ip")))
        except (KeyError, TypeError, ValueError) as e:
            raise LabError(f"malformed lab device record: {e}") from e

    def values(self, profile: Profile) -> dict[str, str]:
        """Per-device template values (render.py): ip, mac forms, serial, model, firmware and
        its parts, extras."""
        rng = random.Random(f"{profile.id}/{self.mac}/extras")
        version, build = split_firmware(self.firmware or "")
        out = {"ip": self.ip, "mac": self.mac, "mac_dash": self.mac.replace(":", "-"),
               "mac_hex": self.mac.replace(":", ""), "serial": self.serial,
               "model": self.model or "", "firmware": self.firmware or "",
               "firmware_version": version, "firmware_build": build}
        for name, pattern in profile.extras:
            out[name] = render(expand_pattern(pattern, rng), out)
        return out


def _opt(value: Any) -> str | None:
    return None if value is None else str(value)


def _hosts(net: str) -> Iterator[str]:
    try:
        network = ipaddress.ip_network(net, strict=False)
    except ValueError as e:
        raise LabError(f"bad lab network {net!r}: {e}") from e
    if not isinstance(network, ipaddress.IPv4Network) or not network.subnet_of(LOOPBACK):
        raise LabError(f"lab network {net} is not inside 127.0.0.0/8")
    candidates = network.hosts() if network.prefixlen < 31 else iter(network)
    for host in candidates:
        if host.packed[3] not in (0, 255):
            yield str(host)


def select_profiles(names: list[str] | None, include_hostile: bool = False) -> list[Profile]:
    """Profiles named (in the order given), or every non-hostile one (plus hostile if asked).

    Screening fixtures (``screening_fixture: true``) run only when named.
    """
    known = load_profiles()
    if names:
        missing = [n for n in names if n not in known]
        if missing:
            raise LabError(f"unknown lab profile {missing[0]!r} (known: {', '.join(known)})")
        return [known[n] for n in dict.fromkeys(names)]
    return [p for _, p in sorted(known.items())
            if (include_hostile or not p.hostile) and not p.screening_fixture
            and not p.exposure_fixture]


def plan(net: str, count: int | None = None, profiles: list[str] | None = None, *,
         include_hostile: bool = False) -> list[LabDevice]:
    """Assign consecutive host addresses of ``net`` (inside 127.0.0.0/8; .0 and .255 skipped)
    to profiles in turn.

    ``count`` None means one device per selected profile. ``profiles`` None means every
    non-hostile profile (hostile ones too with ``include_hostile``) that is not a screening or
    exposure fixture; named profiles are used in the order given, hostile, fixture or not. The
    cameras behind recorders are not in it (``with_cameras``). Raises ``LabError`` on a bad
    network, an unknown profile or too few addresses.
    """
    chosen = select_profiles(profiles, include_hostile)
    total = len(chosen) if count is None else count
    if total < 1:
        raise LabError(f"lab device count must be at least 1, not {total}")
    devices: list[LabDevice] = []
    macs: set[str] = set()
    hosts = _hosts(net)
    for index in range(total):
        ip = next(hosts, None)
        if ip is None:
            raise LabError(f"lab network {net} has room for {index} devices, not {total}")
        profile = chosen[index % len(chosen)]
        rng = random.Random(f"{profile.id}/{index}")
        mac = ""
        while not mac or mac in macs:
            mac = ":".join(f"{b:02x}" for b in profile.mac_prefix + rng.randbytes(3))
        macs.add(mac)
        model = None
        if profile.models:
            model = profile.models[(index // len(chosen)) % len(profile.models)]
        serial = render(expand_pattern(profile.serial, rng), {"model": model or ""})
        devices.append(LabDevice(ip, mac, profile.id, profile.maker, profile.brand, model,
                                 serial, profile.ports, profile.device_type, profile.firmware))
    return devices


def with_cameras(devices: list[LabDevice]) -> list[LabDevice]:
    """``devices`` followed by the cameras behind each recorder among them (module doc);
    deterministic like ``plan``. Cameras already in ``devices`` are not added again."""
    known = load_profiles()
    out = list(devices)
    macs = {d.mac for d in devices}
    present = {(d.recorder, d.channel) for d in devices if d.recorder}
    for index, recorder in enumerate(d for d in devices if d.recorder is None):
        spec = known[recorder.profile].recorder if recorder.profile in known else None
        for number, channel in enumerate(spec.channels if spec else (), start=1):
            assert spec is not None
            if (recorder.ip, number) not in present:
                out.append(_camera(known[channel.profile], recorder, index, number,
                                   spec.segment_ip(number), macs))
    return out


def _camera(profile: Profile, recorder: LabDevice, index: int, number: int, segment_ip: str,
            macs: set[str]) -> LabDevice:
    """Channel ``number`` of the recorder at plan index ``index``: a device of ``profile``."""
    rng = random.Random(f"{recorder.profile}/{index}/ch{number}/{profile.id}")
    mac = ""
    while not mac or mac in macs:
        mac = ":".join(f"{b:02x}" for b in profile.mac_prefix + rng.randbytes(3))
    macs.add(mac)
    model = profile.models[(index + number) % len(profile.models)] if profile.models else None
    serial = render(expand_pattern(profile.serial, rng), {"model": model or ""})
    return LabDevice(f"{recorder.ip}/ch{number}", mac, profile.id, profile.maker,
                     profile.brand, model, serial, profile.ports, profile.device_type,
                     profile.firmware, recorder.ip, number, segment_ip)


def channel_values(recorder: LabDevice, profile: Profile, devices: list[LabDevice],
                   profiles: Mapping[str, Profile]) -> dict[str, str]:
    """The recorder's ``per_channel`` templates, each rendered once per camera behind it (in
    channel order) and joined: the values its channel documents show (lab/specs.py)."""
    spec = profile.recorder
    if spec is None:
        return {}
    cameras = sorted((d for d in devices if d.recorder == recorder.ip and d.channel),
                     key=lambda d: d.channel or 0)
    out: dict[str, str] = {}
    for name, template in spec.per_channel:
        parts = []
        for camera in cameras:
            number = camera.channel or 0
            channel = spec.channels[number - 1] if number <= len(spec.channels) else None
            values = camera.values(profiles[camera.profile])
            values.pop("ip")
            values.update({"channel": str(number), "index": str(number - 1),
                           "channel_pad": f"{number:02d}",
                           "segment_ip": camera.segment_ip or "",
                           "protocol": channel.protocol if channel else "",
                           "port": str(channel.port) if channel else "",
                           "maker": camera.maker or "", "brand": camera.brand or ""})
            parts.append(render(template, values))
        out[name] = "".join(parts)
    return out
