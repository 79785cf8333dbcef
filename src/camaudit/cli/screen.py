"""``camaudit screen``: find advertised ethnicity, race and "minority" analytics in what a vendor
handed over (documents, firmware, SDKs, archives) or in a device's capability documents.

camaudit detects that *other* products advertise such capabilities; it never analyses faces or
infers any trait. Bad input raises ``UsageError`` (the CLI group prints one line, exit 2).
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from camaudit.cli.output import HELP_SETTINGS, exit_with_problems, record_options, write_output
from camaudit.errors import UsageError

if TYPE_CHECKING:  # the scanner is imported when screen runs, not when camaudit starts
    from camaudit.screening.scan import Report, Screener, Skipped

SCREEN_FORMATS = ("table", "json", "csv", "html")
PROGRESS_BYTES = 64 << 20  # show a progress bar when the input is at least this large


@contextmanager
def _progress(total: int, quiet: bool) -> Iterator[Callable[[int], None] | None]:
    """A rich byte-count bar on stderr, only on a terminal and for large inputs."""
    if quiet or total < PROGRESS_BYTES or not sys.stderr.isatty():
        yield None
        return
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        DownloadColumn,
        Progress,
        TimeElapsedColumn,
        TransferSpeedColumn,
    )

    with Progress(BarColumn(), DownloadColumn(), TransferSpeedColumn(), TimeElapsedColumn(),
                  console=Console(file=sys.stderr), transient=True) as bar:
        task = bar.add_task("screening", total=total)
        yield lambda n: bar.update(task, advance=n)


def _device_report(screener: Screener, url: str, user: str | None,
                   password_file: Path | None, allow_public: bool, timeout: float,
                   deadline_s: float = 60.0, allow_plain_basic: bool = False) -> Report:
    """The device's documents screened. Nothing fetched is an error (exit 2), never a clean
    result: a device that answers 500 everywhere, offers only an authentication camaudit does
    not speak, or runs out its deadline has not been screened."""
    from camaudit.redact import redact
    from camaudit.screening import device, onvif
    from camaudit.screening.scan import Report

    if not user or password_file is None:
        raise UsageError("--device needs --user and --password-file")
    password = device.read_password(str(password_file))
    digest = device.digest_handler(url, user, password)  # one nonce count for every request
    with device.Deadline(deadline_s) as deadline:
        docs, skipped = device.fetch(url, user, password, screener.ruleset.device_paths,
                                     allow_public=allow_public, timeout=timeout, digest=digest,
                                     allow_plain_basic=allow_plain_basic, deadline=deadline)
        onvif_docs, onvif_skipped = onvif.fetch(url, user, password, allow_public=allow_public,
                                                timeout=timeout, digest=digest,
                                                deadline=deadline)
    docs += onvif_docs
    skipped += onvif_skipped
    shown = device.public_url(url)
    refused = [s.reason in ("credentials refused", device.NOT_SENT) for s in skipped
               if not s.reason.startswith(onvif.ABSENT)]
    if not docs and refused and all(refused):
        # Nothing was read: reporting "clean" would be a false assurance.
        raise UsageError(f"{shown} refused the credentials of user '{redact(user)}'")
    if not docs:
        reasons = list(dict.fromkeys(s.reason for s in skipped))
        why = "; ".join(reasons[:3]) + (f"; and {len(reasons) - 3} more" if len(reasons) > 3
                                         else "")
        raise UsageError(f"{shown}: no capability document could be fetched, so nothing was "
                         f"screened ({redact(why) or 'no reason given'})")
    findings = device.screen_documents(screener, docs)
    return Report(tuple(findings), tuple(skipped), len(docs), sum(len(d.body) for d in docs))


def _merge(reports: Sequence[Report]) -> Report:
    from camaudit.screening.scan import Report

    return Report(tuple(f for r in reports for f in r.findings),
                  tuple(s for r in reports for s in r.skipped),
                  sum(r.files for r in reports), sum(r.bytes for r in reports))


@click.command(context_settings=HELP_SETTINGS)
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--format", "fmt", type=click.Choice(SCREEN_FORMATS), default="table",
              show_default=True, help="Output format.")
@click.option("-o", "--output", type=click.Path(path_type=Path), help="Write output to FILE.")
@click.option("--device", "device_url", metavar="URL",
              help="Also fetch this device's capability documents (HTTP GET) and ONVIF "
                   "analytics descriptions (SOAP POSTs of Get* calls only), e.g. "
                   "http://192.168.1.64.")
@click.option("--user", metavar="USER", help="Device user name (with --device).")
@click.option("--password-file", type=click.Path(path_type=Path, dir_okay=False),
              metavar="FILE", help="File whose first line is the device password.")
@click.option("--allow-public", is_flag=True,
              help="Allow a --device host outside loopback, private and link-local ranges.")
@click.option("--timeout", default=5.0, show_default=True, type=click.FloatRange(0.1, 120),
              help="Seconds per device request (connect, and each wait for data).")
@click.option("--deadline", "deadline_s", default=60.0, show_default=True,
              type=click.FloatRange(1, 3600),
              help="Seconds for all requests to the --device together; what is not fetched "
                   "by then is skipped.")
@click.option("--allow-plain-basic", is_flag=True,
              help="Answer a Basic authentication challenge over plain http (the password "
                   "crosses the network readable); by default only over https.")
@record_options("the --device findings")
@click.option("--rules", "rules_dir", type=click.Path(path_type=Path, file_okay=False),
              metavar="DIR", help="Screening rules to use instead of the shipped ones.")
@click.option("--verify-rules", is_flag=True,
              help="Run every rule's examples and the benign texts; print problems as "
                   "FILE:LINE: message and exit 1 if any.")
@click.option("--list-rules", is_flag=True, help="List the screening rules and exit.")
@click.option("--workers", type=click.IntRange(1, 64), metavar="N",
              help="Threads for scanning large binaries (default: CPUs, at most 4).")
@click.option("-q", "--quiet", is_flag=True, help="No progress or notes on stderr.")
def screen(paths: tuple[Path, ...], fmt: str, output: Path | None, device_url: str | None,
           user: str | None, password_file: Path | None, allow_public: bool, timeout: float,
           deadline_s: float, allow_plain_basic: bool, db: str | None, no_db: bool, site: str,
           rules_dir: Path | None, verify_rules: bool, list_rules: bool, workers: int | None,
           quiet: bool) -> None:
    """Find advertised ethnicity, race and "minority" analytics in vendor material.

    PATHS are files or folders: PDF (text per page), DOCX, XLSX, HTML, XML, plain text in
    UTF-8, UTF-16, GBK or GB18030, C/C++/Java/Python sources, and binaries such as firmware
    images and SDK libraries, where terms are found in ASCII, UTF-8, UTF-16LE/BE and GBK.
    Zip and tar archives (also .tar.gz, .tar.xz) are opened, within size, count and depth
    limits. A word for a people or for ethnicity counts only near face, attribute,
    recognition or alarm vocabulary, so admission forms and histories stay clean; SDK
    identifiers such as EM_NATION_TYPE count alone. Each finding names the file (archive
    members as archive!member), the page or byte offset, the rule, the matched text with
    context, and the severity.

    --device reads the device's capability documents with HTTP GET, and asks its ONVIF
    analytics service for the modules and rules it supports with SOAP POSTs of read-only Get*
    operations (WS-Security password digest, or HTTP Digest when the device asks for it).

    Findings of --device are recorded in the inventory (unless --no-db) as the screening
    field of the device at the URL's host address, in a new scan, so the history keeps them
    and camaudit report shows them. Findings in files are not tied to a device and are never
    recorded.

    Bad input is never a traceback and never unbounded: a document that cannot be read is
    scanned as raw bytes and noted; inside folders only regular files are read (device nodes,
    FIFOs and links to them are noted and skipped); a device or FIFO named explicitly is read
    up to 64 MiB; archives stop at 256 MiB per member, 1 GiB per archive, 10,000 members and
    4 levels of nesting. --device fetching nothing (every request refused, failed or past
    --deadline) is an error, never a clean result.

    Exit status: 1 when anything is found, 0 when clean, 2 on bad input or a device that
    served nothing.

    \b
    Examples:
      camaudit screen tender.pdf datasheets/ sdk.zip
      camaudit screen firmware.bin --format json -o findings.json
      camaudit screen vendor-docs/ --format html -o findings.html
      camaudit screen vendor-docs/ --format csv -o findings.csv
      camaudit screen --device http://192.168.1.64 --user admin --password-file pw.txt
      camaudit screen --verify-rules
    """
    from camaudit.reports.screen import render_csv, render_html, render_json, render_table
    from camaudit.screening.rules import load_ruleset
    from camaudit.screening.scan import Screener

    ruleset = load_ruleset(rules_dir)
    if list_rules:
        for r in ruleset.rules:
            kind = "near" if r.near else "alone"
            click.echo(f"{r.id}\t{r.severity}\t{r.grade}\t{kind}\t{r.source}")
        return
    if verify_rules:
        from camaudit.screening.verify import verify

        exit_with_problems(verify(ruleset), f"{len(ruleset.rules)} rules")
    if not paths and not device_url:
        raise UsageError("screen needs PATH... or --device URL")
    if not device_url and (db is not None or site):
        raise UsageError("--db and --site record --device findings: they need --device URL")
    from camaudit.screening.scan import collect_files

    files = collect_files(paths)
    screener = Screener(ruleset, workers=workers)
    reports: list[Report] = []
    if paths:
        total = sum(f.stat().st_size for f in files)
        with _progress(total, quiet) as advance:
            reports.append(screener.screen_paths(list(paths), advance))
    meta: dict[str, Any] = {"paths": [str(p) for p in paths], "device": device_url}
    if device_url:
        from camaudit.clock import now_iso

        started = now_iso()
        found = _device_report(screener, device_url, user, password_file, allow_public,
                               timeout, deadline_s, allow_plain_basic)
        reports.append(found)
        if not no_db:
            _record(db, site, device_url, found, started, meta, quiet)
    report = _merge(reports)
    if not quiet:
        _notes(report.skipped)
    text = {"json": lambda: render_json(report, meta), "csv": lambda: render_csv(report),
            "table": lambda: render_table(report),
            "html": lambda: render_html(report, meta)}[fmt]()
    write_output(text, output)
    sys.exit(1 if report.findings else 0)


def _record(db: str | None, site: str, url: str, found: Report, started: str,
            meta: dict[str, Any], quiet: bool) -> None:
    """Record the device findings; a device that served no document is not recorded (nothing
    was screened, so clean would be a claim the run cannot make)."""
    if not found.files:
        if not quiet:
            click.echo("camaudit: note: the device served no capability document; "
                       "nothing recorded in the inventory", err=True)
        return
    from camaudit.screening.record import record_device_findings

    meta["site"] = site
    meta["scan_id"] = record_device_findings(db, site, url, found.findings, started)


def _notes(skipped: Sequence[Skipped]) -> None:
    from camaudit.redact import redact

    for s in skipped:
        click.echo(redact(f"camaudit: note: {s.path}: {s.reason}"), err=True)
