"""Scan output written as hosts finish (JSON, JSON lines, CSV), so a /16 never sits in memory.

``StreamWriter(fmt, path, meta)`` opens the output (stdout when ``path`` is None); ``write``
appends devices; ``close`` ends the document (the JSON array and object). The JSON document has
the shape ``reports.json_report.render`` gives (``{"camaudit", "scan", "devices"}``), the CSV the
columns of ``reports.csv_report``. Other formats need every device at once: ``STREAMED`` says
which can be streamed.
"""

from __future__ import annotations

import csv
import io
import json
import sys
from pathlib import Path
from typing import Any, TextIO

from camaudit import __version__
from camaudit.errors import UsageError
from camaudit.model import Device
from camaudit.reports import csv_report

STREAMED = ("json", "jsonl", "csv")


class StreamWriter:
    def __init__(self, fmt: str, path: Path | None, meta: dict[str, Any]) -> None:
        if fmt not in STREAMED:
            raise ValueError(f"{fmt} output cannot be streamed")
        self.fmt = fmt
        self.path = path
        self.count = 0
        try:
            self._out: TextIO = (sys.stdout if path is None
                                 else open(path, "w", encoding="utf-8", newline=""))  # noqa: SIM115
        except OSError as e:
            raise UsageError(f"cannot write '{path}': {e.strerror or e}") from e
        if fmt == "json":
            head = json.dumps({"camaudit": __version__, "scan": meta}, indent=2,
                              ensure_ascii=False)
            self._put(head[:-2] + ',\n  "devices": [')
        elif fmt == "csv":
            self._put(self._csv_line(list(csv_report.COLUMNS)))

    def _put(self, text: str) -> None:
        try:
            self._out.write(text)
            self._out.flush()
        except OSError as e:
            raise UsageError(f"cannot write '{self.path or 'stdout'}': {e.strerror or e}") from e

    @staticmethod
    def _csv_line(row: list[str]) -> str:
        buf = io.StringIO()
        csv.writer(buf, lineterminator="\n").writerow(row)
        return buf.getvalue()

    def write(self, devices: list[Device]) -> None:
        for d in devices:
            if self.fmt == "jsonl":
                self._put(json.dumps(d.to_json(), ensure_ascii=False) + "\n")
            elif self.fmt == "csv":
                self._put(self._csv_line(csv_report.row(d)))
            else:
                record = json.dumps(d.to_json(), indent=2, ensure_ascii=False)
                indented = "\n".join("    " + line for line in record.splitlines())
                self._put(("," if self.count else "") + "\n" + indented)
            self.count += 1

    def close(self) -> None:
        if self.fmt == "json":
            self._put(("\n  " if self.count else "") + "]\n}\n")
        if self.path is not None:
            self._out.close()
