"""Observations -> Exposures: ways a device is open to anyone, seen without guessing a password.

``findings(observations, ports, now)`` is pure: it reads what the probes already saw (docs/
exposure.md lists every finding). The findings are data, ``rules/exposure/exposure.yaml``: each
entry has an id, a severity, a title, why it matters, how to fix it, the one-sentence ``basis``
template, the ``check`` that finds it and examples (observations -> the ids expected, nothing
else) that ``verify`` (and the test suite) runs. The checks:

* ``value``: an observation of ``key`` whose value is one of ``values`` (case-insensitive; any
  value when ``values`` is omitted), or one of the TCP ``ports`` open.
* ``before-now`` / ``within-days``: the date in ``key`` (ISO 8601) lies before ``now`` / from
  ``now`` to ``days`` days after it.
* ``key-size``: the key in ``key`` (``RSA-1024``) is smaller than ``min_bits`` for its type.
* ``rtsp-described``: one RTSP reply with status 200 and an SDP body (a DESCRIBE answered
  without credentials; the probe sends none).
* ``plain-http-login``: a page with a password field, or a ``Basic`` challenge, served by a
  port that speaks plain HTTP (not TLS).

A basis names what was seen where: ``{value}``, ``{source}``, ``{port}`` (``tcp/443``, else the
source), ``{days}`` and ``{minimum}``. One finding per id and port (or source without a port).
"""

from __future__ import annotations

import datetime as dt
import re
import string
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from camaudit.errors import RuleError
from camaudit.model import Exposure, Observation, Port
from camaudit.rulefiles.fields import Fields, id_problems
from camaudit.rulefiles.vocab import KEYS, vocab
from camaudit.rulefiles.where import short
from camaudit.yamlfile import load_yaml

SEVERITIES = ("high", "medium", "low")
CHECKS = ("value", "before-now", "within-days", "key-size", "rtsp-described", "plain-http-login")
# The ports the https probe runs on (probes.http.HTTPS_PORTS), for ports without a service.
HTTPS_PORTS = frozenset({443, 8443})
TLS_SERVICES = frozenset({"https", "tls"})
MAX_BASIS_VALUE = 120
PLACEHOLDERS = frozenset({"value", "source", "port", "days", "minimum"})

_RULE_KEYS = {"id", "severity", "title", "check", "key", "values", "ports", "days", "min_bits",
              "basis", "why", "fix", "references", "examples"}
_EXAMPLE_KEYS = {"name", "observations", "ports", "now", "expect"}
_PORT = re.compile(r"^(tcp|udp)/(\d{1,5})\b")
_PASSWORD_INPUT = re.compile(r"<input\b([^>]{0,1024})", re.IGNORECASE)
_PASSWORD_TYPE = re.compile(r"""\btype\s*=\s*["']?password\b""", re.IGNORECASE)
_KEY = re.compile(r"^([A-Za-z][A-Za-z0-9]{0,15})-(\d{1,6})$")


@dataclass(frozen=True)
class Example:
    name: str
    observations: tuple[Observation, ...]
    ports: tuple[Port, ...]
    now: dt.datetime | None
    expect: tuple[str, ...]
    line: int


@dataclass(frozen=True)
class ExposureRule:
    id: str
    severity: str
    title: str
    check: str
    basis: str
    why: str
    fix: str
    key: str = ""
    values: frozenset[str] = frozenset()
    ports: frozenset[int] = frozenset()
    days: int = 0
    min_bits: tuple[tuple[str, int], ...] = ()
    references: tuple[str, ...] = ()
    examples: tuple[Example, ...] = ()
    file: str = ""
    line: int = 0


@dataclass(frozen=True)
class _Hit:
    value: str
    source: str
    minimum: int = 0


# ---------------------------------------------------------------- findings


def findings(observations: Sequence[Observation], ports: Sequence[Port],
             now: dt.datetime | None = None, *,
             rules: Sequence[ExposureRule] | None = None) -> tuple[Exposure, ...]:
    """The exposures ``observations`` and open ``ports`` show, most severe first, as of ``now``
    (default: the current time; a naive time is UTC), under ``rules`` (default: shipped)."""
    when = now or dt.datetime.now(dt.UTC)
    when = when if when.tzinfo else when.replace(tzinfo=dt.UTC)
    chosen = shipped_rules() if rules is None else rules
    out: list[tuple[int, int, str, Exposure]] = []
    for index, rule in enumerate(chosen):
        seen: set[str] = set()
        for hit in _CHECKS[rule.check](rule, observations, ports, when):
            where = _port(hit.source) or hit.source
            if where in seen:
                continue
            seen.add(where)
            basis = rule.basis.format(value=_cut(hit.value), source=_cut(hit.source),
                                      port=_cut(where), days=rule.days, minimum=hit.minimum)
            out.append((SEVERITIES.index(rule.severity), index, hit.source,
                        Exposure(rule.id, rule.severity, basis, hit.source)))
    return tuple(e for *_, e in sorted(out, key=lambda t: t[:3]))


