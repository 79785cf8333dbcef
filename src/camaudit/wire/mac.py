"""MAC addresses: normalise any common spelling; look the OUI up in netaddr's IEEE registry."""

from __future__ import annotations

import re

import netaddr
from netaddr.core import NotRegisteredError

from camaudit.model import Observation

_GROUPS = re.compile(r"^([0-9a-f]{1,2})([:-])([0-9a-f]{1,2})(?:\2([0-9a-f]{1,2})){4}$")
_SPLIT = re.compile(r"[:-]")
_BARE = re.compile(r"^[0-9a-f]{12}$")
_DOTTED = re.compile(r"^([0-9a-f]{4})\.([0-9a-f]{4})\.([0-9a-f]{4})$")


def normalize_mac(text: str) -> str | None:
    """aa-bb-cc-dd-ee-ff, AABBCCDDEEFF, aa:bb:.., aabb.ccdd.eeff -> aa:bb:cc:dd:ee:ff or None."""
    t = text.strip().lower()[:64]
    if _GROUPS.match(t):
        hexes = "".join(g.zfill(2) for g in _SPLIT.split(t))
    elif _BARE.match(t):
        hexes = t
    elif (m := _DOTTED.match(t)) is not None:
        hexes = "".join(m.groups())
    else:
        return None
    return ":".join(hexes[i: i + 2] for i in range(0, 12, 2))


def oui_org(mac: str) -> str | None:
    """Organisation registered for the MAC's OUI; None when unknown or locally administered."""
    norm = normalize_mac(mac)
    if norm is None or int(norm[:2], 16) & 0x02:
        return None
    try:
        org = netaddr.EUI(norm).oui.registration().org
    except (NotRegisteredError, netaddr.AddrFormatError, IndexError, KeyError, ValueError):
        return None
    return str(org).strip() or None


def observations(mac: str, source: str) -> list[Observation]:
    norm = normalize_mac(mac)
    if norm is None:
        return []
    obs = [Observation("mac.address", norm, source)]
    org = oui_org(norm)
    if org:
        obs.append(Observation("mac.org", org, source))
    return obs
