"""``camaudit import nmap``: judge the hosts of an nmap XML file as if camaudit had scanned
them, print them in any report format and record them in the inventory like a scan."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from camaudit.cli.output import HELP_SETTINGS, not_recorded, record_options, write_output
from camaudit.errors import InventoryError, UsageError

# Every reporter (reports.REPORTERS, checked by the tests), so an import writes what a scan or a
# report can.
IMPORT_FORMATS = ("table", "json", "jsonl", "csv", "html", "ocsf", "cyclonedx", "netbox")


def read_bounded(path: Path, limit: int) -> bytes:
    """The file's bytes; one line naming the file when it cannot be read or is over ``limit``
    (checked before reading, and never more than ``limit`` + 1 bytes read)."""
    try:
        with path.open("rb") as f:
            data = f.read(limit + 1)
    except OSError as e:
        raise UsageError(f"cannot read '{path}': {e.strerror or e}") from e
    if len(data) > limit:
        raise UsageError(f"{path}: larger than {limit // (1024 * 1024)} MiB; split the scan "
                         "(nmap -oX per subnet) and import each file")
    return data


@click.group("import", context_settings=HELP_SETTINGS)
def import_() -> None:
    """Judge results of other tools as camaudit's own (today: nmap XML).

    The hosts are matched against the same fingerprint rules, built into the same device
    records and judged under the same policies as a scan's, and recorded in the inventory
    unless --no-db is given.
    """


@import_.command("nmap", context_settings=HELP_SETTINGS)
@click.argument("xml_file", metavar="FILE.xml", type=click.Path(path_type=Path, dir_okay=False))
@record_options("the imported hosts")
@click.option("--format", "fmt", type=click.Choice(IMPORT_FORMATS), default="table",
              show_default=True, help="Output format (docs/formats.md for ocsf, cyclonedx "
                                      "and netbox).")
@click.option("-o", "--output", type=click.Path(path_type=Path), help="Write output to FILE.")
@click.option("-v", "--verbose", is_flag=True,
              help="With the table: also list what each device said that no rule matched.")
def nmap(xml_file: Path, db: str | None, no_db: bool, site: str, fmt: str,
         output: Path | None, verbose: bool) -> None:
    """Judge the hosts of an nmap XML file (nmap -sV -oX) as if camaudit had scanned them.

    camaudit reads what the devices said: the raw replies nmap keeps for services it could not
    name (servicefp), the output of the scripts banner, http-server-header, http-title,
    http-headers, http-auth, rtsp-methods and ssl-cert, the MAC address and the open ports.
    nmap's own product names are not used as evidence. Nothing is sent on the network.

    Exit status: 0 when no device is covered, 1 when some device is, 2 on bad input.

    \b
    Examples:
      nmap -sV -oX scan.xml --script banner,http-server-header,http-title,http-headers,\\
           http-auth,rtsp-methods,ssl-cert 192.168.1.0/24
      camaudit import nmap scan.xml
      camaudit import nmap scan.xml --site hq --format json -o hq.json
      camaudit import nmap scan.xml --no-db --format cyclonedx -o hbom.json
    """
    from camaudit.clock import now_iso
    from camaudit.formats.nmap_xml import MAX_BYTES, parse, to_devices
    from camaudit.judge import any_covered
    from camaudit.reports import REPORTERS

    run = parse(read_bounded(xml_file, MAX_BYTES), str(xml_file))
    if not no_db:
        # before the work: an inventory that cannot record must not cost the results
        from camaudit.inventory import check_usable

        check_usable(db)
    devices = to_devices(run.hosts)
    started = run.started or now_iso()
    ports = sorted({p.port for h in run.hosts for p in h.ports})
    meta = {"targets": [str(xml_file)], "hosts": len(run.hosts), "ports": ports, "site": site,
            "time": started, "source": "nmap", "input": str(xml_file), "nmap": run.args}
    failed = None
    if not no_db:
        from camaudit.inventory import record_scan

        try:
            meta["scan_id"] = record_scan(db, started, [str(xml_file)],
                                          {"source": "nmap", "nmap": run.args,
                                           "nmap_version": run.version, "ports": ports},
                                          site, devices)
        except InventoryError as e:
            failed = e
    text = REPORTERS[fmt](devices, meta)
    if verbose and fmt == "table":
        from camaudit.reports.table import said

        text += said(devices)
    write_output(text, output)
    if failed is not None:
        raise not_recorded(failed, output)
    sys.exit(1 if any_covered(devices) else 0)
