"""Match observations against rules: rules indexed by key, first matching rule wins (recog)."""

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

    def match(self, obs: Observation) -> Match | None:
        hit = self.first(obs.key, obs.value)
        if hit is None:
            return None
        rule, fields = hit
        return Match(
            rule=rule.id, key=obs.key, value=obs.value, source=obs.source, grade=rule.grade,
            confidence=rule.confidence, fields=tuple(sorted(fields.items())),
            shared=bool(rule.shared),
        )

    def match_all(self, observations: Iterable[Observation]) -> list[Match]:
        out: list[Match] = []
        for obs in observations:
            m = self.match(obs)
            if m is not None:
                out.append(m)
        return out


@lru_cache(maxsize=1)
def default_matcher() -> Matcher:
    """The matcher over the shipped rules, loaded once per process."""
    return Matcher(load_rules())
