"""``camaudit egress``: which devices send data to vendor clouds, P2P relays, DDNS, update hosts,
hard-coded public DNS and flagged countries, read from captures, Zeek logs and flow records.

Exit status 1 when a device sends to a flagged destination or country, 0 otherwise, 2 on bad
input (``UsageError``: one line naming the file and, for damage, the offset). Damage inside a
file (a truncated or corrupt record) is reported on stderr and in the output, and what was read
before it is kept.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from camaudit.errors import UsageError

FORMATS = ("table", "json", "csv")


def _countries(value: str) -> tuple[str, ...]:
    out = tuple(c.strip().upper() for c in value.split(",") if c.strip())
    for c in out:
        if len(c) != 2 or not c.isalpha():
            raise UsageError(f"--flag-country: '{c}' is not a two-letter country code")
    return out


@click.command()
@click.argument("evidence", nargs=-1, required=True,
                type=click.Path(path_type=Path, dir_okay=False))
@click.option("--devices", "devices_path", type=click.Path(path_type=Path, dir_okay=False),
              metavar="FILE", help="Inventory: scan --format json or jsonl output. Its devices "
                                   "are listed even when clean; others are listed by address.")
@click.option("--flag-country", "flag_country", default="CN", show_default=True,
              metavar="CC,CC", help="Hosting countries to flag (ISO codes, comma-separated; "
                                    "'' for none).")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="table",
              show_default=True, help="Output format.")
@click.option("-o", "--output", type=click.Path(path_type=Path), help="Write output to FILE.")
@click.option("--engine", type=click.Choice(("auto", "stream", "duckdb")), default="auto",
              show_default=True, help="Zeek conn logs: auto sends logs over 64 MB to DuckDB.")
@click.option("--netflow-port", "nf_ports", type=click.IntRange(1, 65535), multiple=True,
              metavar="PORT", help="In captures, decode UDP datagrams to PORT as NetFlow v5/v9 "
                                   "exports (repeatable, e.g. 2055).")
@click.option("--include-local", is_flag=True,
              help="Also list far ends inside the site (private, link-local, multicast).")
def egress(evidence: tuple[Path, ...], devices_path: Path | None, flag_country: str, fmt: str,
           output: Path | None, engine: str, nf_ports: tuple[int, ...],
           include_local: bool) -> None:
    """Show where devices send data, from captures, Zeek logs and flow records.

    EVIDENCE files are recognised by content: pcap and pcapng captures, Zeek conn, dns, ssl
    and http logs (TSV or JSON, plain or gzip) and nfdump CSV exports (nfdump -o csv). Per
    device and far end (address, protocol, port): bytes and packets each way, first and last
    seen, names seen in the same evidence (DNS answers, TLS SNI, HTTP Host), hosting country
    and AS from the IP data shipped with camaudit (never downloaded), and the destination kind
    from rules/egress (vendor-cloud, p2p, ddns, update, public-dns, cn-cloud). Exit status 1
    when a device sends to a flagged destination or country, 0 otherwise, 2 on bad input.

    \b
    Examples:
      camaudit egress capture.pcapng
      camaudit egress capture.pcap --devices scan.json --flag-country CN,HK,RU
      camaudit egress conn.log dns.log ssl.log http.log --format json -o egress.json
      camaudit egress flows.csv --format csv -o egress.csv
      camaudit egress exports.pcap --netflow-port 2055
    """
    from camaudit.egress.analysis import analyse
    from camaudit.egress.load import load
    from camaudit.egress.render import render_csv, render_json, render_table

    countries = _countries(flag_country)
    devices = None
    if devices_path is not None:
        from camaudit.check_cli import read_devices

        devices = read_devices(devices_path)
    cap = load(evidence, engine=engine, nf_ports=nf_ports)
    for d in cap.damage:
        click.echo(f"camaudit: warning: {d.line()} (kept what came before)", err=True)
    result = analyse(cap, devices, countries, include_local=include_local)
    if fmt == "json":
        text = render_json(result)
    else:
        text = render_csv(result) if fmt == "csv" else render_table(result)
    if output is None:
        click.echo(text, nl=False)
    else:
        try:
            output.write_text(text, encoding="utf-8")
        except OSError as e:
            raise UsageError(f"cannot write '{output}': {e.strerror or e}") from e
        click.echo(f"wrote {output}", err=True)
    sys.exit(1 if result.flagged else 0)
