"""Command line: argument parsing, output routing and exit codes. The work happens elsewhere.

Exit codes: 0 done, 1 findings, 2 usage or input error (one line on stderr naming the problem),
3 internal error (a bug: one line saying how to report it; ``CAMAUDIT_DEBUG=1`` shows the
traceback). An unexpected exception never exits 1, which would read as "findings".
Machine output goes to stdout or ``-o FILE``; progress and logs go to stderr.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any, NoReturn

import click

from camaudit import __version__
from camaudit.errors import CamauditError, InventoryError, UsageError
from camaudit.output import (
    HELP_SETTINGS,
    exit_with_problems,
    not_recorded,
    record_options,
    write_output,
)

SCAN_FORMATS = ("table", "json", "jsonl", "csv", "html")


def _fail(message: str) -> NoReturn:
    from camaudit.redact import redact

    click.echo(f"camaudit: error: {redact(message)}", err=True)
    sys.exit(2)



INTERNAL_ERROR = 3
REPORT_HINT = ("please report it with the command line you ran and this message "
               "(CAMAUDIT_DEBUG=1 shows the traceback)")


def _internal_error(e: BaseException) -> NoReturn:
    """An exception nothing expected: a bug. One line and exit 3, never 1 (findings)."""
    if os.environ.get("CAMAUDIT_DEBUG", "") not in ("", "0"):
        import traceback

        traceback.print_exception(e, file=sys.stderr)
    from camaudit.redact import redact

    text = " ".join(redact(str(e)).split())[:200]
    click.echo(f"camaudit: internal error: {type(e).__name__}: {text}; {REPORT_HINT}",
               err=True)
    sys.exit(INTERNAL_ERROR)


class _Group(click.Group):
    """Turns CamauditError into one line on stderr and exit status 2, any other exception into
    one line and exit status 3, and Ctrl-C into exit status 130."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except CamauditError as e:
            _fail(str(e))
        except (click.exceptions.ClickException, click.exceptions.Exit, click.exceptions.Abort,
                BrokenPipeError):
            raise
        except KeyboardInterrupt:
            click.echo("camaudit: interrupted", err=True)
            sys.exit(130)
        except Exception as e:  # noqa: BLE001 - the one place every unexpected error ends
            _internal_error(e)


@click.group(cls=_Group, context_settings=HELP_SETTINGS)
@click.version_option(__version__, prog_name="camaudit")
def cli() -> None:
    """Audit the surveillance equipment on a network.

    camaudit finds cameras, NVRs and DVRs with read-only probes, names the maker behind the
    label (Hikvision, Dahua and Xiongmai firmware sold under other brands), and shows the
    evidence for every verdict.

    \b
    Try it on the built-in lab of emulated devices (loopback only):
      camaudit demo
    Identify one pasted observation:
      echo 'Server: DNVRS-Webs' | camaudit identify --as http-server

    Exit status: 0 done and nothing found, 1 findings (a device covered, analytics advertised),
    2 bad input or usage (one line naming the problem), 3 internal error (a bug: the one line
    says how to report it; CAMAUDIT_DEBUG=1 prints the traceback).
    """


# ---------------------------------------------------------------- scan
@cli.command()
@click.argument("targets", nargs=-1)
@click.option("-p", "ports_spec", metavar="PORTS",
              help="Ports to probe, e.g. 80,443,8000-8010 (default: the camera port set).")
@click.option("-iL", "input_files", multiple=True, type=click.Path(path_type=Path),
              metavar="FILE", help="Read targets from FILE (one per line, # comments).")
@click.option("--exclude", "excludes", multiple=True, metavar="TARGETS",
              help="Targets to skip (same forms, comma separated).")
@click.option("--allow-public", is_flag=True,
              help="Allow targets outside private, loopback and link-local ranges.")
@click.option("--timeout", default=2.0, show_default=True, type=click.FloatRange(0.05, 120),
              help="Seconds per connection and read.")
@click.option("--host-timeout", default=30.0, show_default=True,
              type=click.FloatRange(0.1, 3600), help="Seconds for all probes of one host.")
@click.option("--banner-wait", default=1.0, show_default=True, type=click.FloatRange(0, 30),
              help="Seconds to wait for a service that speaks first (ports 23, 8000 ...).")
@click.option("--concurrency", default=256, show_default=True, type=click.IntRange(1, 4096),
              help="Connections open at once.")