def _cut(value: str) -> str:
    text = " ".join(value.split())
    return text if len(text) <= MAX_BASIS_VALUE else text[:MAX_BASIS_VALUE] + "…"


def _port(source: str) -> str:
    m = _PORT.match(source)
    return f"{m.group(1)}/{int(m.group(2))}" if m else ""


def _of(rule: ExposureRule, observations: Iterable[Observation]) -> Iterable[Observation]:
    return (o for o in observations if o.key == rule.key and o.value.strip())


def _value(rule: ExposureRule, observations: Sequence[Observation], ports: Sequence[Port],
           now: dt.datetime) -> list[_Hit]:
    hits = [_Hit(o.value, o.source) for o in _of(rule, observations)
            if not rule.values or o.value.strip().casefold() in rule.values]
    hits += [_Hit(f"port {p.port}/tcp open", f"tcp/{p.port}") for p in ports
             if p.proto == "tcp" and p.port in rule.ports]
    return hits


def _date(text: str) -> dt.datetime | None:
    try:
        when = dt.datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return when if when.tzinfo else when.replace(tzinfo=dt.UTC)


def _before_now(rule: ExposureRule, observations: Sequence[Observation], ports: Sequence[Port],
                now: dt.datetime) -> list[_Hit]:
    return [_Hit(o.value, o.source) for o in _of(rule, observations)
            if (d := _date(o.value)) is not None and d < now]


def _within_days(rule: ExposureRule, observations: Sequence[Observation],
                 ports: Sequence[Port], now: dt.datetime) -> list[_Hit]:
    end = now + dt.timedelta(days=rule.days)
    return [_Hit(o.value, o.source) for o in _of(rule, observations)
            if (d := _date(o.value)) is not None and now <= d < end]


def _key_size(rule: ExposureRule, observations: Sequence[Observation], ports: Sequence[Port],
              now: dt.datetime) -> list[_Hit]:
    minimum = dict(rule.min_bits)
    hits = []
    for o in _of(rule, observations):
        m = _KEY.match(o.value.strip())
        if m and m.group(1).upper() in minimum and int(m.group(2)) < minimum[m.group(1).upper()]:
            hits.append(_Hit(o.value, o.source, minimum[m.group(1).upper()]))
    return hits


def _rtsp_described(rule: ExposureRule, observations: Sequence[Observation],
                    ports: Sequence[Port], now: dt.datetime) -> list[_Hit]:
    ok = {o.source for o in observations if o.key == "rtsp.status" and o.value.strip() == "200"}
    sdp = {o.source for o in observations if o.key == "rtsp.sdp" and o.value.strip()}
    return [_Hit("200", source) for source in sorted(ok & sdp)]


def _plain_http(source: str, ports: Sequence[Port]) -> bool:
    m = _PORT.match(source)
    if m is None or m.group(1) != "tcp":
        return False  # a pasted reply or a UDP source: the scheme is not known
    number = int(m.group(2))
    service = next((p.service for p in ports if p.port == number and p.proto == "tcp"), "")
    return service not in TLS_SERVICES and (service == "http" or number not in HTTPS_PORTS)


def _asks_password(o: Observation) -> str:
    if o.key == "http.body":
        for m in _PASSWORD_INPUT.finditer(o.value):
            if _PASSWORD_TYPE.search(m.group(1)):
                return 'a password field (<input type="password">)'
    elif o.key == "http.www_authenticate":
        scheme = (o.value.split(None, 1) or [""])[0]
        if scheme.casefold() == "basic":
            return f"WWW-Authenticate: {o.value.strip()}"
    return ""


def _plain_http_login(rule: ExposureRule, observations: Sequence[Observation],
                      ports: Sequence[Port], now: dt.datetime) -> list[_Hit]:
    hits = []
    for o in observations:
        if o.key in ("http.body", "http.www_authenticate") and _plain_http(o.source, ports):
            what = _asks_password(o)
            if what:
                hits.append(_Hit(what, o.source))
    return hits


_Check = Callable[[ExposureRule, Sequence[Observation], Sequence[Port], dt.datetime], list[_Hit]]
_CHECKS: dict[str, _Check] = {
    "value": _value, "before-now": _before_now, "within-days": _within_days,
    "key-size": _key_size, "rtsp-described": _rtsp_described,
    "plain-http-login": _plain_http_login,
}


# ---------------------------------------------------------------- the rule file


def exposure_dir() -> Path:
    return Path(str(resources.files("camaudit") / "rules" / "exposure"))


def load_rules(directory: Path | None = None) -> tuple[ExposureRule, ...]:
    """Every exposure rule of ``directory`` (default: the shipped ones), in file order. A
    structural problem raises ``RuleError`` naming ``file:line`` and the field."""
    folder = exposure_dir() if directory is None else directory
    out: list[ExposureRule] = []
    for path in sorted(folder.glob("*.yaml")):
        doc = load_yaml(path.read_text(encoding="utf-8"), path.name)
        top = Fields(doc, path.name, 1, "exposure file", {"exposures"})
        out += [_rule(raw, path.name, top.line) for raw in top.items("exposures")]
    return tuple(out)


