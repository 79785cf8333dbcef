"""``camaudit scan``: probe targets read-only, identify what answers, judge it, record it."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from camaudit.cli.credopts import credential_options, load_credentials, probe_options
from camaudit.cli.output import HELP_SETTINGS, record_options
from camaudit.errors import UsageError

SCAN_FORMATS = ("table", "json", "jsonl", "csv", "html", "ocsf", "cyclonedx", "netbox")


@click.command(context_settings=HELP_SETTINGS)
@click.argument("targets", nargs=-1)
@click.option("-p", "ports_spec", metavar="PORTS",
              help="Ports to probe, e.g. 80,443,8000-8010 (default: the camera port set).")
@probe_options
@click.option("--iface", metavar="IF",
              help="Also run vendor discovery (SADP, DHIP, Dahua legacy, DVRIP search, "
                   "WS-Discovery, SSDP, mDNS) on this "
                   "interface and merge what answers, with MACs from the neighbour table.")
@click.option("--wait", default=3.0, show_default=True, type=click.FloatRange(0.1, 120),
              help="Seconds to collect discovery replies (with --iface).")
@credential_options
@click.option("--resume", is_flag=True,
              help="Continue the newest interrupted scan of the same targets, ports and site "
                   "from the inventory (Ctrl-C or a killed process loses nothing recorded).")
@click.option("--no-depth", is_flag=True,
              help="Skip depth: no unsigned ONVIF GetDeviceInformation and no login.")
@record_options("the scan")
@click.option("--format", "fmt", type=click.Choice(SCAN_FORMATS), default="table",
              show_default=True, help="Output format.")
@click.option("-o", "--output", type=click.Path(path_type=Path), help="Write output to FILE.")
@click.option("-q", "--quiet", is_flag=True, help="No progress on stderr.")
@click.option("-v", "--verbose", is_flag=True,
              help="With the table: also list what each device said that no rule matched "
                   "(Server, title, realm, RTSP server, certificate names ...).")
def scan(targets: tuple[str, ...], ports_spec: str | None, input_files: tuple[Path, ...],
         excludes: tuple[str, ...], allow_public: bool, timeout: float, host_timeout: float,
         banner_wait: float, concurrency: int, rate: float | None, iface: str | None,
         wait: float, credentials_file: Path | None, credentials_env: bool,
         allow_plain_basic: bool, resume: bool, no_depth: bool, db: str | None,
         no_db: bool, site: str, fmt: str, output: Path | None, quiet: bool,
         verbose: bool) -> None:
    """Probe TARGETS (addresses, CIDRs, ranges like 10.0.0.1-20, names) read-only.

    Each host gets a TCP connect scan of the camera ports, then HTTP GETs, RTSP OPTIONS and
    DESCRIBE, a TLS handshake and banner reads on the ports that answered, and the ONVIF
    GetDeviceInformation question that some devices answer without a password. Every answer
    is matched against the fingerprint rules; the output names maker, brand and relabeling
    with the evidence, and each device's verdicts under the FCC Covered List and NDAA section
    889. No password is ever guessed: with --credentials, camaudit logs in with yours, once per
    device, and only reads (GET and ONVIF Get* calls). Nothing is changed on the devices.

    Exit status: 0 when no device is covered, 1 when some device is, 2 on bad input.

    \b
    Examples:
      camaudit scan 192.168.1.0/24
      camaudit scan 10.0.0.1-50 -p 80,554,8000 --format json -o scan.json
      camaudit scan -iL cameras.txt --exclude 10.0.0.1
      camaudit scan 10.0.0.0/24 --rate 20 --concurrency 8
      camaudit scan 10.0.0.0/24 --credentials site-a.toml
      camaudit scan 10.20.0.0/16 --format jsonl -o site.jsonl     # streams as hosts finish
      camaudit scan 10.20.0.0/16 --format jsonl -o rest.jsonl --resume   # after Ctrl-C

    Results go to the inventory in batches as hosts finish, and JSON, JSON lines and CSV
    output is written as they come, so a /16 never sits in memory; the table and HTML are
    written at the end.
    """
    from camaudit.cli.scanrun import Run, scan_streamed, scan_with_discovery
    from camaudit.clock import now_iso
    from camaudit.targets import DEFAULT_PORTS, expand, parse_port_spec

    if not targets and not input_files and not iface:
        raise UsageError("no targets: give addresses, CIDRs or ranges, -iL FILE or --iface IF")
    if no_depth and (credentials_file or credentials_env):
        raise UsageError("--no-depth and --credentials exclude each other: depth is where "
                         "credentials are used")
    credentials = load_credentials(credentials_file, credentials_env)
    ports = parse_port_spec(ports_spec) if ports_spec else list(DEFAULT_PORTS)
    ips = expand(list(targets), list(input_files), list(excludes), allow_public) \
        if targets or input_files else []
    if resume and no_db:
        raise UsageError("--resume continues a scan recorded in the inventory: it cannot be "
                         "used with --no-db")
    if not no_db:
        # before the work: an inventory that cannot record must not cost the results
        from camaudit.inventory import check_usable

        check_usable(db)
    started = now_iso()
    options = {"ports": ports, "iface": iface, "rate": rate, "depth": not no_depth,
               "credentials": bool(credentials)}
    run = Run(targets=list(targets), ips=ips, ports=ports, site=site, started=started,
              options=options, db=None if no_db else db, fmt=fmt, output=output, quiet=quiet,
              verbose=verbose)
    scan_options = {"concurrency": concurrency, "timeout": timeout,
                    "host_timeout": host_timeout, "banner_wait": banner_wait, "rate": rate,
                    "credentials": credentials or None, "depth": not no_depth,
                    "allow_plain_basic": allow_plain_basic}
    if iface:
        if resume:
            raise UsageError("--resume cannot be used with --iface (discovery is not resumable)")
        code = scan_with_discovery(run, iface, wait, scan_options)
    else:
        code = scan_streamed(run, resume, scan_options)
    sys.exit(code)
