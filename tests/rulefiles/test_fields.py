"""The field reader: typed fields, and every error naming file:line, the entry and the field."""

from __future__ import annotations

import datetime as dt

import pytest

from camaudit.errors import RuleError
from camaudit.rulefiles.fields import EVIDENCE_GRADE, RULE_ID, Fields, id_problems
from camaudit.yamlfile import load_yaml

DOC = """\
top: 1
entry:
  name: ' Lorex '
  count: 3
  list: [a, b]
  one: single
  day: 2022-11-23
  grade: A/B
  kind: relabel
  value: '  spaced  '
"""
ALLOWED = {"name", "count", "list", "one", "day", "grade", "kind", "value", "none"}


def _entry() -> Fields:
    return Fields(load_yaml(DOC, "x.yaml")["entry"], "x.yaml", 1, "link", ALLOWED)


def test_typed_fields() -> None:
    f = _entry()
    assert f.where == "x.yaml:3" and f.line == 3
    assert f.text("name") == "Lorex" and f.text("none", "") == "" and f.text("count") == "3"
    assert f.texts("list") == ("a", "b") and f.texts("one") == ("single",) and f.texts("x") == ()
    assert f.date("day") == dt.date(2022, 11, 23) and f.date("none") is None
    assert f.grade("grade") == "A/B"
    assert f.choice("kind", ("brand", "relabel")) == "relabel"
    assert f.choice("none", ("a", "b"), "b") == "b"
    assert f.scalar("value") == "  spaced  "
    assert f.items("list") == ["a", "b"] and f.items("none", required=False) == []
    assert f.has("name") and not f.has("none")


@pytest.mark.parametrize(("read", "message"), [
    (lambda f: f.text("none"), "x.yaml:3: link: field 'none' is missing"),
    (lambda f: f.text("list"), "x.yaml:3: link: field 'list' must be non-empty text"),
    (lambda f: f.texts("none", required=True), "field 'none' is missing"),
    (lambda f: f.texts("day"), "field 'day' must be a non-empty list of texts"),
    (lambda f: f.date("name"), "field 'name' must be a date YYYY-MM-DD, not ' Lorex '"),
    (lambda f: f.grade("kind"), "field 'kind' 'relabel' is not an evidence grade"),
    (lambda f: f.choice("kind", ("brand", "owner")),
     "x.yaml:3: link: field 'kind' 'relabel' is not one of brand, owner"),
    (lambda f: f.scalar("list"), "field 'list' must be text, not ['a', 'b']"),
    (lambda f: f.scalar("none"), "field 'none' is missing"),
    (lambda f: f.items("name"), "field 'name' must be a non-empty list"),
])
def test_errors_name_file_line_entry_and_field(read: object, message: str) -> None:
    assert callable(read)
    with pytest.raises(RuleError) as e:
        read(_entry())
    assert message in str(e.value)
    assert str(e.value).startswith("x.yaml:3: link: field ")


def test_not_a_mapping_and_unknown_fields() -> None:
    with pytest.raises(RuleError, match=r"^x.yaml:4: link must be a mapping$"):
        Fields(["a"], "x.yaml", 4, "link", set())
    with pytest.raises(RuleError, match=r"^x.yaml:3: link: unknown field 'count' "
                                        r"\(allowed: name, one\)"):
        Fields(load_yaml(DOC, "x.yaml")["entry"], "x.yaml", 1, "link", {"name", "one"})


def test_grades_and_ids() -> None:
    assert all(EVIDENCE_GRADE.match(g) for g in ("A", "B-", "C/B-", "?", "A/B"))
    assert not any(EVIDENCE_GRADE.match(g) for g in ("E", "AB", "a", ""))
    assert RULE_ID.match("hikvision-webs") and not RULE_ID.match("Hikvision_webs")


def test_id_problems_lower_case_and_unique() -> None:
    seen: dict[str, str] = {}
    assert id_problems("demo-rule", "x.yaml:3", seen) == []
    assert id_problems("demo-rule", "x.yaml:9", seen) == [
        "x.yaml:9: duplicate id 'demo-rule' (first at x.yaml:3)"]
    assert id_problems("Bad_Id", "y.yaml:1", seen) == [
        "y.yaml:1: id 'Bad_Id' must be lower-case words joined by -"]
