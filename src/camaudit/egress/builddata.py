"""Build the shipped IP data (``egress/data/``) from the ip-location-db npm packages.

Run at release time, never by ``camaudit egress`` (which never downloads anything)::

    npm pack @ip-location-db/geo-whois-asn-country-mmdb @ip-location-db/asn
    tar xzf ip-location-db-asn-*.tgz && mv package asn
    tar xzf ip-location-db-geo-whois-asn-country-mmdb-*.tgz && mv package geo
    python -m camaudit.egress.builddata asn geo src/camaudit/egress/data

It copies ``geo-whois-asn-country.mmdb`` (country, read with maxminddb) and writes
``ipranges.npz``: flattened, non-overlapping ranges (most specific range wins, so ASOF joins
are exact) for IPv4 ASN, IPv6 ASN (128-bit bounds as two uint64 halves), IPv4 country (for the
DuckDB path), the AS organisation names, and ``source.json`` with versions and attribution.
"""

from __future__ import annotations

import csv
import json
import shutil
import sys
from pathlib import Path

import maxminddb
import numpy as np

ATTRIBUTION = ("IP-to-country: ip-location-db geo-whois-asn-country (NRO RIR statistics and "
               "geofeeds, CC BY 4.0, nro.net); IP-to-ASN: ip-location-db asn (RouteViews "
               "routeviews.org, the five RIRs via NRO, and IP to ASN Lite by DB-IP db-ip.com, "
               "all CC BY 4.0). Ranges flattened by camaudit.")


def _flatten(rows: list[tuple[int, int, int]]) -> list[tuple[int, int, int]]:
    """Non-overlapping ranges from nested/overlapping ones: at every address the range that
    starts last (for nested ranges: the most specific one) wins. A sweep over the ranges sorted
    by start, with a stack of the ranges still open."""
    out: list[tuple[int, int, int]] = []
    stack: list[tuple[int, int]] = []
    cur = 0
    for lo, hi, v in sorted(rows, key=lambda r: (r[0], -r[1])):
        while stack and stack[-1][0] < lo:
            shi, sv = stack.pop()
            if cur <= shi:
                out.append((cur, shi, sv))
                cur = shi + 1
        if stack and cur < lo:
            out.append((cur, lo - 1, stack[-1][1]))
        cur = lo
        stack.append((hi, v))
    while stack:
        shi, sv = stack.pop()
        if cur <= shi:
            out.append((cur, shi, sv))
            cur = shi + 1
    return out


def _asn_rows(path: Path, orgs: dict[int, str]) -> list[tuple[int, int, int]]:
    rows: list[tuple[int, int, int]] = []
    with path.open(encoding="utf-8", newline="") as f:
        for lo, hi, asn, org in csv.reader(f):
            rows.append((int(lo), int(hi), int(asn)))
            orgs.setdefault(int(asn), org)
    return _flatten(rows)


def _country_rows(mmdb: Path) -> tuple[list[tuple[int, int]], list[str]]:
    ranges: list[tuple[int, int]] = []
    codes: list[str] = []
    with maxminddb.open_database(str(mmdb)) as reader:
        for net, rec in reader:
            cc = rec.get("country_code") if isinstance(rec, dict) else None
            if net.version != 4 or not isinstance(cc, str):
                continue
            lo, hi = int(net.network_address), int(net.broadcast_address)
            if ranges and codes[-1] == cc and ranges[-1][1] + 1 == lo:
                ranges[-1] = (ranges[-1][0], hi)
            else:
                ranges.append((lo, hi))
                codes.append(cc)
    return ranges, codes


def build(asn_dir: Path, geo_dir: Path, out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    orgs: dict[int, str] = {}
    v4 = _asn_rows(asn_dir / "asn-ipv4-num.csv", orgs)
    v6 = _asn_rows(asn_dir / "asn-ipv6-num.csv", orgs)
    cc_ranges, cc_codes = _country_rows(geo_dir / "geo-whois-asn-country-ipv4.mmdb")
    mask = (1 << 64) - 1
    org_ids = sorted(orgs)
    np.savez_compressed(
        out / "ipranges.npz",
        asn4_lo=np.array([r[0] for r in v4], dtype=np.uint32),
        asn4_hi=np.array([r[1] for r in v4], dtype=np.uint32),
        asn4_as=np.array([r[2] for r in v4], dtype=np.uint32),
        asn6_lo_hi=np.array([r[0] >> 64 for r in v6], dtype=np.uint64),
        asn6_lo_lo=np.array([r[0] & mask for r in v6], dtype=np.uint64),
        asn6_hi_hi=np.array([r[1] >> 64 for r in v6], dtype=np.uint64),
        asn6_hi_lo=np.array([r[1] & mask for r in v6], dtype=np.uint64),
        asn6_as=np.array([r[2] for r in v6], dtype=np.uint32),
        cc4_lo=np.array([r[0] for r in cc_ranges], dtype=np.uint32),
        cc4_hi=np.array([r[1] for r in cc_ranges], dtype=np.uint32),
        cc4_cc=np.array(cc_codes, dtype="S2"),
        org_as=np.array(org_ids, dtype=np.uint32),
        org_name=np.frombuffer("\n".join(orgs[a].replace("\n", " ") for a in org_ids)
                               .encode("utf-8"), dtype=np.uint8),
    )
    shutil.copyfile(geo_dir / "geo-whois-asn-country.mmdb", out / "country.mmdb")
    asn_ver = json.loads((asn_dir / "package.json").read_text())["version"]
    geo_ver = json.loads((geo_dir / "package.json").read_text())["version"]
    with maxminddb.open_database(str(out / "country.mmdb")) as r:
        epoch = int(r.metadata().build_epoch)
    meta = {
        "country": {"package": "@ip-location-db/geo-whois-asn-country-mmdb", "version": geo_ver,
                    "build_epoch": epoch, "license": "CC BY 4.0 (NRO)"},
        "asn": {"package": "@ip-location-db/asn", "version": asn_ver,
                "license": "CC BY 4.0 (RouteViews, NRO, DB-IP)"},
        "date": f"{geo_ver.split('.')[-1][:4]}-{geo_ver.split('.')[-1][4:6]}-"
                f"{geo_ver.split('.')[-1][6:8]}",
        "attribution": ATTRIBUTION,
        "counts": {"asn4": len(v4), "asn6": len(v6), "cc4": len(cc_ranges), "orgs": len(orgs)},
    }
    (out / "source.json").write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    build(Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3]))
