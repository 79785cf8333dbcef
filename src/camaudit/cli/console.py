"""Progress on stderr, never stdout (stdout carries machine output); log lines go through
``reports.text.printable`` like every device string shown on a terminal.

    with Progress(total=len(ips)) as progress:
        results = run_scan(ips, ports, progress=progress.advance)

On a terminal this is a rich progress bar; otherwise a plain line about every 10% of the hosts
(and at the end); ``quiet=True`` prints nothing.
"""

from __future__ import annotations

import sys
from types import TracebackType
from typing import TextIO

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.progress import Progress as RichProgress

from camaudit.reports.text import printable


class Progress:
    def __init__(self, total: int, *, quiet: bool = False, stream: TextIO | None = None,
                 label: str = "scanning") -> None:
        self.total = total
        self.done = 0
        self.found = 0
        self.quiet = quiet
        self.label = label
        self.stream = stream if stream is not None else sys.stderr
        self._every = max(1, total // 10)
        self._bar: RichProgress | None = None
        self._task: TaskID | None = None

    def __enter__(self) -> Progress:
        import time

        self._started = time.monotonic()
        if not self.quiet and self.stream.isatty():
            console = Console(file=self.stream)
            self._bar = RichProgress(TextColumn("{task.description}"), BarColumn(),
                                     MofNCompleteColumn(), TextColumn("{task.fields[found]}"),
                                     TextColumn("{task.fields[host]}"), TimeElapsedColumn(),
                                     TextColumn("ETA"), TimeRemainingColumn(), console=console,
                                     transient=True)
            self._bar.start()
            self._task = self._bar.add_task(self.label, total=self.total, host="",
                                            found="0 found")
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        if self._bar is not None:
            self._bar.stop()
            self._bar = None
            return
        if not self.quiet and self.done and self.done % self._every:
            self._line()

    def advance(self, host: str) -> None:
        """One more host done (the ``progress`` callback of ``pipeline.scan``)."""
        self.done += 1
        if self.quiet:
            return
        if self._bar is not None and self._task is not None:
            self._bar.update(self._task, advance=1, host=host)
        elif self.done % self._every == 0:
            self._line()

    def add_found(self, count: int) -> None:
        """``count`` more devices found (shown beside the hosts done)."""
        self.found += count
        if self._bar is not None and self._task is not None:
            self._bar.update(self._task, found=f"{self.found} found")

    def message(self, text: str) -> None:
        """A log line on stderr (above the bar when there is one)."""
        if self.quiet:
            return
        if self._bar is not None:
            self._bar.console.print(printable(text), markup=False, highlight=False)
        else:
            print(printable(text), file=self.stream, flush=True)

    def _line(self) -> None:
        import time

        now = time.monotonic()
        self._started = getattr(self, "_started", None) or now
        eta = ""
        if 0 < self.done < self.total and now - self._started >= 2.0:
            left = (now - self._started) / self.done * (self.total - self.done)
            eta = f", about {left:.0f} s left"
        found = f", {self.found} found" if self.found else ""
        print(f"{self.label}: {self.done}/{self.total} hosts done{found}{eta}", file=self.stream,
              flush=True)
