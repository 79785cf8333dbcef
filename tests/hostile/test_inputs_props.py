"""Properties of the two readers of user-named files: ``yamlfile`` (policy, rule and profile
files; ``RuleError('file:line: ...')``) and ``jsonfile`` (scan files read by check, report and
egress --devices; one-line ``UsageError``). Both refuse what would blow up later (alias bombs,
deep nesting, impossible dates, huge or non-finite numbers, lone surrogates) in bounded time."""

from __future__ import annotations

import json
import math
import time
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from tests.hostile.strategies import hostile, props
from tests.hostile.targets import INPUTS

from camaudit import jsonfile, yamlfile
from camaudit.errors import RuleError, UsageError


@pytest.mark.parametrize("name", sorted(INPUTS))
def test_reader_raises_only_its_one_line_error(name: str) -> None:
    target = INPUTS[name]

    @props(examples=80, deadline_ms=1000)
    @given(hostile(target))
    def check(data: bytes) -> None:
        target.call(data)

    check()


_SCALAR = st.one_of(st.none(), st.booleans(), st.integers(-10**50, 10**50),
                    st.floats(allow_nan=False, allow_infinity=False), st.text(max_size=20))
_JSON = st.recursive(_SCALAR, lambda kids: st.lists(kids, max_size=4)
                     | st.dictionaries(st.text(max_size=8), kids, max_size=4), max_leaves=30)


def _depth(v: Any) -> int:
    if isinstance(v, dict):
        return 1 + max(map(_depth, v.values()), default=0)
    if isinstance(v, list):
        return 1 + max(map(_depth, v), default=0)
    return 0


def _digits_ok(v: Any) -> bool:
    if isinstance(v, dict):
        return all(map(_digits_ok, v.values()))
    if isinstance(v, list):
        return all(map(_digits_ok, v))
    return not isinstance(v, int) or isinstance(v, bool) or len(str(abs(v))) <= jsonfile.MAX_DIGITS


@props(examples=150)
@given(_JSON)
def test_json_documents_read_back_or_are_refused_naming_why(doc: Any) -> None:
    text = json.dumps(doc)
    try:
        got = jsonfile.parse(text, "scan.json")
    except UsageError as e:
        assert str(e).startswith("scan.json: ") and "\n" not in str(e)
        assert not _digits_ok(doc) or _depth(doc) > jsonfile.MAX_DEPTH
        return
    assert got == doc and _digits_ok(doc)


@props(examples=60)
@given(st.sampled_from(["NaN", "Infinity", "-Infinity", "1e400", "-1e400", "9" * 5000,
                        '"\\ud800"', '"a\\udfffb"']), st.integers(0, 3))
def test_json_values_that_cannot_stand_are_refused_with_their_field(value: str, at: int) -> None:
    doc = '{"devices": [' + "{}, " * at + '{"confidence": ' + value + "}]}"
    with pytest.raises(UsageError) as e:
        jsonfile.parse(doc, "scan.json")
    assert f"devices[{at}].confidence" in str(e.value) and "\n" not in str(e.value)


@pytest.mark.parametrize("depth", [100, 1000, 100_000])
def test_deep_json_is_refused_in_bounded_time(depth: int) -> None:
    t0 = time.perf_counter()
    with pytest.raises(UsageError, match="nested deeper"):
        jsonfile.parse("[" * depth + "]" * depth, "scan.json")
    assert time.perf_counter() - t0 < 2.0


def _bomb(levels: int, width: int) -> str:
    lines = ['a0: &a0 "' + "x" * 20 + '"']
    for n in range(1, levels + 1):
        lines.append(f"a{n}: &a{n} [" + ", ".join([f"*a{n - 1}"] * width) + "]")
    return "\n".join(lines) + f"\nmin_confidence: *a{levels}\n"


@props(examples=40, deadline_ms=2000)
@given(st.integers(1, 12), st.integers(2, 12))
def test_yaml_aliases_expand_within_the_cap_or_are_refused(levels: int, width: int) -> None:
    text = _bomb(levels, width)
    try:
        doc = yamlfile.load_yaml(text, "p.yaml")
    except RuleError as e:
        assert str(e).startswith("p.yaml:") and "alias" in str(e) and "\n" not in str(e)
        assert 20 * width ** levels > yamlfile.MAX_EXPANDED / 8
        return
    assert len(str(doc["min_confidence"])) <= 8 * yamlfile.MAX_EXPANDED


@props(examples=60)
@given(st.integers(0, 9999), st.integers(0, 99), st.integers(0, 99), st.integers(0, 20))
def test_yaml_dates_are_dates_or_refused_naming_the_line(y: int, m: int, d: int, line: int
                                                         ) -> None:
    text = "\n" * line + f"since: {y:04d}-{m:02d}-{d:02d}\n"
    try:
        doc = yamlfile.load_yaml(text, "p.yaml")
    except RuleError as e:
        assert str(e).startswith(f"p.yaml:{line + 1}: ") and "not a valid date" in str(e)
        return
    assert isinstance(doc, dict)


@pytest.mark.parametrize("text", ["a: " + "[" * 100 + "]" * 100, "a:\n" + "".join(
    "  " * n + f"k{n}:\n" for n in range(1, 200)), "- " * 500 + "x", "{" * 10_000])
def test_yaml_nesting_is_refused_in_bounded_time(text: str) -> None:
    t0 = time.perf_counter()
    with pytest.raises(RuleError) as e:
        yamlfile.load_yaml(text, "p.yaml")
    assert time.perf_counter() - t0 < 2.0 and "\n" not in str(e.value)


@pytest.mark.parametrize("reader", [jsonfile.read_text, yamlfile.read_text])
def test_dev_zero_is_read_no_further_than_the_cap(reader: Any) -> None:
    t0 = time.perf_counter()
    with pytest.raises((UsageError, RuleError), match="larger than"):
        reader(Path("/dev/zero"), "input", limit=1 << 20)
    assert time.perf_counter() - t0 < 2.0


def test_json_floats_round_trip_finite() -> None:
    doc = jsonfile.parse('{"c": 1e308, "d": -0.0, "e": 5e-324}', "s.json")
    assert all(math.isfinite(v) for v in doc.values())
