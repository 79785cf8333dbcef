"""``camaudit discover --iface IF``: find devices by their makers' discovery protocols."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from camaudit.cli.credopts import credential_options, load_credentials
from camaudit.cli.output import HELP_SETTINGS, not_recorded, record_options, write_output
from camaudit.errors import UsageError

FORMATS = ("table", "json", "jsonl", "csv", "html")


@click.command(context_settings=HELP_SETTINGS)
@click.option("--iface", required=True, metavar="IF",
              help="Interface to discover on (probes leave only by this interface).")
@click.option("--wait", default=3.0, show_default=True, type=click.FloatRange(0, 600),
              help="Seconds to collect replies to the probes.")
@click.option("--listen", default=0.0, show_default=True, type=click.FloatRange(0, 3600),
              help="Also record unsolicited announcements (WS-Discovery Hello, SSDP NOTIFY, "
                   "mDNS) for this many seconds.")
@click.option("--passive", is_flag=True,
              help="Send nothing on the segment: only listen (needs --listen).")
@click.option("--target", "targets", multiple=True, metavar="ADDR",
              help="Routed address to probe by unicast (WS-Discovery, DHIP, SADP, DVRIP, "
                   "ONVIF GetSystemDateAndTime/GetServices); repeatable, CIDRs and ranges "
                   "accepted.")
@click.option("--allow-public", is_flag=True,
              help="Allow --target addresses outside private, loopback and link-local ranges.")
@click.option("--no-mdns", is_flag=True, help="Do not listen for or ask about mDNS names.")
@credential_options
@record_options("the devices found")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="table",
              show_default=True, help="Output format (the same device records as scan).")
@click.option("-o", "--output", type=click.Path(path_type=Path, dir_okay=False),
              help="Write output to FILE.")
def discover(iface: str, wait: float, listen: float, passive: bool, targets: tuple[str, ...],
             allow_public: bool, no_mdns: bool, credentials_file: Path | None,
             credentials_env: bool, allow_plain_basic: bool, db: str | None, no_db: bool,
             site: str, fmt: str, output: Path | None) -> None:
    """Find cameras, NVRs and DVRs on the segment of interface IF by their vendors' own
    discovery protocols, and name the maker behind the label.

    Sends, on IF only and with TTL 1: Hikvision SADP (UDP 37020, 239.255.255.250), Dahua
    DHIP (UDP 37810, 239.255.255.251 and broadcast), Dahua's legacy search (UDP 5050
    broadcast), Xiongmai DVRIP search (UDP 34569 broadcast), ONVIF WS-Discovery (UDP 3702;
    typed NetworkVideoTransmitter, typed Device and untyped probes), SSDP M-SEARCH (UDP 1900)
    and mDNS queries. Replies carry model, serial, firmware, MAC and the OEM label (OEMInfo,
    Vendor, Manufacturer), kept as evidence. MAC addresses of senders on the segment come from
    the neighbour table. Multicast does not cross routers: give routed cameras as --target to
    probe them by unicast. The devices found are recorded in the inventory unless --no-db.

    Nothing is changed on the devices and no credentials are sent unless you give yours with
    --credentials: then each device found is also scanned read-only and logged into once
    (docs/depth.md) for model, firmware, serial and a recorder's cameras. Without them the only
    POSTs are the ONVIF calls the ONVIF core spec allows before authentication.
    Joining multicast groups and binding to IF needs root (or CAP_NET_RAW).

    Exit status: 0 when no device is covered, 1 when some device is, 2 on bad input.

    \b
    Examples:
      camaudit discover --iface eth0
      camaudit discover --iface eth0 --wait 5 --listen 60 --format json -o found.json
      camaudit discover --iface eth0 --passive --listen 300
      camaudit discover --iface eth0 --target 10.20.0.0/28 --format jsonl
      camaudit discover --iface eth0 --credentials site-a.toml
    """
    from camaudit.clock import now_iso
    from camaudit.discovery.inventory import discover_devices
    from camaudit.judge import any_covered
    from camaudit.reports import REPORTERS
    from camaudit.targets import expand

    if passive and listen <= 0 and not targets:
        raise UsageError("--passive sends nothing: give --listen SECONDS")
    ips = expand(list(targets), [], [], allow_public) if targets else []
    credentials = load_credentials(credentials_file, credentials_env)
    if not no_db:
        # before the work: an inventory that cannot record must not cost the results
        from camaudit.inventory import check_usable

        check_usable(db)
    started = now_iso()
    devices = discover_devices(iface, wait, listen, ips, active=not passive, mdns=not no_mdns,
                               policies=[] if credentials else None)
    if credentials:
        from camaudit.discovery.inventory import merge_devices
        from camaudit.judge import judge
        from camaudit.scan.job import scan_devices
        from camaudit.targets import DEFAULT_PORTS

        found = [d.ip for d in devices]
        devices = judge(merge_devices(devices, scan_devices(
            found, DEFAULT_PORTS, policies=[], credentials=credentials,
            allow_plain_basic=allow_plain_basic)))
    meta = {"iface": iface, "wait": wait, "listen": listen, "targets": list(targets),
            "hosts": len(devices), "discovery": True, "site": site, "time": started}
    failed = None
    if not no_db:
        from camaudit.errors import InventoryError
        from camaudit.inventory import record_scan

        try:
            meta["scan_id"] = record_scan(db, started, targets,
                                          {"discover": iface, "credentials": bool(credentials)},
                                          site, devices)
        except InventoryError as e:
            failed = e
    write_output(REPORTERS[fmt](devices, meta), output)
    if failed is not None:
        raise not_recorded(failed, output)
    sys.exit(1 if any_covered(devices) else 0)
