"""Find screening terms in raw bytes (firmware, SDK libraries) in every text encoding at once.

Each rule term is turned into byte patterns for ASCII/UTF-8, UTF-16LE, UTF-16BE and GBK (GBK
also covers GB18030 for these characters), in its written, lower, upper and capitalised forms.
One Aho-Corasick automaton (``ahocorasick_rs``, a DFA) finds every pattern in the raw bytes,
chunk by chunk with an overlap, over an mmap of the file. Only around a hit is anything
decoded: a window in the hit's encoding goes to ``TextMatcher.match_at``, which applies word
edges, full case-insensitivity and the co-occurrence window of each rule.

    scanner = ByteScanner(load_ruleset().rules)
    for f in scanner.scan_file(Path("firmware.bin")):
        print(f.offset, f.encoding, f.hit.rule.id, f.hit.context)
"""

from __future__ import annotations

import dataclasses
import mmap
import multiprocessing
import os
import re
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import ahocorasick_rs

from camaudit.screening.matcher import CONTEXT_CHARS, Hit, TextMatcher, clean_context, literal
from camaudit.screening.rules import ScreenRule

ENCODINGS = ("utf-8", "utf-16-le", "utf-16-be", "gbk")
CHUNK = 16 << 20
PARALLEL_BYTES = 64 << 20  # files at least this large are split over worker processes
_BREAK = re.compile(r"[\x00-\x08\x0e-\x1f\x7f\ufffd]")
_DECODE_AS = {"ascii": ("utf-8", "gbk"), "utf-8": ("utf-8",), "utf-16-le": ("utf-16-le",),
              "utf-16-be": ("utf-16-be",), "gbk": ("gbk",)}


@dataclass(frozen=True)
class ByteHit:
    offset: int  # byte offset of the term in the scanned bytes
    length: int  # bytes the matched term takes in its encoding
    encoding: str  # "ascii" (same bytes in UTF-8 and GBK), "utf-8", "utf-16-le", ...
    hit: Hit


def _printable_context(text: str, start: int, end: int) -> str:
    """Context bounded by the nearest control character or undecodable byte on each side."""
    lo, hi = max(0, start - CONTEXT_CHARS), min(len(text), end + CONTEXT_CHARS)
    left = [m.end() for m in _BREAK.finditer(text, lo, start)]
    right = _BREAK.search(text, end, hi)
    return clean_context(text[left[-1] if left else lo:right.start() if right else hi])


def _drop_contained(hits: list[ByteHit]) -> list[ByteHit]:
    """Per rule, drop a hit lying inside an earlier one (民族 inside 少数民族), and an ASCII
    UTF-16BE hit one byte before the same UTF-16LE hit (``\0E\0M`` vs ``E\0M\0``: the
    bytes read both ways; little-endian is reported)."""
    le = {(h.offset, h.hit.rule.id) for h in hits if h.encoding == "utf-16-le"}
    reach: dict[str, int] = {}
    out: list[ByteHit] = []
    for h in hits:
        rid = h.hit.rule.id
        if h.offset + h.length <= reach.get(rid, -1):
            continue
        if h.encoding == "utf-16-be" and (h.offset + 1, rid) in le:
            continue
        reach[rid] = max(reach.get(rid, -1), h.offset + h.length)
        out.append(h)
    return out


def _variants(term: str, case_sensitive: bool) -> set[str]:
    text = literal(term)
    if case_sensitive or not text.isascii():
        return {text}
    return {text, text.lower(), text.upper(), text.capitalize(), text.title()}


@dataclass(frozen=True)
class Pattern:
    encodings: tuple[str, ...]
    rules: frozenset[int]  # indices of the rules with a term behind this pattern
    left: bool  # every such term needs a word edge before it (checked on the bytes first)
    right: bool  # ... and after it


def _word_edge(term: str) -> tuple[bool, bool]:
    text = literal(term)
    word = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_"
    return (not term.startswith("*") and text[0] in word,
            not term.endswith("*") and text[-1] in word)


def byte_patterns(rules: Sequence[ScreenRule]) -> dict[bytes, Pattern]:
    """Every byte pattern to look for: its encodings, rules and word-edge needs."""
    encs: dict[bytes, set[str]] = {}
    owners: dict[bytes, set[int]] = {}
    edges: dict[bytes, tuple[bool, bool]] = {}
    for n, rule in enumerate(rules):
        for term in rule.terms:
            left, right = _word_edge(term)
            for text in _variants(term, rule.case_sensitive):
                for enc in ENCODINGS:
                    try:
                        pattern = text.encode(enc)
                    except UnicodeEncodeError:
                        continue
                    label = "ascii" if text.isascii() and enc in ("utf-8", "gbk") else enc
                    encs.setdefault(pattern, set()).add(label)
                    owners.setdefault(pattern, set()).add(n)
                    was = edges.get(pattern, (True, True))
                    edges[pattern] = (was[0] and left, was[1] and right)
    return {p: Pattern(tuple(sorted(encs[p])), frozenset(owners[p]), *edges[p])
            for p in sorted(encs)}


