"""``camaudit watch``: scan again and again, record each scan, send what changed as events."""

from __future__ import annotations

import logging
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import click

from camaudit.cli.credopts import credential_options, load_credentials, probe_options
from camaudit.cli.output import HELP_SETTINGS, db_option
from camaudit.errors import UsageError

if TYPE_CHECKING:
    from camaudit.credentials import CredentialSet
    from camaudit.watch.config import WatchConfig


def duration(text: str) -> float:
    """``90s``, ``10m``, ``1h``, ``1d`` or plain seconds -> seconds (``UsageError`` otherwise)."""
    units = {"s": 1, "m": 60, "h": 3600, "d": 86400}
    value, unit = (text[:-1], text[-1].lower()) if text[-1:].isalpha() else (text, "s")
    try:
        seconds = float(value) * units[unit]
    except (KeyError, ValueError):
        raise UsageError(f"--every: '{text}' is not a duration (e.g. 90s, 10m, 1h)") from None
    if not 1 <= seconds <= 31 * 86400:
        raise UsageError(f"--every: '{text}' is not between 1 second and 31 days")
    return seconds


@click.command(context_settings=HELP_SETTINGS)
@click.argument("targets", nargs=-1)
@click.option("--interval", type=click.FloatRange(1, 31 * 86400), metavar="SECONDS",
              help="Seconds from the start of one cycle to the start of the next "
                   "(default: the config's, else 300).")
@click.option("--every", "every", metavar="DURATION",
              help="The same as --interval, with a unit: 90s, 10m, 1h, 1d.")
@click.option("--once", is_flag=True,
              help="One cycle, then deliver what is queued (up to --flush-timeout) and exit "
                   "(for cron).")
@click.option("-p", "--ports", "ports_spec", metavar="PORTS",
              help="Ports to probe, e.g. 80,443,8000-8010 (default: the camera port set).")
@probe_options
@click.option("--discover-iface", "iface", metavar="IF",
              help="Also run vendor discovery on this interface each cycle (as scan --iface).")
@click.option("--wait", default=3.0, show_default=True, type=click.FloatRange(0.1, 120),
              help="Seconds to collect discovery replies (with --discover-iface).")
@credential_options
@click.option("--no-depth", is_flag=True,
              help="Skip depth: no unsigned ONVIF GetDeviceInformation and no login.")
@db_option
@click.option("--site", default=None, help="Site name recorded with each scan and compared "
                                           "(default: the config's, else none).")
@click.option("--config", "config_file", type=click.Path(path_type=Path), metavar="FILE",
              help="TOML settings: targets, interval, site, db and the [webhook] and "
                   "[syslog] sinks (docs/watch.md). Flags win over the file.")
@click.option("--state-dir", type=click.Path(path_type=Path), metavar="DIR",
              help="Lock, cursor and queues (default: INVENTORY.watch/ beside a SQLite "
                   "inventory, ~/.local/state/camaudit/watch/... for PostgreSQL).")
@click.option("--webhook", metavar="URL", help="POST each event as JSON to URL, signed "
                                                 "(X-Camaudit-Signature), queued while down.")
@click.option("--webhook-secret-env", metavar="NAME",
              help="Environment variable holding the webhook's shared secret.")
@click.option("--webhook-secret-file", type=click.Path(path_type=Path), metavar="FILE",
              help="File (mode 0600) holding the webhook's shared secret.")
@click.option("--syslog", metavar="URL",
              help="Send each event as RFC 5424 syslog: udp://HOST[:514], tcp://HOST[:514] "
                   "(octet counting) or tls://HOST[:6514].")
@click.option("--syslog-ca", type=click.Path(path_type=Path), metavar="FILE",
              help="CA certificates (PEM) that sign the syslog collector's TLS certificate.")
@click.option("--no-stdout", is_flag=True,
              help="Do not write events as JSON lines on stdout.")
@click.option("--flush-timeout", default=30.0, show_default=True,
              type=click.FloatRange(0, 3600),
              help="With --once: seconds to keep retrying queued events before exiting.")
@click.option("--log-format", type=click.Choice(["text", "json"]), default=None,
              help="Log lines on stderr as text or one JSON object each (default: text).")
