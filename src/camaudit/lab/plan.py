"""Which emulated device runs on which loopback address: ``plan()`` and ``LabDevice``.

A plan is deterministic: the same network, count and profiles always give the same addresses,
MACs, models and serials (each device's values come from a generator seeded with its profile
id and index), so ground truth can be compared across runs.
"""

from __future__ import annotations

import ipaddress
import random
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from camaudit.errors import LabError
from camaudit.lab.profiles import Profile, load_profiles
from camaudit.lab.render import expand_pattern, render

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

    def to_json(self) -> dict[str, Any]:
        """``{ip, mac, profile, maker, brand, model, serial, ports: [int], device_type}``."""
        return {"ip": self.ip, "mac": self.mac, "profile": self.profile, "maker": self.maker,
                "brand": self.brand, "model": self.model, "serial": self.serial,
                "ports": list(self.ports), "device_type": self.device_type}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> LabDevice:
        """Inverse of ``to_json``; raises ``LabError`` on a malformed record."""
        try:
            return cls(str(data["ip"]), str(data["mac"]), str(data["profile"]),
                       _opt(data.get("maker")), _opt(data.get("brand")), _opt(data.get("model")),
                       str(data["serial"]), tuple(int(p) for p in data["ports"]),
                       _opt(data.get("device_type")))
        except (KeyError, TypeError, ValueError) as e:
            raise LabError(f"malformed lab device record: {e}") from e

    def values(self, profile: Profile) -> dict[str, str]:
        """Per-device template values (render.py): ip, mac forms, serial, model, extras."""
        rng = random.Random(f"{profile.id}/{self.mac}/extras")
        out = {"ip": self.ip, "mac": self.mac, "mac_dash": self.mac.replace(":", "-"),
               "mac_hex": self.mac.replace(":", ""), "serial": self.serial,
               "model": self.model or ""}
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
            if (include_hostile or not p.hostile) and not p.screening_fixture]


def plan(net: str, count: int | None = None, profiles: list[str] | None = None, *,
         include_hostile: bool = False) -> list[LabDevice]:
    """Assign consecutive host addresses of ``net`` (inside 127.0.0.0/8; .0 and .255 skipped)
    to profiles in turn.

    ``count`` None means one device per selected profile. ``profiles`` None means every
    non-hostile profile (hostile ones too with ``include_hostile``) that is not a screening
    fixture; named profiles are used in the order given, hostile, fixture or not. Raises
    ``LabError`` on a bad network, an unknown profile or too few addresses.
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
                                 serial, profile.ports, profile.device_type))
    return devices