_WORD_BYTES = frozenset(b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_")


def _word_unit(data: bytes | memoryview | mmap.mmap, at: int, label: str) -> bool:
    """True when the character unit at byte ``at`` is an ASCII letter, digit or _."""
    if at < 0:
        return False
    if label in ("ascii", "utf-8", "gbk"):
        return at < len(data) and data[at] in _WORD_BYTES
    if at + 1 >= len(data):
        return False
    lo, hi = (data[at], data[at + 1]) if label == "utf-16-le" else (data[at + 1], data[at])
    return hi == 0 and lo in _WORD_BYTES


class ByteScanner:
    """Rules compiled once into one automaton; thread-safe, scans bytes, buffers and files."""

    def __init__(self, rules: Sequence[ScreenRule], *, workers: int | None = None) -> None:
        self.matcher = TextMatcher(rules)
        table = byte_patterns(rules)
        self._patterns = list(table)
        self._info = [table[p] for p in self._patterns]
        self.overlap = max(len(p) for p in self._patterns) - 1
        self.window = max(r.window for r in rules) + 80
        self.workers = workers or min(4, os.cpu_count() or 1)
        self._ac = ahocorasick_rs.BytesAhoCorasick(
            self._patterns, implementation=ahocorasick_rs.Implementation.DFA,
            matchkind=ahocorasick_rs.MATCHKIND_STANDARD)

    @property
    def patterns(self) -> list[bytes]:
        return list(self._patterns)

    def anchors(self, data: bytes | memoryview | mmap.mmap, start: int = 0,
                stop: int | None = None) -> list[tuple[int, int]]:
        """(offset, pattern index) of every pattern starting in data[start:stop]."""
        stop = len(data) if stop is None else stop
        view = memoryview(data)[start:min(len(data), stop + self.overlap)]
        found = self._ac.find_matches_as_indexes(view, overlapping=True)
        limit = stop - start
        return [(start + s, i) for i, s, _ in found if s < limit]

    def scan(self, data: bytes | memoryview | mmap.mmap,
             progress: Callable[[int], None] | None = None) -> list[ByteHit]:
        """Every rule hit in ``data``, ordered by offset; ``progress(n)`` after each chunk."""
        size = len(data)
        hits = [h for lo in range(0, size, CHUNK)
                for h in self._chunk(data, lo, min(size, lo + CHUNK), progress)]
        return _finish(hits)

    def scan_file(self, path: Path, progress: Callable[[int], None] | None = None
                  ) -> list[ByteHit]:
        """Hits in a file read through mmap; large files are split over ``workers`` processes
        (the matching of hits is Python code, so threads would queue on the GIL)."""
        size = path.stat().st_size
        if size == 0:
            return []
        if self.workers > 1 and size >= PARALLEL_BYTES:
            return self._parallel(path, size, progress)
        with path.open("rb") as fh, mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ) as mm:
            return self.scan(mm, progress)

    def _parallel(self, path: Path, size: int, progress: Callable[[int], None] | None
                  ) -> list[ByteHit]:
        ranges = [(lo, min(size, lo + CHUNK)) for lo in range(0, size, CHUNK)]
        ctx = multiprocessing.get_context("spawn")
        hits: list[ByteHit] = []
        with ProcessPoolExecutor(self.workers, mp_context=ctx, initializer=_init_worker,
                                 initargs=(self.matcher.rules,)) as pool:
            futures = [pool.submit(_scan_range, str(path), lo, hi) for lo, hi in ranges]
            for (lo, hi), fut in zip(ranges, futures, strict=True):
                hits.extend(fut.result())
                if progress is not None:
                    progress(hi - lo)
        return _finish(hits)

    def _chunk(self, data: bytes | memoryview | mmap.mmap, lo: int, hi: int,
               progress: Callable[[int], None] | None) -> list[ByteHit]:
        out: list[ByteHit] = []
        seen: set[tuple[int, str]] = set()
        for offset, index in self.anchors(data, lo, hi):
            info = self._info[index]
            end = offset + len(self._patterns[index])
            for label in info.encodings:
                unit = 2 if label.startswith("utf-16") else 1
                if (info.left and _word_unit(data, offset - unit, label)) or (
                        info.right and _word_unit(data, end, label)):
                    continue
                for hit, enc in self._confirm(data, offset, label, info.rules):
                    if (offset, hit.rule.id) not in seen:
                        seen.add((offset, hit.rule.id))
                        length = len(hit.matched.encode(enc, "replace"))
                        out.append(ByteHit(offset=offset, length=length, encoding=label,
                                           hit=hit))
        if progress is not None:
            progress(hi - lo)
        return out

    def _confirm(self, data: bytes | memoryview | mmap.mmap, offset: int, label: str,
                 rules: frozenset[int]) -> Iterator[tuple[Hit, str]]:
        width = self.window * (2 if label.startswith("utf-16") else 4)
        lo = max(0, offset - width)
        if label.startswith("utf-16"):
            lo += (offset - lo) % 2
        before_raw, after_raw = bytes(data[lo:offset]), bytes(data[offset:offset + width])
        for enc in _DECODE_AS[label]:
            before = before_raw.decode(enc, "replace")
            text = before + after_raw.decode(enc, "replace")
            for hit in self.matcher.match_at(text, len(before), rules):
                context = _printable_context(text, hit.start, hit.end)
                yield dataclasses.replace(hit, context=context), enc


def _finish(hits: list[ByteHit]) -> list[ByteHit]:
    hits.sort(key=lambda h: (h.offset, -h.length, h.hit.rule.id))
    return _drop_contained(hits)


_WORKER: ByteScanner | None = None


def _init_worker(rules: tuple[ScreenRule, ...]) -> None:
    global _WORKER
    _WORKER = ByteScanner(rules, workers=1)


def _scan_range(path: str, lo: int, hi: int) -> list[ByteHit]:
    """One chunk of a file, in a worker process (the file is mapped, not read)."""
    if _WORKER is None:
        raise RuntimeError("worker not initialised")
    with open(path, "rb") as fh, mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ) as mm:
        return _WORKER._chunk(mm, lo, hi, None)
