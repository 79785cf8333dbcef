"""Match screening rules against decoded text: terms, word edges, and the co-occurrence window.

    matcher = TextMatcher(load_ruleset().rules)
    for hit in matcher.scan("人脸属性：种族属性(如维族、汉族)"):
        print(hit.rule.id, hit.start, hit.matched, hit.near)

ASCII terms match case-insensitively (unless the rule is case-sensitive) and must stand alone:
no letter, digit or ``_`` right before or after, unless the term starts or ends with ``*``.
Chinese terms may have white space between their characters. A rule with ``near`` terms
fires only when one of them stands within ``window`` characters before or after the match.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass

from camaudit.screening.rules import ScreenRule

_WORD = "A-Za-z0-9_"
CONTEXT_CHARS = 40
EXTEND = 64  # characters a ``*`` lets a term go on by (longer identifiers are cut there)
MAX_SPAN = 256  # a run of touching matches is merged into spans of at most this many characters
_UNPRINTABLE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f\ufffd]")


def _is_ascii_word(ch: str) -> bool:
    return ch.isascii() and (ch.isalnum() or ch == "_")


def _is_cjk(ch: str) -> bool:
    return "\u2e80" <= ch <= "\u9fff" or "\uf900" <= ch <= "\ufaff"


def literal(term: str) -> str:
    """The text of a term without its ``*`` markers."""
    return term.strip("*")


def term_regex(term: str, case_sensitive: bool = False) -> str:
    """Regular expression source for the literal core of one term (see the module docstring).

    A ``*`` side gets no pattern at all: the word it lets go on is added after the match by
    ``TermSet`` (at most ``EXTEND`` characters), so no term compiles to an unbounded
    ``[A-Za-z0-9_]*`` that would make matching quadratic in a long run of letters."""
    text = literal(term)
    parts: list[str] = []
    for i, ch in enumerate(text):
        if ch.isspace():
            if parts and parts[-1] != r"\s+":
                parts.append(r"\s+")
            continue
        parts.append(re.escape(ch))
        if _is_cjk(ch) and i + 1 < len(text) and _is_cjk(text[i + 1]):
            parts.append(r"\s*")
    body = "".join(parts)
    if not case_sensitive and text.isascii():
        body = f"(?i:{body})"
    if not term.startswith("*") and _is_ascii_word(text[0]):
        body = rf"(?<![{_WORD}])" + body
    if not term.endswith("*") and _is_ascii_word(text[-1]):
        body += rf"(?![{_WORD}])"
    return body


@dataclass(frozen=True)
class TermSet:
    """Terms compiled into one alternation (longest first), each alternative a group, so a
    match knows whether its term has ``*`` sides to extend over word characters."""

    pattern: re.Pattern[str]
    lead: tuple[bool, ...]  # per group number (index 0 unused): the term starts with *
    trail: tuple[bool, ...]  # ... ends with *

    def spans(self, text: str, lo: int = 0, hi: int | None = None) -> Iterator[tuple[int, int]]:
        """(start, end) of every term in text[lo:hi], ``*`` sides extended; a match that
        overlaps the previous one, or whose word runs on into it, is merged into it."""
        hi = len(text) if hi is None else hi
        pending: tuple[int, int] | None = None
        for m in self.pattern.finditer(text, lo, hi):
            floor = lo if pending is None else pending[1]
            start, end = self._extend(text, m, floor, hi, left=True)
            if pending is not None and end - pending[0] <= MAX_SPAN and (start < pending[1] or (
                    start == pending[1] < m.start() and start > lo
                    and _is_ascii_word(text[start - 1]))):
                pending = (pending[0], max(pending[1], end))
                continue
            if pending is not None:
                yield pending
            pending = (start, end)
        if pending is not None:
            yield pending

    def match(self, text: str, pos: int) -> tuple[int, int] | None:
        """The span of a term starting exactly at ``pos`` (a trailing ``*`` extended)."""
        m = self.pattern.match(text, pos)
        return None if m is None else self._extend(text, m, pos, len(text), left=False)

    def _extend(self, text: str, m: re.Match[str], floor: int, hi: int,
                left: bool) -> tuple[int, int]:
        start, end = m.span()
        group = m.lastindex or 0
        if left and self.lead[group]:
            stop = max(floor, start - EXTEND)
            while start > stop and _is_ascii_word(text[start - 1]):
                start -= 1
        if self.trail[group]:
            tail = _WORD_RUN.match(text, end, min(hi, end + EXTEND))
            end = tail.end() if tail is not None else end
        return start, end


_WORD_RUN = re.compile(rf"[{_WORD}]*")


def compile_terms(terms: Iterable[str], case_sensitive: bool = False) -> TermSet:
    ordered = sorted(terms, key=lambda t: len(literal(t)), reverse=True)
    pattern = re.compile("|".join(f"({term_regex(t, case_sensitive)})" for t in ordered))
    return TermSet(pattern, (False, *(t.startswith("*") for t in ordered)),
                   (False, *(t.endswith("*") for t in ordered)))


def squash(text: str) -> str:
    """Matched text for display: no white space between Chinese characters, runs as one."""
    text = re.sub(r"(?<=[\u2e80-\u9fff])\s+(?=[\u2e80-\u9fff])", "", text)
    return " ".join(text.split())


def clean_context(text: str) -> str:
    """Context for display: control characters and U+FFFD as '.', runs of white space as one."""
    return " ".join(_UNPRINTABLE.sub(".", text).split())


@dataclass(frozen=True)
class Hit:
    rule: ScreenRule
    start: int  # character offsets in the scanned text
    end: int
    matched: str
    near: str | None  # the co-occurring term, when the rule needs one
    context: str


@dataclass(frozen=True)
class _Compiled:
    rule: ScreenRule
    terms: TermSet
    near: TermSet | None


class TextMatcher:
    """All rules compiled once; ``scan`` and ``match_at`` are pure functions of the text."""

    def __init__(self, rules: Sequence[ScreenRule]) -> None:
        self.rules = tuple(rules)
        self._compiled = tuple(
            _Compiled(rule=r, terms=compile_terms(r.terms, r.case_sensitive),
                      near=compile_terms(r.near) if r.near else None)
            for r in self.rules)

    def scan(self, text: str) -> list[Hit]:
        """Every rule hit in ``text``, ordered by position then rule order."""
        hits: list[Hit] = []
        for c in self._compiled:
            for start, end in c.terms.spans(text):
                hit = self._confirm(c, text, start, end)
                if hit is not None:
                    hits.append(hit)
        order = {r.id: i for i, r in enumerate(self.rules)}
        hits.sort(key=lambda h: (h.start, order[h.rule.id]))
        return hits

    def match_at(self, text: str, pos: int, only: Collection[int] | None = None) -> list[Hit]:
        """Hits of rules whose term starts exactly at ``pos`` (used around binary anchors);
        ``only``: indices of the rules to try (default: all)."""
        out: list[Hit] = []
        for n, c in enumerate(self._compiled):
            if only is not None and n not in only:
                continue
            span = c.terms.match(text, pos)
            if span is not None:
                hit = self._confirm(c, text, *span)
                if hit is not None:
                    out.append(hit)
        return out

    def _confirm(self, c: _Compiled, text: str, start: int, end: int) -> Hit | None:
        near_text: str | None = None
        if c.near is not None:
            lo, hi = max(0, start - c.rule.window), min(len(text), end + c.rule.window)
            found = _near(c.near, text, lo, hi, start, end)
            if found is None:
                return None
            near_text = found
        ctx = text[max(0, start - CONTEXT_CHARS):end + CONTEXT_CHARS]
        return Hit(rule=c.rule, start=start, end=end, matched=squash(text[start:end]),
                   near=None if near_text is None else squash(near_text),
                   context=clean_context(ctx))


def _near(terms: TermSet, text: str, lo: int, hi: int, start: int, end: int) -> str | None:
    """A near term inside text[lo:hi] that is not the matched term itself."""
    for s, e in terms.spans(text, lo, hi):
        if s >= end or e <= start:
            return text[s:e]
    return None
