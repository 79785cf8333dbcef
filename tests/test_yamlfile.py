from __future__ import annotations

import pytest

from camaudit.errors import RuleError
from camaudit.yamlfile import load_yaml

TEXT = """\
top: 1
rules:
  - id: a
    colour: red
"""


def test_mappings_carry_their_line() -> None:
    doc = load_yaml(TEXT, "x.yaml")
    assert doc["__line__"] == 1
    assert doc["rules"][0]["__line__"] == 3
    assert "__lines__" not in doc


def test_key_lines_on_request() -> None:
    doc = load_yaml(TEXT, "x.yaml", key_lines=True)
    assert doc["rules"][0]["__lines__"] == {"id": 3, "colour": 4}


def test_syntax_errors_name_file_and_line() -> None:
    with pytest.raises(RuleError, match=r"^bad.yaml:3: invalid YAML"):
        load_yaml("a: 1\nb: [\n  c: d: e\n", "bad.yaml")


def test_tags_are_refused() -> None:
    with pytest.raises(RuleError, match="invalid YAML"):
        load_yaml("x: !!python/object/apply:os.system ['true']\n", "evil.yaml")
