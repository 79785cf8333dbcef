"""Match observations against rules: rules indexed by key, first matching rule wins (recog).

A rule marked ``shared`` (a trait other makers' firmware shows too) does not end the search:
its match is kept as reinforcement and the rules after it still get their turn, so a shared
Hikvision SDP trait cannot hide the rule that names the clone which really sent it.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache

from camaudit.fingerprints.schema import Rule, load_rules
from camaudit.model import Match, Observation

# Values longer than this are cut before matching: bodies are bounded upstream, but a pasted
# observation may not be, and a regex over megabytes is a denial of service.
MAX_VALUE = 65536


def apply(rule: Rule, value: str) -> dict[str, str] | None:
    """Fields ``rule`` yields for ``value``, or None when it does not match."""
    m = rule.pattern.search(value[:MAX_VALUE])
    if m is None:
        return None
    fields = dict(rule.set)
    for group, name in rule.capture.items():
        captured = m.group(group)
        if captured is not None and captured.strip():
            fields[name] = captured.strip()
    return fields


class Matcher:
    def __init__(self, rules: Iterable[Rule]) -> None:
        self.by_key: dict[str, list[Rule]] = {}
        for rule in rules:
            self.by_key.setdefault(rule.key, []).append(rule)

    def first(self, key: str, value: str) -> tuple[Rule, dict[str, str]] | None:
        for rule in self.by_key.get(key, ()):
            fields = apply(rule, value)
            if fields is not None:
                return rule, fields
        return None

    def matches(self, obs: Observation) -> list[Match]:
        """The first matching rule that is not shared, preceded by any shared rules that
        matched before it."""
        out: list[Match] = []
        for rule in self.by_key.get(obs.key, ()):
            fields = apply(rule, obs.value)
            if fields is None:
                continue
            out.append(Match(
                rule=rule.id, key=obs.key, value=obs.value, source=obs.source,
                grade=rule.grade, confidence=rule.confidence,
                fields=tuple(sorted(fields.items())), shared=bool(rule.shared),
                shared_with=rule.shared_with))
            if not rule.shared:
                break
        return out

    def match(self, obs: Observation) -> Match | None:
        """The deciding match for ``obs``: the first non-shared one, else the first shared."""
        found = self.matches(obs)
        return next((m for m in found if not m.shared), found[0] if found else None)

    def match_all(self, observations: Iterable[Observation]) -> list[Match]:
        out: list[Match] = []
        for obs in observations:
            out.extend(self.matches(obs))
        return out


@lru_cache(maxsize=1)
def default_matcher() -> Matcher:
    """The matcher over the shipped rules, loaded once per process."""
    return Matcher(load_rules())
