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
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass

from camaudit.screening.rules import ScreenRule

_WORD = "A-Za-z0-9_"
CONTEXT_CHARS = 40
_UNPRINTABLE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f\ufffd]")


def _is_ascii_word(ch: str) -> bool:
    return ch.isascii() and (ch.isalnum() or ch == "_")


def _is_cjk(ch: str) -> bool:
    return "\u2e80" <= ch <= "\u9fff" or "\uf900" <= ch <= "\ufaff"


def literal(term: str) -> str:
    """The text of a term without its ``*`` markers."""
    return term.strip("*")


def term_regex(term: str, case_sensitive: bool = False) -> str:
    """Regular expression source for one term (see the module docstring)."""
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
    if term.startswith("*"):
        body = rf"[{_WORD}]*" + body
    elif _is_ascii_word(text[0]):
        body = rf"(?<![{_WORD}])" + body
    if term.endswith("*"):
        body += rf"[{_WORD}]*"
    elif _is_ascii_word(text[-1]):
        body += rf"(?![{_WORD}])"
    return body


def compile_terms(terms: Iterable[str], case_sensitive: bool = False) -> re.Pattern[str]:
    ordered = sorted(terms, key=lambda t: len(literal(t)), reverse=True)
    return re.compile("|".join(term_regex(t, case_sensitive) for t in ordered))


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
    terms: re.Pattern[str]
    near: re.Pattern[str] | None


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
            for m in c.terms.finditer(text):
                hit = self._confirm(c, text, m)
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
            m = c.terms.match(text, pos)
            if m is not None:
                hit = self._confirm(c, text, m)
                if hit is not None:
                    out.append(hit)
        return out

    def _confirm(self, c: _Compiled, text: str, m: re.Match[str]) -> Hit | None:
        start, end = m.span()
        near_text: str | None = None
        if c.near is not None:
            lo, hi = max(0, start - c.rule.window), min(len(text), end + c.rule.window)
            found = _near(c.near, text, lo, hi, start, end)
            if found is None:
                return None
            near_text = found
        ctx = text[max(0, start - CONTEXT_CHARS):end + CONTEXT_CHARS]
        return Hit(rule=c.rule, start=start, end=end, matched=squash(m.group(0)),
                   near=None if near_text is None else squash(near_text),
                   context=clean_context(ctx))


def _near(pattern: re.Pattern[str], text: str, lo: int, hi: int, start: int,
          end: int) -> str | None:
    """A near term inside text[lo:hi] that is not the matched term itself."""
    for m in pattern.finditer(text, lo, hi):
        if m.start() >= end or m.end() <= start:
            return m.group(0)
    return None
