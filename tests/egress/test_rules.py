from __future__ import annotations

from camaudit.egress.rules import Classifier, load_destinations, parse_destination_file, verify


def test_shipped_rules_verify_clean() -> None:
    assert verify() == []


def test_longest_suffix_wins() -> None:
    cls = Classifier(load_destinations())
    hit = cls.by_name("upgrade.secu100.net")
    assert hit is not None and hit[0].id == "xmeye-update"
    hit = cls.by_name("pub-cfg.secu100.net")
    assert hit is not None and hit[0].id == "xmeye-cloud"
    assert cls.by_name("secu100.net.example.org") is None


def test_verifier_catches_wrong_example_and_double_claim() -> None:
    text = """destinations:
  - id: a-cloud
    kind: vendor-cloud
    domains: [example-cam.com]
    grade: B
    source: test
    examples: [x.example-cam.com, other.org]
  - id: b-cloud
    kind: p2p
    domains: [example-cam.com]
    grade: C
    source: test
    examples: [y.example-cam.com]
"""
    problems = verify(parse_destination_file(text, "t.yaml"), asn_of=lambda ip: None)
    assert any("'other.org' is classified by no rule" in p for p in problems)
    assert any("already claimed by a-cloud" in p for p in problems)
    assert any("t.yaml:8: b-cloud: example 'y.example-cam.com' is classified by a-cloud" in p
               for p in problems)
