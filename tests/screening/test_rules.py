from __future__ import annotations

from pathlib import Path

import pytest

from camaudit.errors import RuleError
from camaudit.screening.rules import load_ruleset, parse_groups, parse_rules

GROUPS = {"people": ("Uyghur*", "维族"), "ctx": ("face*", "预警")}
RULE = """\
rules:
  - id: demo
    terms: ["@people"]
    near: ["@ctx"]
    grade: B
    severity: high
    source: test
    examples:
      - {text: "维族 预警", expect: match}
      - {text: "维族", expect: clean}
"""


def test_shipped_ruleset_loads_with_groups_expanded() -> None:
    rs = load_ruleset()
    by_id = {r.id: r for r in rs.rules}
    assert "维族" in by_id["uyghur-face-analytics"].terms
    assert "预警" in by_id["uyghur-face-analytics"].near
    assert by_id["dahua-netsdk-nation-enum"].near == ()
    assert any("入学" in b.text for b in rs.benign)
    assert any(p.path == "/ISAPI/Smart/capabilities" for p in rs.device_paths)


def test_rule_parses_and_keeps_file_and_line() -> None:
    [rule] = parse_rules(RULE, "x.yaml", GROUPS)
    assert rule.terms == ("Uyghur*", "维族") and rule.near == ("face*", "预警")
    assert rule.window == 40 and rule.where == "x.yaml:2"
    assert [e.expect for e in rule.examples] == ["match", "clean"]


@pytest.mark.parametrize(("change", "message"), [
    (("grade: B", "grade: Z"), "x.yaml:2: rule demo: grade 'Z'"),
    (("severity: high", "severity: urgent"), "severity 'urgent'"),
    (('["@people"]', '["@nobody"]'), "x.yaml:2: unknown group '@nobody'"),
    (("source: test", "colour: red"), "x.yaml:2: unknown field(s) colour"),
    (("expect: clean", "expect: maybe"), "expect: match|clean"),
    (("    near:", "    window: 0\n    near:"), "window must be an integer"),
])
def test_structural_errors_name_file_and_line(change: tuple[str, str], message: str) -> None:
    with pytest.raises(RuleError, match=message.replace("(", r"\(").replace(")", r"\)")):
        parse_rules(RULE.replace(*change), "x.yaml", GROUPS)


def test_bad_yaml_and_bad_groups_raise_rule_error() -> None:
    with pytest.raises(RuleError, match=r"x.yaml:3: invalid YAML"):
        parse_rules("rules:\n  - id: [\n", "x.yaml", {})
    with pytest.raises(RuleError, match="group g needs 'source'"):
        parse_groups("groups:\n  g: {terms: [a]}\n", "groups.yaml")


def test_unknown_file_kind_is_refused(tmp_path: Path) -> None:
    (tmp_path / "odd.yaml").write_text("other: 1\n", encoding="utf-8")
    with pytest.raises(RuleError, match="odd.yaml:1: expected one of"):
        load_ruleset(tmp_path)
