"""The one screening-rule verifier, run by ``camaudit screen --verify-rules`` and by the tests.

For every rule it checks (each failure is a ``file:line: message`` string):

* ids are unique, lower-case and hyphenated;
* the rule has at least one ``expect: match`` and one ``expect: clean`` example;
* every ``match`` example is found by this rule;
* every ``clean`` example is flagged by **no** rule (a clean text is clean as a document);
* no rule flags any of the benign texts (``benign.yaml``: admission forms, histories, news);
* a rule that stands alone (no ``near``) is case-sensitive: only exact SDK identifiers may.
"""

from __future__ import annotations

from camaudit.rulefiles.fields import id_problems
from camaudit.screening.matcher import TextMatcher
from camaudit.screening.rules import RuleSet, load_ruleset


def verify(ruleset: RuleSet | None = None) -> list[str]:
    """All problems found in ``ruleset`` (default: the shipped rules); empty means verified."""
    ruleset = load_ruleset() if ruleset is None else ruleset
    problems: list[str] = []
    seen: dict[str, str] = {}
    everything = TextMatcher(ruleset.rules)
    for rule in ruleset.rules:
        problems += id_problems(rule.id, rule.where, seen)
        if not rule.near and not rule.case_sensitive:
            problems.append(f"{rule.where}: rule {rule.id}: a rule without 'near' must be an "
                            "exact identifier (case_sensitive: true)")
        kinds = {ex.expect for ex in rule.examples}
        for needed in ("match", "clean"):
            if needed not in kinds:
                problems.append(f"{rule.where}: rule {rule.id}: needs an 'expect: {needed}' "
                                "example")
        alone = TextMatcher([rule])
        for ex in rule.examples:
            at = f"{rule.file}:{ex.line}"
            if ex.expect == "match" and not alone.scan(ex.text):
                problems.append(f"{at}: rule {rule.id}: example {ex.text[:60]!r} is not found")
            if ex.expect == "clean":
                flagged = everything.scan(ex.text)
                if flagged:
                    h = flagged[0]
                    problems.append(f"{at}: rule {rule.id}: clean example {ex.text[:60]!r} is "
                                    f"flagged by rule {h.rule.id} at {h.matched!r}")
    for benign in ruleset.benign:
        for h in everything.scan(benign.text):
            problems.append(f"{h.rule.where}: rule {h.rule.id} flags benign text {benign.where} "
                            f"({benign.note}) at {h.matched!r}")
    return problems
