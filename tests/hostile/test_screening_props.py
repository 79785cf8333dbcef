"""Properties of the screening readers on hostile documents: the extractors (text, HTML, XML,
PDF, DOCX, XLSX), archive members, the byte scanner and ``Screener.screen_bytes`` never raise,
return within a deadline and keep their caps; matching is linear in the text (wildcard terms,
many hits) and a finding's byte offset is the offset of its match."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator

import pytest
from hypothesis import given
from hypothesis import strategies as st
from tests.hostile.strategies import hostile, props
from tests.hostile.targets import SCREENING, screener

from camaudit.screening import extract
from camaudit.screening.scan import Report, Screener


@pytest.fixture(autouse=True)
def _quiet_pypdf() -> Iterator[None]:
    """pypdf logs a warning per damaged object: thousands here, and slow to capture."""
    logging.disable(logging.WARNING)
    yield
    logging.disable(logging.NOTSET)


# pypdf takes tens of milliseconds on a damaged file: fewer examples for it
EXAMPLES = {"screen.pdf": 12, "screen.bytes": 25, "screen.binary": 25}


@pytest.mark.parametrize("name", sorted(SCREENING))
def test_reader_never_raises_and_keeps_its_caps(name: str) -> None:
    target = SCREENING[name]

    @props(examples=EXAMPLES.get(name, 40), deadline_ms=3000)
    @given(hostile(target, max_size=8192))
    def check(data: bytes) -> None:
        out = target.call(data)
        if isinstance(out, extract.Extracted):
            assert sum(len(s.text) for s in out.segments) <= extract.MAX_CHARS
            assert out.segments or out.problem or not data
        elif isinstance(out, Report):
            assert all(0 <= (f.offset or 0) <= len(data) for f in out.findings)
        elif isinstance(out, list) and name == "screen.archive":
            assert len(out) <= 64 + 1 and sum(n for _, n, _ in out) <= 4 << 20

    check()


def _screen(text: str) -> tuple[float, int]:
    s = screener()
    assert isinstance(s, Screener)
    t0 = time.perf_counter()
    report = s.screen_bytes("t.txt", text.encode())
    return time.perf_counter() - t0, len(report.findings)


@pytest.mark.parametrize("unit", ["A", "EM_RACE", "ethnicity ", "x_EM_RACE_y ", "种族 "])
def test_matching_is_linear_in_the_text(unit: str) -> None:
    """Wildcard terms (``*EM_RACE_*``) and texts with a hit every few characters."""
    # best of three each, so a busy machine does not decide; 8 times the text: linear work
    # takes about 8 times as long, quadratic 64 times; the bound sits between
    small = min(_screen(unit * (32 * 1024 // len(unit)))[0] for _ in range(3))
    big = min(_screen(unit * (256 * 1024 // len(unit)))[0] for _ in range(3))
    assert big < 32 * max(small, 0.02), (small, big)


@props(examples=60)
@given(st.text(max_size=300), st.sampled_from(["utf-8", "utf-16-le", "gb18030"]),
       st.integers(0, 3))
def test_byte_offset_is_the_offset_of_the_match(prefix: str, enc: str, base: int) -> None:
    text = prefix * 40 + "种族 ethnicity"
    seg = extract.Segment(text, encoding=enc, byte_base=base)
    for start in sorted({0, len(text) // 3, len(text) - 12, len(text)}):
        assert seg.byte_offset(start) == base + len(text[:start].encode(enc, "replace"))


def test_finding_offsets_point_at_the_match_in_the_file() -> None:
    data = ("x" * 5000 + "维族 " + "y" * 9000 + " ethnicity detection\n").encode("utf-16-le")
    s = screener()
    assert isinstance(s, Screener)
    for f in s.screen_bytes("t.txt", b"\xff\xfe" + data).findings:
        assert f.offset is not None
        got = (b"\xff\xfe" + data)[f.offset:f.offset + 2 * len(f.matched)].decode("utf-16-le")
        assert got.lower() == f.matched.lower()
