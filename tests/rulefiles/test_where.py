"""file:line locations and RuleErrors, shared by every rule family."""

from __future__ import annotations

from camaudit.errors import RuleError
from camaudit.rulefiles.where import line_of, rule_error, short, unknown_keys, where
from camaudit.yamlfile import load_yaml


def test_where_and_rule_error_name_file_and_line() -> None:
    assert where("x.yaml", 3) == "x.yaml:3"
    e = rule_error("x.yaml", 3, "rule demo: bad")
    assert isinstance(e, RuleError) and str(e) == "x.yaml:3: rule demo: bad"


def test_line_of_reads_the_loader_line_and_falls_back() -> None:
    doc = load_yaml("a: 1\nitems:\n  - {b: 2}\n  - plain\n", "x.yaml")
    assert line_of(doc) == 1 and line_of(doc["items"][0]) == 3
    assert line_of(doc["items"][1]) == 0 and line_of("plain", 7) == 7
    assert line_of({"__line__": True}, 5) == 5  # not a line number


def test_unknown_keys_ignores_the_loader_keys() -> None:
    doc = load_yaml("b: 1\na: 2\nc: 3\n", "x.yaml", key_lines=True)
    assert unknown_keys(doc, {"c"}) == ["a", "b"]
    assert unknown_keys({1: "x", "c": 2}, {"c"}) == ["1"]


def test_short_bounds_hostile_values() -> None:
    assert short("x" * 10_000).__len__() < 80
    nested: list[object] = []
    for _ in range(100):
        nested = [nested]
    assert len(short(nested)) < 80
