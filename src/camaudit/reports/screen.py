"""``camaudit screen`` output: the findings of advertised ethnicity, race and "minority"
analytics as a table for people, CSV, JSON or one self-contained HTML page."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the scanner is imported when screen runs, not when camaudit starts
    from camaudit.model import ScreeningFinding
    from camaudit.screening.scan import Report

CSV_COLUMNS = ("path", "page", "offset", "encoding", "where", "rule", "severity", "grade",
               "matched", "near", "context")


def render_table(report: Report) -> str:
    from camaudit.reports.table import render_rows

    return render_rows(f"camaudit screen: {len(report.findings)} finding(s) in "
                       f"{report.files} file(s)",
                       ("Path", "Location", "Rule", "Severity", "Matched", "Context"),
                       [(f.path, location(f), f.rule, f.severity, f.matched, f.context)
                        for f in report.findings])


def location(f: ScreeningFinding) -> str:
    from camaudit.reports.html import finding_location

    return finding_location(f.to_json())


def render_csv(report: Report) -> str:
    """One row per finding, LF line ends; cells defused against spreadsheet formulas."""
    from camaudit.reports.text import csv_text

    return csv_text(_csv_rows(report), CSV_COLUMNS, line_end="\n")


def _csv_rows(report: Report) -> Iterator[list[object]]:
    for f in report.findings:
        row = f.to_json()
        yield [row[c] for c in CSV_COLUMNS]


def render_json(report: Report, meta: dict[str, Any]) -> str:
    from camaudit import __version__

    doc = {"camaudit": __version__, "screen": {**meta, "files": report.files,
                                               "bytes": report.bytes},
           "findings": [f.to_json() for f in report.findings],
           "skipped": [{"path": s.path, "reason": s.reason} for s in report.skipped]}
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"


def render_html(report: Report, meta: dict[str, Any]) -> str:
    """One self-contained page (no script, nothing fetched; the report's CSP and escaping)."""
    from collections import Counter

    from camaudit import __version__
    from camaudit.reports.html import (
        BAR_HEIGHT,
        CHART_WIDTH,
        SEVERITIES,
        bars,
        environment,
        finding_rows,
        shorten,
    )

    rows = finding_rows(f.to_json() for f in report.findings)
    by_rule = Counter(f.rule for f in report.findings).most_common()
    severities = Counter(f.severity for f in report.findings)
    return environment().get_template("screen.html.j2").render(
        version=__version__, total=len(rows), findings=rows, files=report.files,
        bytes=report.bytes, paths=[str(p) for p in meta.get("paths") or ()],
        device=meta.get("device") or "", scan_id=meta.get("scan_id") or "",
        site=meta.get("site") or "", severities=SEVERITIES,
        severity_counts={s: severities[s] for s in SEVERITIES},
        sources=len({f.path for f in report.findings}), rules=bars(by_rule),
        rules_height=max(1, len(by_rule)) * (BAR_HEIGHT + 6), chart_width=CHART_WIDTH,
        bar_height=BAR_HEIGHT,
        skipped=[(shorten(s.path), shorten(s.reason)) for s in report.skipped])