@lru_cache(maxsize=1)
def shipped_rules() -> tuple[ExposureRule, ...]:
    return load_rules()


def rule_ids() -> tuple[str, ...]:
    """The ids of the shipped exposures, in file order (policies name them)."""
    return tuple(r.id for r in shipped_rules())


def _rule(raw: Any, filename: str, line: int) -> ExposureRule:
    f = Fields(raw, filename, line, "exposure", _RULE_KEYS)
    check = f.choice("check", CHECKS)
    key = f.text("key", "")
    if check not in ("rtsp-described", "plain-http-login"):
        if not key:
            raise f.fail("key", f"is missing (check '{check}' reads one observation key)")
        if key not in vocab(KEYS):
            raise f.fail("key", f"'{key}' is not an observation key in vocab/keys.txt")
    basis = f.text("basis")
    try:
        names = {name for _, name, _, _ in string.Formatter().parse(basis) if name is not None}
    except ValueError as e:
        raise f.fail("basis", f"is not a template: {e}") from e
    if names - PLACEHOLDERS:
        raise f.fail("basis", f"names {sorted(names - PLACEHOLDERS)[0]!r}; placeholders are "
                              f"{', '.join(sorted(PLACEHOLDERS))}")
    return ExposureRule(
        id=f.text("id"), severity=f.choice("severity", SEVERITIES), title=f.text("title"),
        check=check, basis=basis, why=f.text("why"), fix=f.text("fix"), key=key,
        values=frozenset(v.casefold() for v in f.texts("values")),
        ports=frozenset(_ports(f)),
        days=_whole(f, "days", f.raw.get("days", 0)),
        min_bits=tuple((str(k).upper(), _whole(f, "min_bits", v))
                       for k, v in _mapping(f, "min_bits").items() if not str(k).startswith("__")),
        references=f.texts("references"),
        examples=tuple(_example(e, filename, f.line) for e in f.items("examples")),
        file=filename, line=f.line)


def _ports(f: Fields) -> list[int]:
    value = f.raw.get("ports") or []
    if not isinstance(value, list):
        raise f.fail("ports", f"must be a list of TCP port numbers, not {short(value)}")
    return [_whole(f, "ports", p) for p in value]


def _whole(f: Fields, name: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 1 << 20:
        raise f.fail(name, f"must hold whole numbers, not {short(value)}")
    return value


def _mapping(f: Fields, name: str) -> dict[str, Any]:
    value = f.raw.get(name) or {}
    if not isinstance(value, dict):
        raise f.fail(name, f"must be a mapping, not {short(value)}")
    return value


def _example(raw: Any, filename: str, line: int) -> Example:
    f = Fields(raw, filename, line, "example", _EXAMPLE_KEYS)
    observations = []
    for item in f.items("observations", required=False):
        o = Fields(item, filename, f.line, "example observation", {"key", "value", "source"})
        key = o.text("key")
        if key not in vocab(KEYS):
            raise o.fail("key", f"'{key}' is not an observation key in vocab/keys.txt")
        observations.append(Observation(key, o.scalar("value"), o.text("source", "example")))
    expect = f.raw.get("expect")
    if not isinstance(expect, list) or any(not isinstance(e, str) for e in expect):
        raise f.fail("expect", "must be a list of exposure ids ([] for none)")
    now = f.raw.get("now")
    if now is not None and not isinstance(now, dt.date):
        raise f.fail("now", f"must be a date or an ISO 8601 time, not {short(now)}")
    if isinstance(now, dt.date) and not isinstance(now, dt.datetime):
        now = dt.datetime(now.year, now.month, now.day, tzinfo=dt.UTC)
    return Example(name=f.text("name"), observations=tuple(observations),
                   ports=tuple(Port(p, "tcp", "") for p in _ports(f)),
                   now=now, expect=tuple(expect), line=f.line)


def verify(directory: Path | None = None) -> list[str]:
    """Every problem of the exposure rules of ``directory`` (default: shipped) as ``file:line:
    message``: ids, and each example giving exactly the ids it expects. Every rule needs an
    example that finds it and one that does not."""
    try:
        rules = load_rules(directory)
    except RuleError as e:
        return [str(e)]
    problems: list[str] = []
    seen: dict[str, str] = {}
    for rule in rules:
        problems += id_problems(rule.id, f"{rule.file}:{rule.line}", seen)
    known = set(seen)
    for rule in rules:
        hits = [rule.id in ex.expect for ex in rule.examples]
        if not any(hits) or all(hits):
            problems.append(f"{rule.file}:{rule.line}: exposure {rule.id}: needs an example "
                            "that finds it and one that does not")
        for ex in rule.examples:
            at = f"{rule.file}:{ex.line}: example {ex.name!r}"
            problems += [f"{at}: expects unknown exposure '{e}'" for e in ex.expect
                         if e not in known]
            got = sorted({x.id for x in findings(ex.observations, ex.ports, ex.now, rules=rules)})
            if got != sorted(set(ex.expect)):
                problems.append(f"{at} finds {got}, expected {sorted(set(ex.expect))}")
    return problems
