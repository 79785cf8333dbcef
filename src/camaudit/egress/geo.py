"""Where an address is hosted and which network announces it, from data shipped in the package.

* Country: ``data/country.mmdb`` read with ``maxminddb`` (ip-location-db geo-whois-asn-country:
  RIR whois, geofeeds and ASN data, CC BY 4.0 by NRO).
* AS number and organisation: ``data/ipranges.npz``, flattened non-overlapping ranges built from
  ip-location-db asn (RouteViews, the five RIRs and DB-IP ASN Lite, CC BY 4.0).

Nothing is downloaded at run time. ``SOURCE`` gives the data's date and the attribution that every
report shows. Lookups are cached per address: runs look up distinct remote addresses only.
"""

from __future__ import annotations

import bisect
import ipaddress
import json
from dataclasses import dataclass
from functools import cache, cached_property
from importlib import resources
from pathlib import Path
from typing import Any

import maxminddb
import numpy as np

from camaudit.egress.flows import is_local, parse_ip


def data_dir() -> Path:
    return Path(str(resources.files("camaudit") / "egress" / "data"))


@dataclass(frozen=True, slots=True)
class Place:
    country: str | None
    asn: int | None
    org: str | None


@cache
def source() -> dict[str, Any]:
    """Versions, date, licence and attribution of the shipped data (``data/source.json``)."""
    doc: dict[str, Any] = json.loads((data_dir() / "source.json").read_text(encoding="utf-8"))
    return doc


class GeoDB:
    """Country (maxminddb) and ASN (range table) lookups over the shipped data."""

    def __init__(self, directory: Path | None = None) -> None:
        d = directory or data_dir()
        self._mmdb = maxminddb.open_database(str(d / "country.mmdb"), maxminddb.MODE_AUTO)
        # members of the npz are read (and decompressed) on first use: a capture needs the IPv4
        # ASN ranges, DuckDB also the IPv4 country ranges, IPv6 addresses the IPv6 ranges
        self._npz = np.load(d / "ipranges.npz")
        self.asn4_lo: np.ndarray[Any, Any] = self._npz["asn4_lo"]
        self.asn4_hi: np.ndarray[Any, Any] = self._npz["asn4_hi"]
        self.asn4_as: np.ndarray[Any, Any] = self._npz["asn4_as"]
        self._v6_lo: list[int] | None = None
        self._cache: dict[str, Place] = {}

    @cached_property
    def cc4_lo(self) -> np.ndarray[Any, Any]:
        """Starts of the IPv4 country ranges (for the DuckDB range joins)."""
        arr: np.ndarray[Any, Any] = self._npz["cc4_lo"]
        return arr

    @cached_property
    def cc4_hi(self) -> np.ndarray[Any, Any]:
        arr: np.ndarray[Any, Any] = self._npz["cc4_hi"]
        return arr

    @cached_property
    def cc4_cc(self) -> np.ndarray[Any, Any]:
        arr: np.ndarray[Any, Any] = self._npz["cc4_cc"]
        return arr

    @cached_property
    def _v6(self) -> tuple[np.ndarray[Any, Any], ...]:
        z = self._npz
        return (z["asn6_lo_hi"], z["asn6_lo_lo"], z["asn6_hi_hi"], z["asn6_hi_lo"], z["asn6_as"])

    @cached_property
    def orgs(self) -> dict[int, str]:
        """AS number -> organisation name."""
        names = bytes(self._npz["org_name"]).decode("utf-8").split("\n")
        return dict(zip(self._npz["org_as"].tolist(), names, strict=False))

    def country(self, ip: str) -> str | None:
        try:
            rec = self._mmdb.get(ip)
        except ValueError:
            return None
        if isinstance(rec, dict):
            cc = rec.get("country_code")
            return cc if isinstance(cc, str) else None
        return None

    def asn(self, ip: str) -> int | None:
        a = parse_ip(ip)
        if a is None:
            return None
        if isinstance(a, ipaddress.IPv6Address) and a.ipv4_mapped is not None:
            a = a.ipv4_mapped
        n = int(a)
        if a.version == 4:
            i = int(self.asn4_lo.searchsorted(np.uint32(n), side="right")) - 1
            if i >= 0 and n <= int(self.asn4_hi[i]):
                return int(self.asn4_as[i])
            return None
        lo_hi, lo_lo, hi_hi, hi_lo, asn = self._v6
        if self._v6_lo is None:
            self._v6_lo = [(int(h) << 64) | int(low) for h, low in zip(lo_hi, lo_lo, strict=True)]
        i = bisect.bisect_right(self._v6_lo, n) - 1
        if i >= 0 and n <= (int(hi_hi[i]) << 64) | int(hi_lo[i]):
            return int(asn[i])
        return None

    def lookup(self, ip: str) -> Place:
        """Country, AS and organisation of ``ip``; nothing for addresses that never leave a
        site (the shipped country data places parts of 192.168/16 and 172.16/12 in AU)."""
        p = self._cache.get(ip)
        if p is None:
            if is_local(ip):
                p = self._cache[ip] = Place(None, None, None)
                return p
            asn = self.asn(ip)
            p = Place(self.country(ip), asn, self.orgs.get(asn) if asn is not None else None)
            self._cache[ip] = p
        return p

    def prime(self, ip: str, place: Place) -> None:
        """Record a lookup made elsewhere (the DuckDB range joins) so it is not made again."""
        self._cache[ip] = Place(None, None, None) if is_local(ip) else place

    def close(self) -> None:
        self._mmdb.close()


@cache
def default_db() -> GeoDB:
    return GeoDB()


def attribution() -> str:
    s = source()
    return f"IP data of {s['date']}: {s['attribution']}"
