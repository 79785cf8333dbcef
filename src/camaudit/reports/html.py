"""A self-contained HTML report: summary, charts, a sortable and filterable table, evidence.

One file, nothing fetched at view time: CSS and JavaScript are inline, charts are inline SVG
drawn here, and a Content-Security-Policy (``default-src 'none'``, scripts and styles allowed
only by their SHA-256 hashes) stops the page from loading anything or running any script but
its own. Every string that came from a device (names, titles, realms, models, evidence values)
is attacker-controlled: Jinja2 autoescaping is on for the whole template, nothing from a device
is marked safe, and it never enters the JavaScript, which only reads the table's text.

The page is bounded whatever the input (a scan file or inventory of hostile records): each
device string is cut at ``MAX_VALUE`` characters and each per-device list (evidence, verdicts,
errors, risks, screening and egress findings, names, ports) at ``MAX_ITEMS`` entries, with the
number left out said on the page; so the page grows with the number of devices only.

``meta`` (the reporters' common argument) may carry ``site``, ``targets``, ``scan_id``,
``time`` and ``changes``: the ``ScanDiff.to_json()`` of this scan against the previous one.

Screening findings (``Device.screening``, each a ``model.ScreeningFinding``) are shown per device
and counted in the summary; ``finding_rows`` turns them into plain-text rows, and
``camaudit screen --format html`` uses it too, with this module's environment and CSP hashes.

Known vulnerabilities (``Device.risks``, docs/risks.md) are counted in the summary, named in
the device table and shown per device with their basis (``risk_rows``); a ``not-affected``
entry (the firmware was checked and is outside the CVE's range) is no vulnerability and is left
out of all three.

Egress findings (``Device.egress``, each a ``model.EgressFinding``, rows of its JSON) are shown
per device (``egress_rows``) and, when any device has some, charted as bytes out by hosting
country and by destination kind (``egress_summary``), with the attribution of the shipped IP
data under the charts.
"""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import ipaddress
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

import jinja2

from camaudit import __version__
from camaudit.model import Device

MAX_VALUE = 400  # characters of one device string shown; the rest is counted, not shown
MAX_ITEMS = 200  # entries of one per-device list shown (evidence, findings ...); the rest counted
CHART_WIDTH = 320
BAR_HEIGHT = 22
STATUS_ORDER = ("covered", "possible", "unknown", "not-covered")
STATUS_COLOURS = {"covered": "#c0392b", "possible": "#d35400", "unknown": "#b7950b",
                  "not-covered": "#1e8449"}
SEVERITIES = ("high", "medium", "low")
RISK_STATUSES = ("affected", "possible")
PALETTE = ("#2e86c1", "#8e44ad", "#d35400", "#16a085", "#7f8c8d", "#c0392b", "#27ae60",
           "#f39c12", "#34495e", "#e84393")


@dataclass(frozen=True, slots=True)
class Bar:
    label: str
    count: int
    y: int
    width: int
    colour: str


def status(d: Device) -> str:
    """covered (some policy covers it), possible (some policy would, on too little evidence),
    not-covered (every policy says so), else unknown."""
    statuses = {v.status for v in d.verdicts}
    if "covered" in statuses:
        return "covered"
    if "possible" in statuses:
        return "possible"
    if statuses == {"not-covered"}:
        return "not-covered"
    return "unknown"


def ip_sort(ip: str) -> str:
    """A text that sorts addresses numerically (IPv4 first), for the table's data-sort; a
    camera behind a recorder (``<recorder>/ch<N>``) sorts right after its recorder."""
    host, sep, channel = ip.partition("/ch")
    try:
        addr = ipaddress.ip_address(host)
    except ValueError:
        return "2:" + ip
    suffix = f"/{int(channel):06d}" if sep and channel.isdigit() and len(channel) <= 6 else ""
    if sep and not suffix:
        return "2:" + ip
    return f"{0 if addr.version == 4 else 1}:{int(addr):039d}{suffix}"


