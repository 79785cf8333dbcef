from __future__ import annotations

from pathlib import Path

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


# ---------------------------------------------------------------- hostile files (issue 12)
def _bomb(levels: int = 9) -> str:
    text = 'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n'
    prev = "a"
    for name in "bcdefghijklmnop"[:levels - 1]:
        text += f"{name}: &{name} [" + ",".join([f"*{prev}"] * 9) + "]\n"
        prev = name
    return text + f"since: *{prev}\n"


@pytest.mark.parametrize(("text", "message"), [
    (_bomb(), r"^bomb.yaml:\d+: invalid YAML: aliases expand past \d+ characters"),
    ("a: &a [*a]\n", "an alias refers to itself"),
    ("x: " + "[" * 200 + "]" * 200 + "\n", "nested deeper than 64 levels"),
    ("x: " + "[" * 100_000 + "\n", "nested deeper than 64 levels"),
    ("x: " + "{a: " * 500 + "1" + "}" * 500 + "\n", "nested deeper than 64 levels"),
    ("since: 2025-13-45\n", r"^bomb.yaml:1: invalid YAML: '2025-13-45' is not a valid date"),
])
def test_hostile_documents_are_one_line_rule_errors(text: str, message: str) -> None:
    with pytest.raises(RuleError, match=message) as e:
        load_yaml(text, "bomb.yaml")
    assert "\n" not in str(e.value)


def test_scalar_aliases_and_real_dates_still_load() -> None:
    import datetime as dt

    doc = load_yaml("a: &n hello\nb: *n\nd: 2024-02-29\n", "ok.yaml")
    assert doc["b"] == "hello" and doc["d"] == dt.date(2024, 2, 29)


def test_read_text_is_bounded(tmp_path: Path) -> None:
    from camaudit.yamlfile import read_text

    with pytest.raises(RuleError, match=r"^/dev/zero:0: policy file is larger than 1024 bytes"):
        read_text(Path("/dev/zero"), "policy file", 1024)
    (tmp_path / "bom.yaml").write_bytes(b"\xef\xbb\xbfa: 1\n")
    assert read_text(tmp_path / "bom.yaml") == "a: 1\n"
    (tmp_path / "latin1.yaml").write_bytes(b"a: \xe9\n")
    with pytest.raises(RuleError, match="is not UTF-8 text"):
        read_text(tmp_path / "latin1.yaml")


@pytest.mark.parametrize("text,line", [("a: 1\nb: x\x00y\n", 2), ("a: \x1b]0;title\x07\n", 1)])
def test_control_character_is_a_one_line_error_with_its_line(text: str, line: int) -> None:
    """Found by bench/fuzz.py: PyYAML's ReaderError has no mark and a two-line message."""
    with pytest.raises(RuleError) as e:
        load_yaml(text, "p.yaml")
    assert str(e.value).startswith(f"p.yaml:{line}: invalid YAML: unacceptable character")
    assert "\n" not in str(e.value)
