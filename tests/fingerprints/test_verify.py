"""The generic rule test: every shipped rule, every example, every negative (recog's self-test)."""

from __future__ import annotations

from pathlib import Path

import pytest

from camaudit.errors import RuleError
from camaudit.fingerprints.schema import load_rules, parse_rule_file
from camaudit.fingerprints.verify import Negative, load_negatives, verify

NEGATIVES = Path(__file__).parent.parent / "data" / "negatives"


def test_shipped_rules_verify_clean() -> None:
    problems = verify(load_rules(), load_negatives(NEGATIVES))
    assert problems == [], "\n".join(problems)


def test_shipped_rules_cover_the_makers_we_promise() -> None:
    makers = {r.set.get("hw.maker") for r in load_rules()}
    for maker in ("Hikvision", "Dahua", "Xiongmai", "Axis", "Hanwha", "Bosch", "Uniview",
                  "Avigilon", "Ubiquiti", "TP-Link", "D-Link"):
        assert maker in makers, maker


def test_negative_corpus_is_substantial() -> None:
    negatives = load_negatives(NEGATIVES)
    assert len(negatives) >= 30
    assert {n.key for n in negatives} >= {"http.header.server", "rtsp.public", "ports.open"}


def _rules(body: str) -> str:
    return "matches: http.header.server\nrules:\n" + body


RULE = """\
  - id: {id}
    pattern: '{pattern}'
    grade: firmware
    source: test
    set: {{hw.maker: {maker}}}
    examples:
      - value: {example}
"""


def _problems(*rules: dict[str, str], negatives: list[Negative] | None = None) -> list[str]:
    text = _rules("".join(RULE.format(**r) for r in rules))
    return verify(parse_rule_file(text, "http.header.server.yaml"), negatives)


def test_example_that_does_not_match_is_reported() -> None:
    [p] = _problems({"id": "a", "pattern": "^A$", "maker": "Hikvision", "example": "B"})
    assert "http.header.server.yaml:9: rule a: example 'B' does not match" in p


def test_shadowed_example_is_reported() -> None:
    problems = _problems({"id": "broad", "pattern": "Webs", "maker": "Hikvision",
                          "example": "Webs"},
                         {"id": "narrow", "pattern": "^App-Webs$", "maker": "Hikvision",
                          "example": "App-Webs"})
    assert any("rule narrow: example 'App-Webs' is shadowed by earlier rule broad" in p
               for p in problems)


def test_vocabulary_ids_and_captures_are_checked() -> None:
    problems = _problems({"id": "Bad_Id", "pattern": "^(x)$", "maker": "Hikvisoin",
                          "example": "x"})
    text = "\n".join(problems)
    assert "id 'Bad_Id' must be lower-case" in text
    assert "maker 'Hikvisoin' not in vocab/makers.txt" in text
    assert "pattern has 1 group(s) but capture names []" in text


def test_duplicate_ids_are_reported() -> None:
    problems = _problems({"id": "a", "pattern": "^A$", "maker": "Hikvision", "example": "A"},
                         {"id": "a", "pattern": "^B$", "maker": "Hikvision", "example": "B"})
    assert any("duplicate id 'a'" in p for p in problems)


@pytest.mark.parametrize(("maker", "reported"), [(None, True), ("Axis", True), ("Dahua", False)])
def test_maker_rule_matching_a_negative_is_reported(maker: str | None, reported: bool) -> None:
    neg = [Negative(key="http.header.server", value="nginx-ish", maker=maker, where="n#1")]
    problems = _problems({"id": "weak", "pattern": "nginx", "maker": "Dahua",
                          "example": "nginx-ish"}, negatives=neg)
    assert any("matches generic negative n#1" in p for p in problems) is reported


def test_negatives_keep_their_fields_and_position(tmp_path: Path) -> None:
    (tmp_path / "n.yaml").write_text(
        "# comment\n"
        "- {key: http.title, value: ' Welcome ', note: \"a, b\"}\n"
        "- {key: rtsp.server, value: 1.0, maker: Dahua}\n", encoding="utf-8")
    (tmp_path / "empty.yaml").write_text("# nothing yet\n", encoding="utf-8")
    assert load_negatives(tmp_path) == [
        Negative("http.title", " Welcome ", None, "n.yaml#1"),
        Negative("rtsp.server", "1.0", "Dahua", "n.yaml#2")]


@pytest.mark.parametrize(("text", "message"), [
    ("- {key: http.title}\n", "n.yaml:1: negative #1: field 'value' is missing"),
    ("- {key: http.title, value: x}\n- {value: y}\n",
     "n.yaml:2: negative #2: field 'key' is missing"),
    ("- {key: http.title, value: x, note: a, b}\n",
     "n.yaml:1: negative #1: unknown field 'b' (allowed: key, maker, note, value)"),
    ("- {key: http.title, value: {a: 1}}\n", "n.yaml:1: negative #1: field 'value' must be text"),
    ("- just a string\n", "n.yaml:0: negative #1 must be a mapping"),
    ("key: http.title\n", "n.yaml:1: a negatives file is a list"),
    ("- {key: [\n", "n.yaml:2: invalid YAML"),
])
def test_a_bad_negative_entry_is_a_rule_error_naming_file_and_line(
        tmp_path: Path, text: str, message: str) -> None:
    (tmp_path / "n.yaml").write_text(text, encoding="utf-8")
    with pytest.raises(RuleError) as e:
        load_negatives(tmp_path)
    assert str(e.value).startswith(message), str(e.value)


def test_shared_with_names_known_senders_and_needs_shared() -> None:
    base = ("matches: rtsp.sdp\nrules:\n  - id: a\n    pattern: 'x'\n    grade: firmware\n"
            "    source: t\n    set: {hw.maker: Dahua}\n    examples: [{value: x}]\n")
    ok = parse_rule_file(base + "    shared: relays pass it on\n    shared_with: [rtsp-relays]\n",
                         "rtsp.sdp.yaml")
    assert ok[0].shared_with == ("rtsp-relays",) and verify(ok) == []
    odd = parse_rule_file(base + "    shared: why\n    shared_with: [gremlins]\n", "rtsp.sdp.yaml")
    assert any("sharer 'gremlins' not in vocab/sharers.txt" in p for p in verify(odd))
    with pytest.raises(RuleError, match="'shared_with' needs 'shared'"):
        parse_rule_file(base + "    shared_with: [live555]\n", "rtsp.sdp.yaml")
    with pytest.raises(RuleError, match="must be a list"):
        parse_rule_file(base + "    shared: why\n    shared_with: live555\n", "rtsp.sdp.yaml")
