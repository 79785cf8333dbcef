"""``camaudit inventory list|show|history|diff``: the devices and scans kept in the inventory.

The store is ``--db PATH`` (a SQLite file), ``--db postgresql://...``, ``$CAMAUDIT_DB``, or the
default ``~/.local/share/camaudit/inventory.db``. These commands only read; a missing SQLite
file is an error (exit 2) rather than a new empty inventory.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from contextlib import closing
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import click

from camaudit import __version__
from camaudit.cli.output import HELP_SETTINGS, db_option, write_output
from camaudit.errors import UsageError
from camaudit.inventory import DeviceFilter, ScanDiff, ScanInfo, Sighting, Store, open_store
from camaudit.inventory.store import ip_sort_key, ports_text, verdicts_text

FORMATS = ("table", "json", "csv")
LIST_COLUMNS = ("site", "ip", "mac", "maker", "brand", "relabeled", "model", "firmware",
                "device_type", "confidence", "ports", "verdicts", "first_seen", "last_seen",
                "scan_id")


def _out_options(formats: Sequence[str]) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    def deco(f: Callable[..., Any]) -> Callable[..., Any]:
        f = click.option("-o", "--output", type=click.Path(path_type=Path, dir_okay=False),
                         help="Write output to FILE.")(f)
        return click.option("--format", "fmt", type=click.Choice(formats), default="table",
                            show_default=True, help="Output format.")(f)
    return deco


def _open(db: str | None) -> Store:
    return open_store(db, create=False)


def _json(kind: str, body: Any) -> str:
    return json.dumps({"camaudit": __version__, kind: body}, indent=2, ensure_ascii=False) + "\n"


def _csv(header: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    from camaudit.reports.text import csv_text

    return csv_text(rows, header)


def _table(title: str, header: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    from camaudit.reports.table import render_rows

    return render_rows(title, header, [["-" if v is None or v == "" else v for v in row]
                                       for row in rows])


def parse_since(text: str) -> str:
    """YYYY-MM-DD or an ISO 8601 time -> the stored form (a date stays a date)."""
    try:
        if len(text) == 10:
            return date.fromisoformat(text).isoformat()
        when = datetime.fromisoformat(text)
    except ValueError as e:
        raise UsageError(f"bad --since '{text}': use YYYY-MM-DD or an ISO 8601 time") from e
    when = when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)
    return when.replace(microsecond=0).isoformat().replace("+00:00", "Z")


def _sighting_row(s: Sighting) -> list[object]:
    d = s.device
    return [s.site, d.ip, d.mac, d.maker, d.brand, "yes" if d.relabeled else "no", d.model,
            d.firmware, d.device_type, f"{d.confidence:.2f}", ports_text(d), verdicts_text(d),
            d.first_seen, d.last_seen, s.scan_id]


@click.group(context_settings=HELP_SETTINGS)
def inventory() -> None:
    """Devices and scans kept in the inventory, with their history.

    Every scan saved with --db (the default) is kept: its time, site, targets and options,
    and each device as it was then, with its evidence. These commands read that history.

    \b
    Examples:
      camaudit inventory list --maker Hikvision --covered
      camaudit inventory list --subnet 10.1.0.0/16 --since 2025-01-01 --format csv
      camaudit inventory show 10.1.2.3
      camaudit inventory history
      camaudit inventory diff --site berlin
      camaudit inventory diff 12 15 --format json
      camaudit inventory list --db postgresql://audit@db.example/camaudit --site berlin
    """


@inventory.command("list")
@db_option
@click.option("--site", help="Only devices of this site.")
@click.option("--maker", help="Only this firmware maker (case-insensitive), e.g. Dahua.")
@click.option("--brand", help="Only this label (case-insensitive), e.g. Lorex.")
@click.option("--covered/--not-covered", "covered", default=None,
              help="Only devices some policy covers / no policy covers.")
@click.option("--subnet", metavar="CIDR", help="Only addresses inside CIDR.")
@click.option("--since", metavar="DATE", help="Only devices seen on or after DATE "
              "(YYYY-MM-DD or ISO 8601 time).")
@_out_options(FORMATS)
def inventory_list(db: str | None, site: str | None, maker: str | None, brand: str | None,
                   covered: bool | None, subnet: str | None, since: str | None, fmt: str,
                   output: Path | None) -> None:
    """List every known device as last seen, with when it was first and last seen.

    A device is one address at one site. Filters combine (all must hold) and apply to the
    device's latest state.

    \b
    Examples:
      camaudit inventory list
      camaudit inventory list --maker Hikvision --covered --format json
      camaudit inventory list --brand Lorex --subnet 192.168.1.0/24
      camaudit inventory list --site hq --since 2025-06-01 --format csv -o hq.csv
    """
    filters = DeviceFilter(maker=maker, brand=brand, covered=covered, subnet=subnet,
                           since=parse_since(since) if since else None, site=site)
    with closing(_open(db)) as store:
        found = store.devices(filters)
    if fmt == "json":
        body = {"filters": {k: v for k, v in vars_of(filters).items() if v is not None},
                "devices": [s.to_json() for s in found]}
        text = _json("inventory", body)
    elif fmt == "csv":
        text = _csv(LIST_COLUMNS, [_sighting_row(s) for s in found])
    else:
        text = _table(f"camaudit inventory: {len(found)} device(s)",
                      ("Site", "IP", "Maker", "Brand", "Relabeled", "Model", "Ports",
                       "Verdicts", "First seen", "Last seen"),
                      [[r[0], r[1], r[3], r[4], r[5], r[6], r[10], r[11], r[12], r[13]]
                       for r in map(_sighting_row, found)])
    write_output(text, output)


def vars_of(filters: DeviceFilter) -> dict[str, Any]:
    return {k: getattr(filters, k) for k in DeviceFilter.__dataclass_fields__}


@inventory.command("show")
@click.argument("ip")
@db_option
@click.option("--site", help="The site the address belongs to (when several sites have it).")
@_out_options(("table", "json"))
def inventory_show(ip: str, db: str | None, site: str | None, fmt: str,
                   output: Path | None) -> None:
    """Show one device: every scan that saw it and all its evidence over time.

    \b
    Examples:
      camaudit inventory show 10.1.2.3
      camaudit inventory show 10.1.2.3 --site berlin --format json
    """
    with closing(_open(db)) as store:
        seen = store.history(ip, site)
    if not seen:
        raise UsageError(f"no device {ip} in the inventory" + (f" at site '{site}'"
                                                                if site else ""))
    evidence: dict[tuple[str, str, str, str], list[Sighting]] = {}
    for s in seen:
        for e in s.device.evidence:
            evidence.setdefault((e.rule, e.key, e.value, e.source), []).append(s)
    timeline = [{"rule": k[0], "key": k[1], "value": k[2], "source": k[3],
                 "first_seen": v[0].time, "last_seen": v[-1].time,
                 "scans": [s.scan_id for s in v]} for k, v in evidence.items()]
    if fmt == "json":
        text = _json("device", {"ip": ip, "latest": seen[-1].to_json(),
                                "sightings": [s.to_json() for s in seen], "evidence": timeline})
    else:
        text = _table(f"{ip}: seen in {len(seen)} scan(s)",
                      ("Scan", "Time", "Site", "Maker", "Brand", "Model", "Firmware", "Ports",
                       "Verdicts"),
                      [[s.scan_id, s.time, s.site, s.device.maker, s.device.brand,
                        s.device.model, s.device.firmware, ports_text(s.device),
                        verdicts_text(s.device)] for s in seen])
        text += _table("Evidence over time", ("Rule", "Observation", "Value", "Where",
                                              "First seen", "Last seen", "Scans"),
                       [[t["rule"], t["key"], t["value"], t["source"], t["first_seen"],
                         t["last_seen"], len(t["scans"])] for t in timeline])
        said = seen[-1].device.observations
        if said:
            text += _table("What it said that no rule matched (latest scan)",
                           ("Observation", "Value", "Where"),
                           [[o.key, o.value, o.source] for o in said])
    write_output(text, output)


@inventory.command("history")
@click.argument("ip", required=False)
@db_option
@click.option("--site", help="Only scans of this site.")
@_out_options(FORMATS)
def inventory_history(ip: str | None, db: str | None, site: str | None, fmt: str,
                      output: Path | None) -> None:
    """List the scans kept (time, site, targets, devices found), oldest first; with IP, the
    scans that saw that device and what it was each time.

    \b
    Examples:
      camaudit inventory history
      camaudit inventory history --site berlin --format json
      camaudit inventory history 10.1.2.3 --format csv
    """
    with closing(_open(db)) as store:
        if ip is not None:
            rows = [_sighting_row(s) for s in store.history(ip, site)]
            scans: list[ScanInfo] = []
        else:
            scans = store.scans(site)
    if ip is not None:
        if fmt == "json":
            text = _json("history", {"ip": ip, "sightings": [dict(zip(LIST_COLUMNS, r,
                                                                        strict=True))
                                                              for r in rows]})
        elif fmt == "csv":
            text = _csv(LIST_COLUMNS, rows)
        else:
            text = _table(f"{ip}: {len(rows)} sighting(s)",
                          ("Scan", "Seen", "Site", "Maker", "Brand", "Model", "Firmware",
                           "Ports", "Verdicts"),
                          [[r[14], r[13], r[0], r[3], r[4], r[6], r[7], r[10], r[11]]
                           for r in rows])
    elif fmt == "json":
        text = _json("scans", [s.to_json() for s in scans])
    else:
        header = ("id", "time", "site", "targets", "devices", "finished")
        table_rows = [[s.id, s.time, s.site, " ".join(s.targets), s.device_count, s.finished]
                      for s in scans]
        text = (_csv(header, table_rows) if fmt == "csv"
                else _table(f"camaudit inventory: {len(scans)} scan(s)", header, table_rows))
    write_output(text, output)


def _diff_rows(diff: ScanDiff) -> list[list[object]]:
    rows: list[list[object]] = []
    for d in diff.appeared:
        rows.append(["appeared", d.ip, "", "", f"{d.maker or '-'} / {d.brand or '-'}"])
    for d in diff.vanished:
        rows.append(["vanished", d.ip, "", f"{d.maker or '-'} / {d.brand or '-'}", ""])
    for c in diff.changed:
        rows.extend(["changed", c.ip, x.field, x.before, x.after] for x in c.changes)
    return sorted(rows, key=lambda r: (ip_sort_key(str(r[1])), str(r[0])))


@inventory.command("diff")
@click.argument("scans", nargs=-1, type=int, metavar="[SCAN_A SCAN_B]")
@db_option
@click.option("--site", help="Diff the last two scans of this site (default: the site of the "
              "latest scan).")
@_out_options(FORMATS)
def inventory_diff(scans: tuple[int, ...], db: str | None, site: str | None, fmt: str,
                   output: Path | None) -> None:
    """What appeared, vanished or changed between two scans (default: the last two).

    A device is matched by address. Changes are reported for maker, brand, model, firmware,
    MAC, open ports and policy verdicts. Scan ids come from 'inventory history'.

    \b
    Examples:
      camaudit inventory diff
      camaudit inventory diff --site berlin
      camaudit inventory diff 12 15 --format json -o changes.json
    """
    if len(scans) not in (0, 2):
        raise UsageError("diff takes two scan ids (SCAN_A SCAN_B) or none for the last two")
    with closing(_open(db)) as store:
        diff = (store.diff(scans[0], scans[1], site=site) if scans
                else store.diff(site=site))
    header = ("change", "ip", "field", "before", "after")
    if fmt == "json":
        text = _json("diff", diff.to_json())
    elif fmt == "csv":
        text = _csv(header, _diff_rows(diff))
    else:
        title = (f"scan {diff.scan_a} -> {diff.scan_b}: {len(diff.appeared)} appeared, "
                 f"{len(diff.vanished)} vanished, {len(diff.changed)} changed")
        text = _table(title, header, _diff_rows(diff))
    write_output(text, output)
