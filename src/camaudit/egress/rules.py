"""Destination rules (``rules/egress/*.yaml``): which names, addresses and networks are vendor
clouds, P2P rendezvous, DDNS, update hosts, hard-coded public DNS or China-headquartered clouds.

``load_destinations`` parses the files (structural errors raise ``RuleError`` naming file:line);
``Classifier`` answers for a name, an address or an AS number; ``verify`` is the one verifier:
ids, kinds, grades, domain syntax, no domain or address claimed twice, and every example
classified by its own rule (and every ``not`` example by another or none).
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from camaudit.egress.flows import parse_ip
from camaudit.rulefiles.fields import Fields, id_problems
from camaudit.rulefiles.where import rule_error
from camaudit.yamlfile import load_yaml

KINDS = ("vendor-cloud", "p2p", "ddns", "update", "public-dns", "cn-cloud")
_DOMAIN = re.compile(r"^(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+[a-z][a-z0-9-]*[a-z0-9]$")
_PORT = re.compile(r"^(?:tcp|udp)/\d{1,5}$")
_ALLOWED = {"id", "vendor", "kind", "description", "domains", "ips", "asns", "ports", "grade",
            "source", "examples", "not", "org_country"}


@dataclass(frozen=True)
class Destination:
    id: str
    kind: str
    vendor: str | None
    description: str
    domains: tuple[str, ...]
    networks: tuple[str, ...]
    asns: tuple[int, ...]
    ports: tuple[str, ...]
    grade: str
    source: str
    org_country: str | None
    examples: tuple[str, ...]
    counter: tuple[str, ...]
    file: str
    line: int

    @property
    def where(self) -> str:
        return f"{self.file}:{self.line}"


def rules_dir() -> Path:
    return Path(str(resources.files("camaudit") / "rules" / "egress"))


def parse_destination_file(text: str, filename: str) -> list[Destination]:
    doc = load_yaml(text, filename)
    if not isinstance(doc, dict) or not isinstance(doc.get("destinations"), list):
        raise rule_error(filename, 1, "a destination file needs a top-level 'destinations' list")
    out: list[Destination] = []
    for raw in doc["destinations"]:
        f = Fields(raw, filename, 1, "destination", _ALLOWED)
        kind = f.choice("kind", KINDS)
        asns: list[int] = []
        for a in f.texts("asns"):
            if not a.isdigit():
                raise f.fail("asns", f"'{a}' is not an AS number")
            asns.append(int(a))
        nets: list[str] = []
        for n in f.texts("ips"):
            try:
                nets.append(str(ipaddress.ip_network(n, strict=True)))
            except ValueError as e:
                raise f.fail("ips", f"'{n}' is not an address or network: {e}") from e
        domains = f.texts("domains")
        if not (domains or nets or asns):
            raise f.fail("domains", "is missing (a destination needs domains, ips or asns)")
        out.append(Destination(
            id=f.text("id"), kind=kind, vendor=f.text("vendor", "") or None,
            description=f.text("description", ""), domains=domains, networks=tuple(nets),
            asns=tuple(asns), ports=f.texts("ports"), grade=f.grade("grade"),
            source=f.text("source"), org_country=f.text("org_country", "") or None,
            examples=f.texts("examples", required=True), counter=f.texts("not"),
            file=filename, line=f.line))
    return out


def load_destinations(directory: Path | None = None) -> list[Destination]:
    directory = directory or rules_dir()
    out: list[Destination] = []
    for path in sorted(directory.glob("*.yaml")):
        out += parse_destination_file(path.read_text(encoding="utf-8"), path.name)
    return out


class Classifier:
    """Names by longest matching domain suffix; addresses by exact network; then AS numbers."""

    def __init__(self, rules: list[Destination]) -> None:
        self.rules = rules
        self.domains: dict[str, Destination] = {}
        self.nets: list[tuple[Any, Destination]] = []
        self.asns: dict[int, Destination] = {}
        self._names: dict[str, tuple[Destination, str] | None] = {}
        self._ips: dict[str, Destination | None] = {}
        for r in rules:
            for d in r.domains:
                self.domains.setdefault(d, r)
            for n in r.networks:
                self.nets.append((ipaddress.ip_network(n), r))
            for a in r.asns:
                self.asns.setdefault(a, r)

    def by_name(self, name: str) -> tuple[Destination, str] | None:
        """(rule, matched domain) for the longest domain that ``name`` equals or ends with
        (answers are cached: a run asks about the same few names for many connections)."""
        if name in self._names:
            return self._names[name]
        hit = None
        labels = name.lower().rstrip(".").split(".")
        for i in range(len(labels) - 1):
            r = self.domains.get(".".join(labels[i:]))
            if r is not None:
                hit = r, ".".join(labels[i:])
                break
        if len(self._names) < 1 << 16:
            self._names[name] = hit
        return hit

    def by_ip(self, ip: str) -> Destination | None:
        if ip in self._ips:
            return self._ips[ip]
        hit = None
        a = parse_ip(ip)
        if a is None:
            return None
        for net, r in self.nets:
            if a.version == net.version and a in net:
                hit = r
                break
        if len(self._ips) < 1 << 16:
            self._ips[ip] = hit
        return hit

    def by_asn(self, asn: int | None) -> Destination | None:
        return None if asn is None else self.asns.get(asn)

    def classify(self, names: list[str], ip: str, asn: int | None
                 ) -> tuple[Destination, str] | None:
        """The rule for a remote and what matched it: a name, the address, or ``AS<n>``."""
        best: tuple[Destination, str, int] | None = None
        for n in names:
            hit = self.by_name(n)
            if hit is not None and (best is None or len(hit[1]) > best[2]):
                best = (hit[0], n, len(hit[1]))
        if best is not None:
            return best[0], best[1]
        r = self.by_ip(ip)
        if r is not None:
            return r, ip
        r = self.by_asn(asn)
        return (r, f"AS{asn}") if r is not None else None

    def example(self, text: str, asn_of: Any = None) -> Destination | None:
        """The rule an example string (name, address or ``AS<n>``) is classified by."""
        if re.fullmatch(r"AS\d+", text):
            return self.by_asn(int(text[2:]))
        try:
            ipaddress.ip_address(text)
        except ValueError:
            hit = self.by_name(text)
            return hit[0] if hit else None
        got = self.classify([], text, asn_of(text) if asn_of else None)
        return got[0] if got else None


def verify(rules: list[Destination] | None = None, asn_of: Any = None) -> list[str]:
    """Every problem in ``rules`` (default: the shipped ones) as ``file:line: message``.
    ``asn_of`` (ip -> AS number) lets address examples reach AS rules; default: shipped data."""
    rules = load_destinations() if rules is None else rules
    if asn_of is None:
        from camaudit.egress.geo import default_db

        asn_of = default_db().asn
    problems: list[str] = []
    seen: dict[str, str] = {}
    claimed: dict[str, str] = {}
    for r in rules:
        problems += id_problems(r.id, r.where, seen)
        for d in r.domains:
            if not _DOMAIN.match(d):
                problems.append(f"{r.where}: {r.id}: '{d}' is not a lower-case domain name")
        for p in r.ports:
            if not _PORT.match(p) or not 0 < int(p.split("/")[1]) < 65536:
                problems.append(f"{r.where}: {r.id}: port '{p}' is not tcp/N or udp/N")
        for item in (*r.domains, *r.networks, *(f"AS{a}" for a in r.asns)):
            if item in claimed:
                problems.append(f"{r.where}: {r.id}: '{item}' is already claimed by "
                                f"{claimed[item]}")
            claimed.setdefault(item, r.id)
        if r.org_country is not None and not re.fullmatch(r"[A-Z]{2}", r.org_country):
            problems.append(f"{r.where}: {r.id}: org_country '{r.org_country}' is no ISO code")
    cls = Classifier(rules)
    for r in rules:
        for ex in r.examples:
            got = cls.example(ex, asn_of)
            if got is not r:
                problems.append(f"{r.where}: {r.id}: example '{ex}' is classified by "
                                f"{got.id if got else 'no rule'}")
        for ex in r.counter:
            if cls.example(ex, asn_of) is r:
                problems.append(f"{r.where}: {r.id}: 'not' example '{ex}' is classified by it")
    return problems
