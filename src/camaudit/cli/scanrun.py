"""The two ways ``camaudit scan`` runs once its options are read.

* ``scan_streamed``: each host's devices go to the inventory (``inventory.stream``) and to the
  output (``reports.stream`` for JSON, JSON lines and CSV) as the host finishes; Ctrl-C or a
  killed process loses nothing recorded, and ``--resume`` continues from the inventory.
* ``scan_with_discovery`` (``--iface``): vendor discovery on the segment first, then the scan,
  merged, recorded and written at the end.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from camaudit.cli.console import Progress
from camaudit.cli.output import not_recorded, write_output
from camaudit.errors import InventoryError
from camaudit.judge import any_covered
from camaudit.model import Device

INTERRUPTED = 130


@dataclass
class Run:
    targets: list[str]
    ips: list[str]
    ports: list[int]
    site: str
    started: str
    options: dict[str, Any]
    db: str | None  # None: --no-db
    fmt: str
    output: Path | None
    quiet: bool
    verbose: bool

    def meta(self) -> dict[str, Any]:
        return {"targets": self.targets, "hosts": len(self.ips), "ports": self.ports,
                "site": self.site, "time": self.started}


def _render(run: Run, devices: list[Device], meta: dict[str, Any]) -> None:
    from camaudit.reports import REPORTERS

    text = REPORTERS[run.fmt](devices, meta)
    if run.verbose and run.fmt == "table":
        from camaudit.reports.table import said

        text += said(devices)
    write_output(text, run.output)


def scan_streamed(run: Run, resume: bool, scan_options: dict[str, Any]) -> int:
    """Scan ``run.ips`` streaming (see module doc); the exit status."""
    from camaudit.reports.stream import STREAMED, StreamWriter
    from camaudit.scan.job import scan_stream

    recorder = None
    todo = run.ips
    meta = run.meta()
    if run.db is not None:
        from camaudit.inventory.stream import ScanRecorder

        recorder = ScanRecorder(run.db, run.started, run.targets, run.options, run.site)
        todo = recorder.start(run.ips, resume=resume)
        meta["scan_id"] = recorder.scan_id
    kept: list[Device] = []
    writer = StreamWriter(run.fmt, run.output, meta) if run.fmt in STREAMED else None
    covered = False
    failed: InventoryError | None = None
    progress = Progress(total=len(todo), quiet=run.quiet)

    def on_devices(devices: list[Device]) -> None:
        nonlocal covered, failed
        covered = covered or any_covered(devices)
        progress.add_found(len(devices))
        if writer is not None:
            writer.write(devices)
        else:
            kept.extend(devices)
        if recorder is not None and failed is None:
            try:
                recorder.add(devices)
            except InventoryError as e:
                failed = e

    interrupted = False
    try:
        with progress:
            if recorder is not None and recorder.resumed:
                progress.message(f"resuming scan {recorder.scan_id}: {len(run.ips) - len(todo)}"
                                 f" of {len(run.ips)} hosts done, {recorder.saved} device(s) "
                                 "recorded")
                earlier = recorder.store.scan_devices(recorder.scan_id)
                covered = any_covered(earlier)
                if writer is not None:
                    writer.write(earlier)
                else:
                    kept.extend(earlier)

            def on_host(ip: str) -> None:
                nonlocal failed
                progress.advance(ip)
                if recorder is not None and failed is None:
                    try:
                        recorder.done(ip)
                    except InventoryError as e:
                        failed = e

            scan_stream(todo, run.ports, on_devices, progress=on_host, **scan_options)
        if recorder is not None and failed is None:
            try:
                recorder.finish()
            except InventoryError as e:
                failed = e
    except KeyboardInterrupt:
        interrupted = True
    finally:
        if writer is not None:
            writer.close()
        if recorder is not None:
            try:
                recorder.close()
            except InventoryError as e:
                failed = failed or e
    if interrupted:
        import click

        click.echo("camaudit: interrupted; what was found is "
                   + ("recorded: run the same command with --resume to go on"
                      if recorder is not None and failed is None else "in the output"),
                   err=True)
        return INTERRUPTED
    if writer is None:
        _render(run, kept, meta)
    if failed is not None:
        raise not_recorded(failed, run.output)
    return 1 if covered else 0


def scan_with_discovery(run: Run, iface: str, wait: float, scan_options: dict[str, Any]) -> int:
    """``--iface``: discovery, then the scan, merged and judged, then recorded and written."""
    from camaudit.discovery.inventory import discover_devices, merge_devices
    from camaudit.judge import judge
    from camaudit.scan.job import scan_devices

    found = discover_devices(iface, wait, 0.0, run.ips, policies=[])
    ips = run.ips + [d.ip for d in found if d.ip not in run.ips]
    with Progress(total=len(ips), quiet=run.quiet) as progress:
        devices = scan_devices(ips, run.ports, progress=progress.advance, policies=[],
                               **scan_options)
    devices = judge(merge_devices(found, devices))
    meta = run.meta()
    meta["hosts"] = len(ips)
    failed = None
    if run.db is not None:
        from camaudit.inventory import record_scan

        try:
            meta["scan_id"] = record_scan(run.db, run.started, run.targets, run.options,
                                          run.site, devices)
        except InventoryError as e:
            failed = e
    _render(run, devices, meta)
    if failed is not None:
        raise not_recorded(failed, run.output)
    return 1 if any_covered(devices) else 0