@click.option("--rate", type=click.FloatRange(0.01, 100000, min_open=False), metavar="N",
              help="Start at most N connections per second, all hosts together (default: no "
                   "limit; e.g. 20 for fragile cameras or a slow link). Waiting for the rate "
                   "does not count against --host-timeout.")
@click.option("--iface", metavar="IF",
              help="Also run vendor discovery (SADP, DHIP, Dahua legacy, DVRIP search, "
                   "WS-Discovery, SSDP, mDNS) on this "
                   "interface and merge what answers, with MACs from the neighbour table.")
@click.option("--wait", default=3.0, show_default=True, type=click.FloatRange(0.1, 120),
              help="Seconds to collect discovery replies (with --iface).")
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
         wait: float, db: str | None,
         no_db: bool, site: str, fmt: str, output: Path | None, quiet: bool,
         verbose: bool) -> None:
    """Probe TARGETS (addresses, CIDRs, ranges like 10.0.0.1-20, names) read-only.

    Each host gets a TCP connect scan of the camera ports, then HTTP GETs, RTSP OPTIONS and
    DESCRIBE, a TLS handshake and banner reads on the ports that answered. Every answer is
    matched against the fingerprint rules; the output names maker, brand and relabeling with
    the evidence, and each device's verdicts under the FCC Covered List and NDAA section 889.
    No credentials are tried and nothing is changed on the devices.

    Exit status: 0 when no device is covered, 1 when some device is, 2 on bad input.

    \b
    Examples:
      camaudit scan 192.168.1.0/24
      camaudit scan 10.0.0.1-50 -p 80,554,8000 --format json -o scan.json
      camaudit scan -iL cameras.txt --exclude 10.0.0.1
      camaudit scan 10.0.0.0/24 --rate 20 --concurrency 8
    """
    from camaudit.clock import now_iso
    from camaudit.console import Progress
    from camaudit.judge import any_covered, judge
    from camaudit.model import Device
    from camaudit.reports import REPORTERS
    from camaudit.scan.job import scan_devices
    from camaudit.targets import DEFAULT_PORTS, expand, parse_port_spec

    if not targets and not input_files and not iface:
        raise UsageError("no targets: give addresses, CIDRs or ranges, -iL FILE or --iface IF")
    ports = parse_port_spec(ports_spec) if ports_spec else list(DEFAULT_PORTS)
    ips = expand(list(targets), list(input_files), list(excludes), allow_public) \
        if targets or input_files else []
    if not no_db:
        # before the work: an inventory that cannot record must not cost the results
        from camaudit.inventory import check_usable

        check_usable(db)
    started = now_iso()
    found: list[Device] = []
    if iface:
        from camaudit.discovery.inventory import discover_devices

        found = discover_devices(iface, wait, 0.0, ips, policies=[])
        ips += [d.ip for d in found if d.ip not in ips]
    with Progress(total=len(ips), quiet=quiet) as progress:
        devices = scan_devices(ips, ports, concurrency=concurrency, timeout=timeout,
                               host_timeout=host_timeout, banner_wait=banner_wait,
                               progress=progress.advance, policies=[] if found else None,
                               rate=rate)
    if found:
        from camaudit.discovery.inventory import merge_devices

        devices = judge(merge_devices(found, devices))
    meta = {"targets": list(targets), "hosts": len(ips), "ports": ports, "site": site,
            "time": started}
    failed = None
    if not no_db:
        from camaudit.inventory import record_scan

        try:
            meta["scan_id"] = record_scan(db, started, targets,
                                          {"ports": ports, "iface": iface, "rate": rate},
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


# ---------------------------------------------------------------- identify
def _kinds_help() -> str:
    from camaudit.kinds import KIND_HELP

    return "\n".join(f"  {k:<26} {v}" for k, v in KIND_HELP.items())


class _IdentifyCommand(click.Command):
    def format_epilog(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        formatter.write("\nKinds:\n" + _kinds_help() + "\n")


@cli.command(cls=_IdentifyCommand)
@click.option("--as", "kind", required=True, metavar="KIND", help="What the input is (see Kinds).")
@click.argument("source", default="-", metavar="[FILE|-]")
def identify(kind: str, source: str) -> None:
    """Identify one observation pasted from elsewhere and print the verdict as JSON.

    \b
    Examples:
      echo 'Server: DNVRS-Webs' | camaudit identify --as http-server
      camaudit identify --as tls-cert device.pem
      camaudit identify --as mac 68-6d-bc-ee-f8-f0
    The mac and open-ports kinds also take the value itself instead of a file.
    """
    from camaudit.identify import identify_bytes
    from camaudit.kinds import KINDS

    if kind not in KINDS:
        raise UsageError(f"unknown kind '{kind}' (one of: {', '.join(sorted(KINDS))})")
    if source == "-":
        data = sys.stdin.buffer.read()
    elif kind in ("mac", "open-ports") and not Path(source).exists():
        data = source.encode()
    else:
        try:
            data = Path(source).read_bytes()
        except OSError as e:
            raise UsageError(f"cannot read '{source}': {e.strerror or e}") from e
    result = identify_bytes(kind, data)
    click.echo(json.dumps(result.to_json(), indent=2, ensure_ascii=False))


# ---------------------------------------------------------------- rules
@cli.group()
def rules() -> None:
    """Check and list the fingerprint rules (data files shipped with camaudit)."""


@rules.command("verify")
@click.option("--dir", "directory", type=click.Path(path_type=Path, file_okay=False),
              help="Fingerprint rule directory to verify (default: the shipped rules).")
@click.option("--negatives", type=click.Path(path_type=Path, file_okay=False),
              help="Directory of generic negatives no maker rule may match.")
@click.option("--corpus", type=click.Path(path_type=Path, file_okay=False), metavar="DIR",
              help="Directory of real device replies (tests/corpus): identify each, print hits "
                   "and false hits per rule, results per maker and precision per confidence "
                   "band; a rule naming another maker than the reply's is a problem.")
def rules_verify(directory: Path | None, negatives: Path | None, corpus: Path | None) -> None:
    """Run every rule's examples and the shadowing, vocabulary and negative checks.

    Covers the fingerprint rules and, unless --dir is given, the shipped attribution,
    policy, egress destination, screening and risk (CVE) rules too. Prints one line per problem as
    FILE:LINE: message and exits 1 when there is any.

    \b
    Examples:
      camaudit rules verify
      camaudit rules verify --negatives tests/data/negatives --corpus tests/corpus
    """
    from camaudit.fingerprints.schema import load_rules
    from camaudit.fingerprints.verify import load_negatives, verify

    loaded = load_rules(directory)
    problems = verify(loaded, load_negatives(negatives) if negatives else None)
    if corpus is not None:
        from camaudit.fingerprints.corpus import load_corpus, render, run

        result = run(load_corpus(corpus), loaded)
        click.echo(render(result))
        problems += result.problems()
    if directory is None:
        from camaudit.attribution import verify_attribution
        from camaudit.egress.rules import verify as verify_egress
        from camaudit.policy import verify_policies
        from camaudit.risks import verify_risks
        from camaudit.screening.verify import verify as verify_screening

        problems += verify_attribution() + verify_policies() + verify_egress()
        problems += verify_screening() + verify_risks()
    exit_with_problems(problems, f"{len(loaded)} fingerprint rules")


@rules.command("list")
@click.option("--key", help="Only rules for this observation key.")
def rules_list(key: str | None) -> None:
    """List rules: id, key, grade, what they set, and source."""
    from camaudit.fingerprints.schema import load_rules

    for r in load_rules():
        if key and r.key != key:
            continue
        sets = ",".join(f"{k}={v}" for k, v in r.set.items())
        click.echo(f"{r.id}\t{r.key}\t{r.grade}\t{sets}\t{r.source}")


# ---------------------------------------------------------------- lab and demo
from camaudit.check_cli import check, report  # noqa: E402  (commands live beside their options)
from camaudit.discover_cli import discover  # noqa: E402
from camaudit.egress_cli import egress  # noqa: E402
from camaudit.inventory_cli import inventory  # noqa: E402
from camaudit.lab_cli import demo, lab  # noqa: E402
from camaudit.screen_cli import screen  # noqa: E402

cli.add_command(discover)
cli.add_command(check)
cli.add_command(egress)
cli.add_command(inventory)
cli.add_command(report)
cli.add_command(screen)
cli.add_command(lab)
cli.add_command(demo)


def main() -> None:
    cli(prog_name="camaudit")