@click.option("-q", "--quiet", is_flag=True, help="Log warnings and errors only.")
@click.option("-v", "--verbose", is_flag=True, help="Log every delivery retry too.")
def watch(targets: tuple[str, ...], interval: float | None, every: str | None, once: bool,
          ports_spec: str | None,
          input_files: tuple[Path, ...], excludes: tuple[str, ...], allow_public: bool,
          timeout: float, host_timeout: float, banner_wait: float, concurrency: int,
          rate: float | None, iface: str | None, wait: float, credentials_file: Path | None,
          credentials_env: bool, allow_plain_basic: bool, no_depth: bool, db: str | None,
          site: str | None, config_file: Path | None, state_dir: Path | None,
          webhook: str | None, webhook_secret_env: str | None,
          webhook_secret_file: Path | None, syslog: str | None, syslog_ca: Path | None,
          no_stdout: bool, flush_timeout: float, log_format: str | None, quiet: bool,
          verbose: bool) -> None:
    """Scan TARGETS every --interval seconds and send what changed as events.

    Each cycle scans as `camaudit scan` does, records the scan in the inventory, compares it
    with the site's previous full scan and sends one JSON event per change: a device new,
    vanished or changed (maker, model, firmware, ports, certificate), newly covered by a
    policy, or with a new exposure finding or egress destination. Events go to stdout as JSON
    lines, to a webhook (signed, queued on disk while the receiver is down) and to syslog
    (RFC 5424 over UDP, TCP or TLS). One watcher per inventory and site; a restarted watcher
    goes on from the last recorded scan. SIGTERM or Ctrl-C stops after the current cycle.

    Exit status: 0 stopped or done, 2 bad input, inventory error or another watcher running.

    \b
    Examples:
      camaudit watch 192.168.1.0/24 --site hq --interval 600
      camaudit watch 10.0.0.0/24 --once --webhook https://siem.example/hook \\
          --webhook-secret-env CAMAUDIT_WEBHOOK_SECRET
      camaudit watch --config /etc/camaudit/watch.toml --log-format json
      camaudit watch 10.0.0.0/24 --syslog tls://logs.example --syslog-ca ca.pem
    """
    from camaudit.watch import config as settings
    from camaudit.watch.logs import reset, setup

    if every is not None:
        if interval is not None:
            raise UsageError("give --interval or --every, not both")
        interval = duration(every)
    config = settings.load(config_file, settings.Flags(
        targets=targets, interval=interval, site=site, db=db, state_dir=state_dir,
        ports=ports_spec, log_format=log_format, stdout=False if no_stdout else None,
        webhook=webhook, webhook_secret_env=webhook_secret_env,
        webhook_secret_file=webhook_secret_file, syslog=syslog, syslog_ca=syslog_ca))
    if not config.targets and not input_files and not iface:
        raise UsageError("no targets: give addresses, CIDRs or ranges, -iL FILE, "
                         "--discover-iface IF or targets in --config")
    if no_depth and (credentials_file or credentials_env):
        raise UsageError("--no-depth and --credentials exclude each other: depth is where "
                         "credentials are used")
    setup(config.log_format,
          logging.DEBUG if verbose else logging.WARNING if quiet else logging.INFO)
    try:
        _watch(config, once, input_files, excludes, allow_public, flush_timeout, quiet,
               ScanOptions(timeout, host_timeout, banner_wait, concurrency, rate, iface, wait,
                           not no_depth, load_credentials(credentials_file, credentials_env),
                           allow_plain_basic))
    finally:
        reset()
    sys.exit(0)


@dataclass(frozen=True)
class ScanOptions:
    """The scan flags, as ``scan`` has them."""

    timeout: float
    host_timeout: float
    banner_wait: float
    concurrency: int
    rate: float | None
    iface: str | None
    wait: float
    depth: bool
    credentials: CredentialSet
    allow_plain_basic: bool


def _watch(config: WatchConfig, once: bool, input_files: tuple[Path, ...],
           excludes: tuple[str, ...], allow_public: bool, flush_timeout: float, quiet: bool,
           scan: ScanOptions) -> None:
    from camaudit.cli.console import Progress
    from camaudit.inventory import check_usable
    from camaudit.targets import DEFAULT_PORTS, expand, parse_port_spec
    from camaudit.watch.lock import WatchLock
    from camaudit.watch.logs import LOGGER, fields
    from camaudit.watch.loop import Watcher, stop_on_signals
    from camaudit.watch.plan import ScanPlan
    from camaudit.watch.sinks.build import build_sinks
    from camaudit.watch.state import ensure_dir, state_dir

    log = logging.getLogger(LOGGER)
    ports = parse_port_spec(config.ports) if config.ports else list(DEFAULT_PORTS)
    ips = expand(list(config.targets), list(input_files), list(excludes), allow_public) \
        if config.targets or input_files else []
    check_usable(config.db)
    directory = ensure_dir(state_dir(config.db, config.state_dir))
    show = sys.stderr.isatty() and config.log_format == "text" and not quiet

    def meters(total: int) -> Progress:
        return Progress(total, quiet=not show)

    plan = ScanPlan(tuple(ips), tuple(ports), config.targets, concurrency=scan.concurrency,
                    timeout=scan.timeout, host_timeout=scan.host_timeout,
                    banner_wait=scan.banner_wait, rate=scan.rate, depth=scan.depth,
                    credentials=scan.credentials or None,
                    allow_plain_basic=scan.allow_plain_basic, iface=scan.iface,
                    wait=scan.wait)
    with WatchLock(config.db, config.site) as lock:
        sinks = build_sinks(config, directory)
        try:
            watcher = Watcher(plan, sinks, db=config.db, site=config.site, state=directory,
                              interval=config.interval, flush_timeout=flush_timeout,
                              meters=meters)
            log.info(f"watching {len(ips)} host(s) every {config.interval:g} s",
                     extra=fields(site=config.site, hosts=len(ips), interval=config.interval,
                                  once=once, sinks=[s.name for s in sinks], lock=lock.name))
            with stop_on_signals(watcher.stop):
                watcher.run(once=once)
        finally:
            for sink in sinks:
                sink.close()
