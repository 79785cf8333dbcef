from __future__ import annotations

import pytest

from camaudit.screening.matcher import TextMatcher, clean_context, term_regex
from camaudit.screening.rules import load_ruleset

MATCHER = TextMatcher(load_ruleset().rules)


def _ids(text: str) -> list[str]:
    return [h.rule.id for h in MATCHER.scan(text)]


@pytest.mark.parametrize(("text", "rule"), [
    ("前端支持上报维族属性", "uyghur-face-analytics"),
    ("Uighurs are flagged by the face recognition system", "uyghur-face-analytics"),
    ("UYGUR alarm", "uyghur-face-analytics"),
    ("人种肤色属性", "ethnicity-face-attribute"),
    ("skin   colour detection", "ethnicity-face-attribute"),
    ("维\n族人员实时预警", "uyghur-face-analytics"),
])
def test_positives(text: str, rule: str) -> None:
    assert rule in _ids(text)


@pytest.mark.parametrize("text", [
    "民族：汉族  出生年月：2010年5月  籍贯：浙江",
    "backtrace: race_free=1 face_detect=1",
    "The Uyghur Autonomous Region borders Kazakhstan.",
    "民族" + "。" * 60 + "人脸",  # context word outside the window
])
def test_negatives(text: str) -> None:
    assert _ids(text) == []


def test_hit_reports_term_near_word_and_offsets() -> None:
    text = "规格：人脸属性包括种族属性(如维族、汉族)"
    hits = MATCHER.scan(text)
    uy = next(h for h in hits if h.rule.id == "uyghur-face-analytics")
    assert text[uy.start:uy.end] == "维族" and uy.matched == "维族"
    assert uy.near in ("人脸", "属性") and "维族" in uy.context


def test_star_extends_identifier_and_case_sensitivity_holds() -> None:
    hits = MATCHER.scan("x = EM_NATION_TYPE_UYGUR;")
    assert [h.matched for h in hits] == ["EM_NATION_TYPE_UYGUR"]
    assert _ids("em_nation_type_uygur emnation") == []


def test_near_term_must_not_be_the_match_itself() -> None:
    # "Face" inside a people word cannot count as its own context
    assert _ids("Tibetans") == []


def test_term_regex_and_context_cleaning() -> None:
    assert "(?i:" in term_regex("race") and "(?i:" not in term_regex("race", True)
    assert clean_context("a\x00\x01b\n  c\ufffd") == "a..b c."


# ---------------------------------------------------------------- hostile input (issue 12)
def _timed(fn: object, *args: object) -> tuple[object, float]:
    import time

    start = time.perf_counter()
    out = fn(*args)  # type: ignore[operator]
    return out, time.perf_counter() - start


@pytest.mark.parametrize("text", [
    "a" * (64 << 10),  # a wildcard term (*EM_RACE_) used to compile to [A-Za-z0-9_]*EM_RACE_
    "EM_RACE" * (16 << 10),
    "Uyghur" * (16 << 10),
])
def test_long_word_runs_match_in_linear_time(text: str) -> None:
    _, seconds = _timed(MATCHER.scan, text)
    assert seconds < 1.0  # was 6 s for 64 KiB of letters


def test_wildcard_sides_stay_bounded_and_touching_matches_merge() -> None:
    from camaudit.screening.matcher import EXTEND, MAX_SPAN

    (hit,) = MATCHER.scan("x = " + "Q" * 200 + "EM_NATION_TYPE_UYGUR;")
    assert hit.matched == "Q" * EXTEND + "EM_NATION_TYPE_UYGUR"
    hits = MATCHER.scan("EM_NATION_TYPE" * 1000)
    assert hits and all(h.end - h.start <= MAX_SPAN for h in hits)
