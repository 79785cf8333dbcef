"""What the Spark engine's executors run, without pyspark: the same ``analysis.Judge`` as the
DuckDB path, over one endpoint row at a time, with the lookup tables broadcast once.

* Places: IPv4 addresses (dotted quads) by binary search in the broadcast ASN and country
  range arrays (``geo.GeoDB`` keeps them as sorted numpy arrays): the range lookups that the
  DuckDB path makes as ASOF joins (``zeekduck.prime_geo``), with the same answers. Other
  addresses (IPv6: few distinct ones) are looked up on the driver by ``GeoDB.lookup`` and
  broadcast, as the DuckDB path looks them up in Python.
* Destination rules: the parsed rules are broadcast and each partition builds its
  ``rules.Classifier`` from them.

The executors need camaudit importable (a wheel or a packed environment, docs/egress.md).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np

from camaudit.egress.analysis import Judge, Verdict
from camaudit.egress.flows import Key, is_local, parse_ip
from camaudit.egress.geo import GeoDB, Place
from camaudit.egress.rules import Classifier, Destination

# The addresses the DuckDB path's ASOF joins place (zeekduck.prime_geo's regexp_full_match).
V4 = re.compile(r"[0-9]{1,3}(?:\.[0-9]{1,3}){3}")
NOWHERE = Place(None, None, None)


@dataclass(frozen=True, eq=False)
class Tables:
    """Everything an executor needs besides the endpoint rows (broadcast once)."""

    inventory: frozenset[str]
    flag: frozenset[str]
    include_local: bool
    rules: tuple[Destination, ...]
    asn4: tuple[np.ndarray[Any, Any], np.ndarray[Any, Any], np.ndarray[Any, Any]]
    cc4: tuple[np.ndarray[Any, Any], np.ndarray[Any, Any], np.ndarray[Any, Any]]
    orgs: dict[int, str]
    other: dict[str, Place]


def tables(geo: GeoDB, rules: list[Destination], inventory: Iterable[str], flag: set[str],
           include_local: bool, other: Iterable[str]) -> Tables:
    """The tables for a run; ``other`` are the addresses that are not dotted quads."""
    return Tables(frozenset(inventory), frozenset(flag), include_local, tuple(rules),
                  (geo.asn4_lo, geo.asn4_hi, geo.asn4_as), (geo.cc4_lo, geo.cc4_hi, geo.cc4_cc),
                  geo.orgs, {ip: geo.lookup(ip) for ip in other})


class ArrayGeo:
    """``analysis.Places`` over the broadcast tables: what ``GeoDB`` answers after the DuckDB
    path primed it."""

    def __init__(self, t: Tables) -> None:
        self.t = t
        self._cache: dict[str, Place] = {}

    def lookup(self, ip: str) -> Place:
        p = self._cache.get(ip)
        if p is None:
            if is_local(ip):
                p = NOWHERE
            elif V4.fullmatch(ip):
                p = self._v4(ip)
            else:
                p = self.t.other.get(ip, NOWHERE)
            self._cache[ip] = p
        return p

    def _v4(self, ip: str) -> Place:
        a, b, c, d = (int(x) for x in ip.split("."))
        v = (a << 24) + (b << 16) + (c << 8) + d
        cc = _find(self.t.cc4, v)
        asn = _find(self.t.asn4, v)
        country = bytes(cc).decode("ascii", "replace") if cc is not None else None
        a_n = int(asn) if asn is not None else None
        return Place(country, a_n, self.t.orgs.get(a_n) if a_n is not None else None)


def _find(ranges: tuple[np.ndarray[Any, Any], ...], v: int) -> Any:
    """The value of the range holding ``v`` (starts sorted, ranges disjoint), or None."""
    lo, hi, value = ranges
    i = int(lo.searchsorted(np.uint64(v), side="right")) - 1
    if i >= 0 and v <= int(hi[i]):
        return value[i]
    return None


class Shared(Protocol):
    """A broadcast variable (``pyspark.Broadcast``): its value, on an executor."""

    @property
    def value(self) -> Tables: ...


# (endpoint, verdict, problem): a problem (the endpoint has an address that is not one) is
# damage and the endpoint has no verdict.
Judged = tuple[Key, Verdict, str | None]


def judge_rows(shared: Shared, rows: Iterable[Any]) -> Iterator[Judged]:
    """One partition of endpoint rows (client, server, proto, port, bo, bi, po, pi, first,
    last, hosts, cnames, snames; the names as lists of (name, evidence) in the order kept)."""
    t = shared.value
    judge = Judge(t.inventory, set(t.flag), t.include_local, ArrayGeo(t),
                  Classifier(list(t.rules)))
    for row in rows:
        key: Key = (row.client, row.server, row.proto, int(row.port))
        bad = problem(key)
        if bad is not None:
            yield key, None, bad
            continue
        v = (row.bo, row.bi, row.po, row.pi, row.first, row.last)
        names = {row.client: dict(row.cnames or ()), row.server: dict(row.snames or ())}
        yield key, judge.endpoint(key, v, dict(row.hosts or ()), names), None


def problem(key: Key) -> str | None:
    """The damage message of an endpoint whose address is not one (as ``layoutduck.add``)."""
    for field, value in (("client", key[0]), ("server", key[1])):
        if parse_ip(value) is None:
            return (f"field {field}: {str(value)[:40]!r} is not an IP address: its rows are "
                    "left out")
    return None
