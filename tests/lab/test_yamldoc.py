"""Profile field readers fail at the line of the field's key, naming its dotted path."""

from __future__ import annotations

import pytest

from camaudit.errors import RuleError
from camaudit.lab.yamldoc import Doc
from camaudit.yamlfile import load_yaml

TEXT = "a: 1\nb:\n  c: x\n  d: [1]\ne: {f: 2}\n"


def test_fail_names_file_line_and_field() -> None:
    doc = Doc("p.yaml")
    node = load_yaml(TEXT, "p.yaml", key_lines=True)
    with pytest.raises(RuleError, match=r"^p\.yaml:2: b: expected int$"):
        doc.get(node, "b", "", int)
    with pytest.raises(RuleError, match=r"^p\.yaml:4: b\.d: expected text or a number$"):
        doc.fields(node, "b", "", set())
    with pytest.raises(RuleError, match=r"^p\.yaml:1: zz: unknown field$"):
        doc.keys({**node, "zz": 1, "__lines__": {**node["__lines__"], "zz": 1}},
                 {"a", "b", "e"}, "")


def test_fields_keep_order_and_check_templates() -> None:
    doc = Doc("p.yaml")
    node = load_yaml("m:\n  x: '{serial}'\n  y: 3\n", "p.yaml", key_lines=True)
    assert doc.fields(node, "m", "", {"serial"}) == (("x", "{serial}"), ("y", "3"))
    with pytest.raises(RuleError, match=r"m\.x: unknown template \{serial\}"):
        doc.fields(node, "m", "", set())
    assert doc.fields(node, "absent", "", set()) == ()
