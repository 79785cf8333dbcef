from __future__ import annotations

import pytest

from camaudit.errors import RuleError
from camaudit.fingerprints.schema import parse_rule_file

GOOD = """\
matches: http.header.server
rules:
  - id: demo-rule
    pattern: '^Demo/(\\d+)$'
    grade: firmware
    source: test
    set: {hw.maker: Hikvision}
    capture: {1: service.version}
    examples:
      - value: Demo/1
        expect: {service.version: "1"}
"""


def test_parses_rule_with_line_numbers() -> None:
    [rule] = parse_rule_file(GOOD, "http.header.server.yaml")
    assert rule.id == "demo-rule"
    assert rule.line == 3
    assert rule.confidence == 0.85  # the firmware grade's default
    assert rule.capture == {1: "service.version"}
    assert rule.examples[0].line == 10
    assert rule.where == "http.header.server.yaml:3"


@pytest.mark.parametrize(
    ("text", "filename", "message"),
    [
        (GOOD, "rtsp.server.yaml", "rtsp.server.yaml:1: file for 'matches: http.header.server'"),
        ("matches: x\nrules: [\n", "x.yaml", "x.yaml:3: invalid YAML"),
        ("rules: []\n", "x.yaml", "needs a top-level 'matches"),
        (GOOD.replace("grade: firmware", "grade: strong"), "http.header.server.yaml",
         "http.header.server.yaml:3: rule demo-rule: grade 'strong'"),
        (GOOD.replace("    source: test\n", ""), "http.header.server.yaml",
         "http.header.server.yaml:3: rule needs 'source'"),
        (GOOD.replace("'^Demo/(\\d+)$'", "'^Demo/(\\d+$'"), "http.header.server.yaml",
         "rule demo-rule: bad pattern"),
        (GOOD.replace("    grade:", "    colour: red\n    grade:"), "http.header.server.yaml",
         "unknown field(s) colour"),
        (GOOD.replace("{1: service.version}", "{one: service.version}"),
         "http.header.server.yaml", "capture keys are group numbers"),
    ],
)
def test_bad_rule_files_name_file_and_line(text: str, filename: str, message: str) -> None:
    with pytest.raises(RuleError) as info:
        parse_rule_file(text, filename)
    assert message in str(info.value)
