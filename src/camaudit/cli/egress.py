"""``camaudit egress``: which devices send data to vendor clouds, P2P relays, DDNS, update hosts,
hard-coded public DNS and flagged countries, read from captures, Zeek logs and flow records.

Devices come from ``--devices FILE`` or else the inventory's latest full scan (``--db``,
``--site``, as ``camaudit check`` reads them). With the inventory as source the devices that have
findings are recorded there (``egress.record``) unless ``--no-db``.

Exit status 1 when a device sends to a flagged destination or country, 0 otherwise, 2 on bad
input (``UsageError``: one line naming the file and, for damage, the offset). Damage inside a
file (a truncated or corrupt record) is reported on stderr and in the output, and what was read
before it is kept.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from camaudit.cli.output import HELP_SETTINGS, db_option, write_output
from camaudit.clock import now_iso
from camaudit.errors import UsageError
from camaudit.model import Device

FORMATS = ("table", "json", "csv")


def _countries(value: str) -> tuple[str, ...]:
    out = tuple(c.strip().upper() for c in value.split(",") if c.strip())
    for c in out:
        if len(c) != 2 or not c.isalpha():
            raise UsageError(f"--flag-country: '{c}' is not a two-letter country code")
    return out


def _check_devices(devices: list[Device] | None, path: Path) -> None:
    """Devices are matched by address: a record whose ``ip`` is not one is bad input."""
    from camaudit.egress.flows import parse_ip

    for i, d in enumerate(devices or ()):
        if parse_ip(d.ip) is None:
            raise UsageError(f"{path}: device {i}: field ip: {d.ip[:60]!r} is not an IP "
                             "address")


def _inventory(db: str | None, site: str | None) -> tuple[list[Device] | None, dict[str, Any]]:
    """The inventory's devices (latest full scan, of ``site`` when given) and that scan's meta;
    None when there is no inventory yet or it holds no full scan (devices go by address)."""
    from contextlib import closing

    from camaudit.devicefile import load_devices
    from camaudit.inventory import is_postgres, open_store, resolve
    from camaudit.inventory.store import full_scans

    target = resolve(db)
    if not is_postgres(target) and not Path(target).expanduser().exists():
        return None, {}
    with closing(open_store(target, create=False)) as store:
        if not full_scans(store.scans(site)):
            return None, {}
    return load_devices(None, target, site, None)


@click.command(context_settings=HELP_SETTINGS)
@click.argument("evidence", nargs=-1, required=True, type=click.Path())
@click.option("--devices", "devices_path", type=click.Path(path_type=Path, dir_okay=False),
              metavar="FILE", help="Devices from scan --format json or jsonl output instead of "
                                   "the inventory (nothing is recorded).")
@db_option
@click.option("--site", help="Use the devices of the latest scan of this site (default: the "
                             "latest scan of any site).")
@click.option("--no-db", is_flag=True, help="Do not record the findings in the inventory.")
@click.option("--flag-country", "flag_country", default="CN", show_default=True,
              metavar="CC,CC", help="Hosting countries to flag (ISO codes, comma-separated; "
                                    "'' for none).")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="table",
              show_default=True, help="Output format.")
@click.option("-o", "--output", type=click.Path(path_type=Path), help="Write output to FILE.")
@click.option("--engine", type=click.Choice(("auto", "stream", "duckdb", "spark")),
              default="auto", show_default=True,
              help="Zeek conn logs: auto sends logs over 64 MB to DuckDB. spark: analyse "
                   "Parquet layouts (--to-parquet) on Apache Spark (needs pyspark and Java).")
@click.option("--spark-master", metavar="URL", envvar="SPARK_MASTER", show_envvar=True,
              help="With --engine spark: the cluster (spark://host:7077, yarn, k8s://...); "
                   "default local[*], or spark-submit's.")
@click.option("--to-parquet", "to_parquet", metavar="DIR",
              type=click.Path(path_type=Path, file_okay=False),
              help="Convert the evidence into the Parquet layout in DIR (created, or added "
                   "to) that --engine spark and duckdb read, and analyse nothing.")
@click.option("--netflow-port", "nf_ports", type=click.IntRange(1, 65535), multiple=True,
              metavar="PORT", help="In captures, decode UDP datagrams to PORT as NetFlow v5/v9 "
                                   "exports (repeatable, e.g. 2055).")
@click.option("--include-local", is_flag=True,
              help="Also list far ends inside the site (private, link-local, multicast).")
def egress(evidence: tuple[str, ...], devices_path: Path | None, db: str | None,
           site: str | None, no_db: bool, flag_country: str, fmt: str, output: Path | None,
           engine: str, spark_master: str | None, to_parquet: Path | None,
           nf_ports: tuple[int, ...], include_local: bool) -> None:
    """Show where devices send data, from captures, Zeek logs and flow records.

    EVIDENCE files are recognised by content: pcap and pcapng captures, Zeek conn, dns, ssl
    and http logs (TSV or JSON, plain or gzip) and nfdump CSV exports (nfdump -o csv). Per
    device and far end (address, protocol, port): bytes and packets each way, first and last
    seen, names seen in the same evidence (DNS answers, TLS SNI, HTTP Host), hosting country
    and AS from the IP data shipped with camaudit (never downloaded), and the destination kind
    from rules/egress (vendor-cloud, p2p, ddns, update, public-dns, cn-cloud). Exit status 1
    when a device sends to a flagged destination or country, 0 otherwise, 2 on bad input.

    Bad input (not evidence, a bad Zeek header, nothing readable) is one line naming file,
    offset and field. Damage (a bad row or block, a count, port, time or address out of range,
    a text line over 1 MiB, a NetFlow v9 template over 256 fields) is reported and skipped, and
    the rest is read. Each file is read once: pipes, FIFOs and /dev/stdin work, gzip too.

    Devices come from --devices, or else from the inventory's latest scan: its devices are
    listed even when clean, others by address. With the inventory, devices with findings
    (others too) are recorded there unless --no-db, as the egress field of their records in
    a new scan; later network scans keep it and camaudit report charts it.

    --to-parquet DIR writes the evidence as Parquet tables (docs/egress.md) instead; a DIR
    so written is itself EVIDENCE, read by DuckDB, or by Apache Spark with --engine spark
    (local[*], --spark-master URL or spark-submit), with the same findings.

    \b
    Examples:
      camaudit egress capture.pcapng
      camaudit egress capture.pcapng --site north
      camaudit egress capture.pcap --devices scan.json --flag-country CN,HK,RU
      camaudit egress conn.log dns.log ssl.log http.log --format json -o egress.json
      camaudit egress flows.csv --format csv -o egress.csv
      camaudit egress exports.pcap --netflow-port 2055
      camaudit egress --to-parquet layout/ conn.*.log.gz dns.*.log.gz
      camaudit egress layout/ --engine spark --spark-master spark://head:7077
    """
    from camaudit.egress.render import render_csv, render_json, render_table

    if to_parquet is not None:
        _to_parquet(evidence, to_parquet, nf_ports, devices_path, output, engine)
        return
    countries = _countries(flag_country)
    started = now_iso()
    if devices_path is not None:
        if db is not None or site is not None or no_db:
            raise UsageError("--db, --site and --no-db are about the inventory: not with "
                             "--devices")
        from camaudit.devicefile import read_devices

        devices: list[Device] | None = read_devices(devices_path)
        meta: dict[str, Any] = {}
        _check_devices(devices, devices_path)
    else:
        devices, meta = _inventory(db, site)
        if not no_db:
            # before the work: an inventory that cannot record must not cost the results
            from camaudit.inventory import check_usable

            check_usable(db)
    if engine == "spark":
        from camaudit.egress.sparkengine import run

        result = run(evidence, devices, countries, include_local, master=spark_master)
    else:
        if _on_command_line("spark_master"):  # SPARK_MASTER in the environment is no error
            raise UsageError("--spark-master is for --engine spark")
        from camaudit.egress.analysis import analyse
        from camaudit.egress.load import load

        cap = load([Path(e) for e in evidence], engine=engine, nf_ports=nf_ports)
        result = analyse(cap, devices, countries, include_local=include_local)
    _warn(result.damage)
    if fmt == "json":
        text = render_json(result)
    else:
        text = render_csv(result) if fmt == "csv" else render_table(result)
    # the results first, then the inventory: a failure there leaves them written
    write_output(text, output)
    if devices_path is None and not no_db:
        from camaudit.egress.record import record_egress
        from camaudit.errors import InventoryError

        where = meta.get("site") or site or ""
        try:
            scan_id = record_egress(db, where, result, started)
        except InventoryError as e:
            place = f"in {output}" if output is not None else "on stdout above"
            raise InventoryError(f"{e}; the findings were not recorded, the results are "
                                 f"{place}") from e
        if scan_id is not None:
            click.echo(f"camaudit: recorded the findings in the inventory (scan {scan_id})",
                       err=True)
    sys.exit(1 if result.flagged else 0)


def _warn(damage: tuple[str, ...] | list[str]) -> None:
    from camaudit.reports.text import printable

    for line in damage:
        click.echo(f"camaudit: warning: {printable(line)} (read the rest)", err=True)


def _on_command_line(param: str) -> bool:
    return click.get_current_context().get_parameter_source(param) is \
        click.core.ParameterSource.COMMANDLINE


def _to_parquet(evidence: tuple[str, ...], out: Path, nf_ports: tuple[int, ...],
                devices_path: Path | None, output: Path | None, engine: str) -> None:
    """``--to-parquet DIR``: convert, report on stderr, exit 0 (2 on bad input)."""
    if (devices_path is not None or output is not None or engine == "spark"
            or _on_command_line("spark_master")):
        raise UsageError("--to-parquet only converts: not with --devices, -o, --engine spark "
                         "or --spark-master")
    from camaudit.egress.layout import write_layout

    summary = write_layout([Path(e) for e in evidence], out, nf_ports)
    _warn([d.line() for d in summary.damage])
    click.echo(f"camaudit: wrote {len(summary.files)} evidence files ({summary.records} "
               f"records) to the Parquet layout in {out}", err=True)