def shorten(value: str, limit: int = MAX_VALUE) -> str:
    if len(value) <= limit:
        return value
    return f"{value[:limit]}\u2026 ({len(value) - limit} more characters)"


def bars(counts: Sequence[tuple[str, int]], colours: Mapping[str, str] | None = None) -> list[Bar]:
    """Horizontal bars, widest for the largest count, one row each."""
    top = max((c for _, c in counts), default=0) or 1
    return [Bar(label, count, i * (BAR_HEIGHT + 6), max(2, round(CHART_WIDTH * count / top)),
                (colours or {}).get(label, PALETTE[i % len(PALETTE)]))
            for i, (label, count) in enumerate(counts)]


def _text(value: object) -> str:
    return "" if value is None else str(value)


def _number(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def finding_location(f: Mapping[str, Any]) -> str:
    """Where a finding (``ScreeningFinding.to_json()``) is: page, byte offset, element or row,
    encoding."""
    page, offset = _number(f.get("page")), _number(f.get("offset"))
    parts = []
    if page is not None:
        parts.append(f"page {page}")
    if offset is not None:
        parts.append(f"offset {offset} (0x{offset:x})")
    if f.get("where"):
        parts.append(_text(f.get("where")))
    if f.get("encoding") and offset is not None:
        parts.append(_text(f.get("encoding")))
    return ", ".join(parts) or "-"


def finding_rows(findings: Iterable[object]) -> list[dict[str, str]]:
    """Screening findings as plain-text rows for a template (entries that are not mappings are
    left out). The context is split around the first occurrence of the matched text, so the
    template can mark it without marking anything safe."""
    rows: list[dict[str, str]] = []
    for f in findings:
        if not isinstance(f, Mapping):
            continue
        matched, context = _text(f.get("matched")), _text(f.get("context"))
        before, mark, after = context.partition(matched) if matched else (context, "", "")
        if not mark:
            before, after = context, ""
        severity = _text(f.get("severity"))
        rows.append({
            "path": shorten(_text(f.get("path"))), "location": finding_location(f),
            "rule": _text(f.get("rule")), "severity": severity,
            "severity_class": severity if severity in SEVERITIES else "other",
            "grade": _text(f.get("grade")), "matched": shorten(matched),
            "near": _text(f.get("near")), "source": shorten(_text(f.get("source"))),
            "before": shorten(before), "mark": shorten(mark), "after": shorten(after),
        })
    return rows


RISK_TEXT = ("cve", "status", "kev", "kev_grade", "title", "grade", "basis", "source")


def risk_rows(entries: Iterable[object]) -> list[dict[str, str]]:
    """Known vulnerabilities (``Device.risks``) as plain-text rows for a template, affected
    first; entries that are not mappings (a stored record may hold anything) or say
    ``not-affected`` (no vulnerability) are left out."""
    rows: list[dict[str, str]] = []
    for r in entries:
        if not isinstance(r, Mapping) or r.get("status") == "not-affected":
            continue
        row = {k: shorten(_text(r.get(k))) for k in RISK_TEXT}
        row["status_class"] = row["status"] if row["status"] in RISK_STATUSES else "other"
        rows.append(row)
    order = {s: i for i, s in enumerate(RISK_STATUSES)}
    return sorted(rows, key=lambda row: order.get(row["status"], len(order)))


EGRESS_TEXT = ("destination", "ip", "country", "asn", "kind", "proto", "first_seen", "last_seen")


def _count(value: object) -> int:
    n = _number(value)
    return n if n is not None and n > 0 else 0


def egress_rows(entries: Iterable[object]) -> list[dict[str, Any]]:
    """Egress findings as rows for a template: text as plain text, byte counts as integers
    (anything but a non-negative integer counts 0). Entries that are not mappings are left out."""
    rows: list[dict[str, Any]] = []
    for e in entries:
        if not isinstance(e, Mapping):
            continue
        reasons = e.get("reasons")
        rows.append({
            **{k: shorten(_text(e.get(k)), 200) for k in EGRESS_TEXT},
            "port": _number(e.get("port")), "bytes_out": _count(e.get("bytes_out")),
            "bytes_in": _count(e.get("bytes_in")), "flagged": e.get("flagged") is True,
            "reasons": shorten("; ".join(r for r in reasons if isinstance(r, str)), 200)
            if isinstance(reasons, list | tuple) else "",
        })
    return rows


def _by_bytes(rows: Iterable[dict[str, Any]], key: str) -> list[Bar]:
    totals: Counter[str] = Counter()
    for f in rows:
        totals[f[key] or "unknown"] += f["bytes_out"]
    return bars(sorted(totals.items(), key=lambda kv: (-kv[1], kv[0])))


def egress_summary(rows: Sequence[dict[str, Any]]) -> dict[str, Any] | None:
    """Bytes out by hosting country and by destination kind over every device's egress rows
    (``_row``), the totals and the IP data's attribution; None when no device has any."""
    found = [r for r in rows if r["egress"]]
    if not found:
        return None
    from camaudit.egress.geo import attribution

    flat = [f for r in found for f in r["egress"]]
    countries, kinds = _by_bytes(flat, "country"), _by_bytes(flat, "kind")
    return {"devices": found, "findings": len(flat),
            "flagged": [r for r in found if any(f["flagged"] for f in r["egress"])],
            "total": sum(f["bytes_out"] for f in flat),
            "countries": countries, "country_height": len(countries) * (BAR_HEIGHT + 6),
            "kinds": kinds, "kind_height": len(kinds) * (BAR_HEIGHT + 6),
            "attribution": attribution()}


_DEVICE_TEXT = ("ip", "mac", "maker", "brand", "model", "firmware", "serial", "device_type",
                "first_seen", "last_seen")


def _bounded(d: Device) -> tuple[Device, int]:
    """``d`` with every string the page shows cut at ``MAX_VALUE`` characters and its lists at
    ``MAX_ITEMS`` entries; (that device, the number of list entries left out)."""
    cut = 0

    def head(items: Sequence[Any]) -> tuple[Any, ...]:
        nonlocal cut
        cut += max(0, len(items) - MAX_ITEMS)
        return tuple(items[:MAX_ITEMS])

    text: dict[str, Any] = {k: shorten(v) for k in _DEVICE_TEXT
                            if isinstance(v := getattr(d, k), str)}
    verdicts = tuple(dataclasses.replace(
        v, reason=shorten(v.reason), references=tuple(shorten(r) for r in v.references[:20]))
        for v in head(d.verdicts))
    return dataclasses.replace(
        d, **text, hostnames=tuple(shorten(h) for h in head(d.hostnames)),
        ports=head(d.ports), verdicts=verdicts, evidence=head(d.evidence),
        errors=head(d.errors), screening=head(d.screening), egress=head(d.egress),
        risks=head(d.risks), observations=head(d.observations),
        exposures=head(d.exposures)), cut


def _row(i: int, device: Device) -> dict[str, Any]:
    d, cut = _bounded(device)
    return {
        "index": i, "d": d, "status": status(device), "ip_sort": ip_sort(d.ip),
        "ports": ", ".join(f"{p.port}/{p.proto}" for p in d.ports),
        "evidence": [(shorten(e.source), shorten(e.key), shorten(e.value), shorten(e.rule))
                     for e in d.evidence],
        "errors": [(shorten(e.source), shorten(e.message)) for e in d.errors],
        "said": [(shorten(o.source), shorten(o.key), shorten(o.value))
                 for o in d.observations],
        "screening": finding_rows(f.to_json() for f in d.screening),
        "egress": egress_rows(e.to_json() for e in d.egress),
        "risks": risk_rows(r.to_json() for r in d.risks),
        "exposures": [(shorten(x.id), shorten(x.severity), shorten(x.basis), shorten(x.source))
                      for x in d.exposures],
        "currency": None if d.currency is None else {
            k: "" if v is None else shorten(str(v)) for k, v in d.currency.to_json().items()},
        "left_out": cut,
    }


def _changes(raw: object) -> dict[str, Any] | None:
    """The ``changes`` meta entry (``ScanDiff.to_json()``) with every key the template reads."""
    if not isinstance(raw, Mapping):
        return None
    def cut(value: object) -> object:
        return shorten(value) if isinstance(value, str) else value

    lists = {k: [x for x in raw.get(k) or () if isinstance(x, Mapping)]
             for k in ("appeared", "vanished", "changed")}
    lists["changed"] = [{"ip": cut(c.get("ip", "")),
                         "changes": [{"field": cut(x.get("field", "")),
                                      "before": cut(x.get("before")),
                                      "after": cut(x.get("after"))}
                                     for x in list(c.get("changes") or ())[:MAX_ITEMS]
                                     if isinstance(x, Mapping)]}
                        for c in lists["changed"]]
    lists["appeared"] = [{k: cut(d.get(k)) for k in ("ip", "maker", "brand")}
                         for d in lists["appeared"]]
    lists["vanished"] = [{k: cut(d.get(k)) for k in ("ip", "maker", "brand")}
                         for d in lists["vanished"]]
    return {"from_scan": raw.get("from_scan", ""), "to_scan": raw.get("to_scan", ""), **lists}


def context(devices: Sequence[Device], meta: Mapping[str, Any]) -> dict[str, Any]:
    """What the template shows; everything device-controlled stays plain text here."""
    makers = Counter(d.maker or "unknown" for d in devices).most_common()
    statuses = Counter(status(d) for d in devices)
    by_status = [(s, statuses[s]) for s in STATUS_ORDER if statuses[s]]
    rows = [_row(i, d) for i, d in enumerate(devices)]
    device_sites = meta.get("device_sites") or ()
    for row, site in zip(rows, device_sites, strict=False):
        row["site"] = shorten(str(site))
    sites = [{k: shorten(str(x.get(k, ""))) for k in ("site", "scan_id", "time", "devices")}
             for x in meta.get("sites") or () if isinstance(x, Mapping)]
    return {
        "version": __version__,
        "meta": {k: meta.get(k) or "" for k in ("site", "time", "scan_id")},
        "targets": [str(t) for t in meta.get("targets") or ()],
        "total": len(devices),
        "makers": bars(makers),
        "maker_height": max(1, len(makers)) * (BAR_HEIGHT + 6),
        "statuses": bars(by_status, STATUS_COLOURS),
        "status_height": max(1, len(by_status)) * (BAR_HEIGHT + 6),
        "status_counts": {s: statuses[s] for s in STATUS_ORDER},
        "relabeled": [d for d in devices if d.relabeled],
        "screened": [r for r in rows if r["screening"]],
        "risky": [r for r in rows if r["risks"]],
        "exposed": [r for r in rows if r["exposures"]],
        "sites": sites,
        "with_site": bool(device_sites),
        "egress": egress_summary(rows),
        "changes": _changes(meta.get("changes")),
        "rows": rows,
        "chart_width": CHART_WIDTH,
        "max_items": MAX_ITEMS,
        "bar_height": BAR_HEIGHT,
    }


def csp_hash(text: object) -> str:
    digest = hashlib.sha256(str(text).encode("utf-8")).digest()
    return "sha256-" + base64.b64encode(digest).decode("ascii")


@cache
def environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("camaudit.reports", "templates"),
        autoescape=True,  # every template, whatever its name: device strings are hostile
        undefined=jinja2.StrictUndefined,
        trim_blocks=True, lstrip_blocks=True,
    )
    env.filters["csp_hash"] = csp_hash
    env.filters["thousands"] = lambda n: f"{n:,}"
    return env


def render(devices: Sequence[Device], meta: dict[str, Any]) -> str:
    return environment().get_template("report.html.j2").render(context(devices, meta))
