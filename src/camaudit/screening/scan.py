"""Screen files, folders, archives and texts: pick the extractor, run the rules, make findings.

    screener = Screener()
    report = screener.screen_paths([Path("vendor-docs/")])
    for f in report.findings:
        print(f.path, f.page, f.offset, f.rule, f.matched)

A file is told by its bytes first (PDF, zip, Office package, tar, gzip/bz2/xz), then by its
name (.html, .xml), then by whether it decodes as text; anything else is a binary and goes to
the byte scanner, which finds the terms in ASCII, UTF-8, UTF-16LE/BE and GBK. Archive members
are named ``archive!member`` (nested: ``a.zip!b.tar!c.h``). A document that cannot be read
is scanned as raw bytes and noted in ``Report.skipped``; only a path that does not exist or
cannot be opened at all raises ``UsageError``.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from camaudit.errors import UsageError
from camaudit.model import ScreeningFinding
from camaudit.screening import archive, extract
from camaudit.screening.binary import ByteScanner
from camaudit.screening.matcher import Hit, TextMatcher
from camaudit.screening.rules import RuleSet, load_ruleset

IN_MEMORY = 256 << 20  # files larger than this (and not archives) are scanned through mmap
STREAM_BYTES = 64 << 20  # bytes read from a device node or FIFO named explicitly
_HTML = (".html", ".htm", ".xhtml", ".shtml", ".asp", ".jsp", ".php")
_XML = (".xml", ".xsd", ".wsdl")
Progress = Callable[[int], None]


@dataclass(frozen=True)
class Skipped:
    path: str
    reason: str


@dataclass(frozen=True)
class Report:
    findings: tuple[ScreeningFinding, ...] = ()
    skipped: tuple[Skipped, ...] = ()
    files: int = 0
    bytes: int = 0


@dataclass
class _Acc:
    findings: list[ScreeningFinding] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    files: int = 0
    bytes: int = 0


def _finding(path: str, hit: Hit, **where: Any) -> ScreeningFinding:
    r = hit.rule
    return ScreeningFinding(path=path, rule=r.id, severity=r.severity, grade=r.grade,
                   matched=hit.matched, context=hit.context, near=hit.near, source=r.source,
                   **where)


def walk(paths: Sequence[Path]) -> tuple[list[Path], list[Skipped]]:
    """Files named and regular files under folders named, sorted; what a folder holds that is
    not a regular file (device node, FIFO, socket, symlink to one) is skipped, not read.
    Symlinked folders are not followed. A path named explicitly is read whatever it is."""
    out: list[Path] = []
    skipped: list[Skipped] = []
    for p in paths:
        if p.is_dir():
            for root, dirs, files in os.walk(p):
                dirs.sort()
                for f in sorted(files):
                    entry = Path(root) / f
                    try:
                        regular = stat.S_ISREG(entry.stat().st_mode)
                    except OSError as e:
                        skipped.append(Skipped(str(entry), f"not readable ({e.strerror or e})"))
                        continue
                    if regular:
                        out.append(entry)
                    else:
                        skipped.append(Skipped(str(entry), "not a regular file (device, FIFO, "
                                               "socket or a link to one); name it to read it"))
        elif p.exists():
            if not os.access(p, os.R_OK):
                raise UsageError(f"cannot read '{p}': permission denied")
            out.append(p)
        else:
            raise UsageError(f"no such file or folder: '{p}'")
    return out, skipped


def collect_files(paths: Sequence[Path]) -> list[Path]:
    """The files ``walk`` reads."""
    return walk(paths)[0]


class Screener:
    """Rules compiled once; screens paths, bytes and texts."""

    def __init__(self, ruleset: RuleSet | None = None, *, limits: archive.Limits | None = None,
                 workers: int | None = None) -> None:
        self.ruleset = ruleset or load_ruleset()
        self.limits = limits or archive.Limits()
        self.text = TextMatcher(self.ruleset.rules)
        self.bytes = ByteScanner(self.ruleset.rules, workers=workers)

    def screen_paths(self, paths: Sequence[Path], progress: Progress | None = None) -> Report:
        files, skipped = walk(paths)
        acc = _Acc(skipped=skipped)
        for path in files:
            self._file(path, acc, progress)
        return Report(tuple(acc.findings), tuple(acc.skipped), acc.files, acc.bytes)

    def screen_bytes(self, name: str, data: bytes) -> Report:
        acc = _Acc()
        acc.files, acc.bytes = 1, len(data)
        self._data(name, data, 0, acc)
        return Report(tuple(acc.findings), tuple(acc.skipped), acc.files, acc.bytes)

    def screen_text(self, name: str, text: str, where: str | None = None) -> list[ScreeningFinding]:
        return [_finding(name, h, where=where) for h in self.text.scan(text)]

    def screen_segments(self, name: str, got: extract.Extracted) -> list[ScreeningFinding]:
        out: list[ScreeningFinding] = []
        for seg in got.segments:
            for h in self.text.scan(seg.text):
                out.append(_finding(name, h, page=seg.page, offset=seg.byte_offset(h.start),
                                    encoding=seg.encoding if seg.encoding else None,
                                    where=seg.where(h.start)))
        return out

    def _file(self, path: Path, acc: _Acc, progress: Progress | None) -> None:
        """One file, opened once (a FIFO cannot be read twice) and read within its cap: a
        regular file up to its size (or ``IN_MEMORY``), a device or FIFO named explicitly
        up to ``STREAM_BYTES``; larger regular files go to the byte scanner through mmap."""
        name = str(path)
        try:
            with path.open("rb") as fh:
                info = os.fstat(fh.fileno())
                regular = stat.S_ISREG(info.st_mode)
                size = info.st_size
                head = fh.read(4096)
                small = not regular or size <= IN_MEMORY or (
                    archive.kind(head) is not None and size <= self.limits.archive_bytes)
                cap = max(size, IN_MEMORY) if regular else STREAM_BYTES
                data = head + fh.read(cap + 1 - len(head)) if small else b""
        except OSError as e:
            acc.skipped.append(Skipped(name, f"not readable ({e.strerror or e})"))
            return
        acc.files += 1
        if not small:
            acc.bytes += size
            try:
                for bh in self.bytes.scan_file(path, progress):
                    acc.findings.append(_finding(name, bh.hit, offset=bh.offset,
                                                 encoding=bh.encoding))
            except OSError as e:
                acc.skipped.append(Skipped(name, f"not readable ({e.strerror or e})"))
            return
        if len(data) > cap:
            data = data[:cap]
            why = "grew while read" if regular else "not a regular file"
            acc.skipped.append(Skipped(name, f"read stopped at {cap} bytes ({why}); first "
                                       "part screened"))
        acc.bytes += len(data)
        self._data(name, data, 0, acc)
        if progress is not None:
            progress(len(data))

    def _data(self, name: str, data: bytes, depth: int, acc: _Acc) -> None:
        got = self._extract(name, data)
        if got is not None:
            acc.findings.extend(self.screen_segments(name, got))
            if got.problem is None:
                return
            acc.skipped.append(Skipped(name, f"{got.problem}; raw bytes scanned"))
        elif archive.kind(data) is not None:
            self._archive(name, data, depth, acc)
            return
        for bh in self.bytes.scan(data):
            acc.findings.append(_finding(name, bh.hit, offset=bh.offset, encoding=bh.encoding))

    def _extract(self, name: str, data: bytes) -> extract.Extracted | None:
        """Text of a document, or None for an archive or a binary."""
        lower = name.lower().rsplit("!", 1)[-1]
        if b"%PDF-" in data[:1024]:
            return extract.pdf(data)
        office = archive.is_office(data)
        if office is not None:
            if not archive.office_size_ok(data, self.limits):
                return extract.Extracted(office, problem="package inflates past the limit")
            return extract.docx(data) if office == "docx" else extract.xlsx(data)
        if archive.kind(data) is not None:
            return None
        head = data[:512].lstrip().lower()
        if lower.endswith(_XML) or head.startswith(b"<?xml"):
            got = extract.xml_document(data)
            return got if got.segments or got.problem is None else None
        if lower.endswith(_HTML) or head.startswith((b"<!doctype html", b"<html")):
            got = extract.markup(data)
            return got if got.segments else None
        got = extract.plain(data)
        return got if got.segments else None

    def _archive(self, name: str, data: bytes, depth: int, acc: _Acc) -> None:
        if depth >= self.limits.depth:
            acc.skipped.append(Skipped(name, f"archive nested deeper than {self.limits.depth}"))
            return
        for m in archive.members(data, self.limits):
            inner = f"{name}!{m.name}"
            if m.data is None:
                acc.skipped.append(Skipped(inner, m.skipped or "skipped"))
                continue
            self._data(inner, m.data, depth + 1, acc)
