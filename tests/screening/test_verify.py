from __future__ import annotations

import dataclasses

from camaudit.screening.rules import Benign, Example, load_ruleset
from camaudit.screening.verify import verify


def test_shipped_rules_verify_clean() -> None:
    assert verify() == []


def test_missing_examples_and_failing_examples_are_reported() -> None:
    rs = load_ruleset()
    rule = next(r for r in rs.rules if r.id == "ethnicity-face-attribute")
    bad = dataclasses.replace(rule, examples=(
        Example("民族", "match", 7),
    ))
    problems = verify(dataclasses.replace(rs, rules=(bad,), benign=()))
    assert any(p.startswith(f"{rule.file}:7: rule ethnicity-face-attribute: example '民族' "
                            "is not found") for p in problems)
    assert any("needs an 'expect: clean' example" in p for p in problems)


def test_clean_example_flagged_by_another_rule_is_reported() -> None:
    rs = load_ruleset()
    rule = next(r for r in rs.rules if r.id == "dahua-netsdk-race-field")
    bad = dataclasses.replace(rule, examples=rule.examples + (
        Example("人脸识别：维族", "clean", 99),))
    rules = tuple(bad if r.id == rule.id else r for r in rs.rules)
    problems = verify(dataclasses.replace(rs, rules=rules, benign=()))
    assert len(problems) == 1
    assert any(":99: rule dahua-netsdk-race-field: clean example" in p
               and "flagged by rule uyghur-face-analytics" in p for p in problems)


def test_benign_text_flagged_and_duplicate_ids_are_reported() -> None:
    rs = load_ruleset()
    problems = verify(dataclasses.replace(
        rs, rules=rs.rules + rs.rules[:1],
        benign=(Benign("bad", "人脸识别 维族 预警", "benign.yaml:3"),)))
    assert any("flags benign text benign.yaml:3 (bad)" in p for p in problems)
    assert any("duplicate id" in p for p in problems)


def test_standalone_rule_must_be_case_sensitive() -> None:
    rs = load_ruleset()
    sdk = next(r for r in rs.rules if r.id == "dahua-netsdk-nation-field")
    loose = dataclasses.replace(sdk, case_sensitive=False)
    problems = verify(dataclasses.replace(rs, rules=(loose,), benign=()))
    assert any("must be an exact identifier" in p for p in problems)
