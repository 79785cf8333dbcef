"""Risk rule files: the shipped ones parse into their fields; each malformed rule fails naming
file, line and field."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from camaudit.errors import RuleError
from camaudit.risk_schema import load_risk_rules, parse_risk_file, risks_dir


def test_shipped_files_are_one_per_vendor() -> None:
    assert sorted(p.name for p in risks_dir().glob("*.yaml")) == [
        "amcrest.yaml", "dahua.yaml", "hikvision.yaml"]
    assert [r.id for r in load_risk_rules()] == [
        "CVE-2020-5735", "CVE-2021-33044", "CVE-2021-33045", "CVE-2022-30563",
        "CVE-2017-7921", "CVE-2021-36260"]


def test_a_shipped_rule_parses_into_its_fields() -> None:
    rules = {r.id: r for r in load_risk_rules()}
    hik = rules["CVE-2017-7921"]
    assert (hik.file, hik.maker, hik.kev, hik.kev_grade) == (
        "hikvision.yaml", "Hikvision", dt.date(2026, 3, 5), "B")
    fwd = next(s for s in hik.affected if s.name == "DS-2CD2xx2FWD")
    assert fwd.first is not None and fwd.last is not None
    assert (fwd.first.text, fwd.last.text) == ("V5.3.1 build 150410", "V5.4.4 build 161125")
    assert fwd.covers("DS-2CD2142FWD-I") and fwd.covers("ds-2cd2142fwd-iws")
    assert not fwd.covers("DS-2CD2142F-I") and not fwd.covers(None)
    assert not fwd.covers("XDS-2CD2142FWD-I")  # patterns hold from the model's start
    dahua = rules["CVE-2021-33045"]
    xvr = next(s for s in dahua.affected if s.name == "XVR4xxx")
    assert xvr.built_before == dt.date(2019, 12, 1) and xvr.covers("DH-XVR4104HS")
    nvr = next(s for s in dahua.affected if s.name == "NVR6XX")
    assert nvr.built_before is None and nvr.first is None and "disagree" in nvr.note
    assert rules["CVE-2021-36260"].range_unknown.startswith('the CNA record says only "some')


RULE = """\
risks:
  - id: CVE-2099-0001
    maker: Hikvision
    title: t
    grade: A
    source: s
{extra}    examples:
      - {{device: {device}, expect: possible}}
"""
SERIES = "    affected:\n      - {{series: DS-1, model: '^DS-1', {limit}}}\n"


@pytest.mark.parametrize(("extra", "device", "message"), [
    ("    range_unknown: r\n", "{maker: Hikvision}", ""),
    (SERIES.format(limit="note: n"), "{maker: Hikvision}", ""),
    ("", "{maker: Hikvision}",
     "x.yaml:2: risk rule: field 'affected' or 'range_unknown' must be given, and not both"),
    ("    range_unknown: r\n" + SERIES.format(limit="note: n"), "{maker: Hikvision}",
     "x.yaml:2: risk rule: field 'affected' or 'range_unknown' must be given, and not both"),
    ("    range_unknown: r\n    kev_grade: B\n", "{maker: Hikvision}",
     "x.yaml:2: risk rule: field 'kev_grade' needs a 'kev' date"),
    ("    range_unknown: r\n    kev: soon\n", "{maker: Hikvision}",
     "x.yaml:2: risk rule: field 'kev' must be a date YYYY-MM-DD, not 'soon'"),
    ("    range_unknown: r\n    cvss: 9.8\n", "{maker: Hikvision}",
     "x.yaml:2: risk rule: unknown field 'cvss'"),
    ("    range_unknown: r\n", "{maker: Hikvision, confidence: high}",
     "x.yaml:9: example: field 'device' is not a device record"),
    (SERIES.format(limit="model2: x, note: n"), "{maker: Hikvision}",
     "x.yaml:8: affected series: unknown field 'model2'"),
    (SERIES.format(limit="note: n").replace("'^DS-1'", "'^DS-(1'"), "{maker: Hikvision}",
     "x.yaml:8: affected series: field 'model' is not a regular expression"),
    (SERIES.format(limit=""), "{maker: Hikvision}",
     "x.yaml:8: affected series: field 'firmware' or 'built_before' or 'note' (why there is "
     "no limit) must be given, exactly one"),
    (SERIES.format(limit="note: n, built_before: 2020-01-01"), "{maker: Hikvision}",
     "x.yaml:8: affected series: field 'firmware' or 'built_before' or 'note'"),
    (SERIES.format(limit="firmware: {from: V5.2.0, to: V5.4.0 build 160530}"),
     "{maker: Hikvision}", "x.yaml:8: affected series: field 'firmware' 'from' must read "
                           "'V<version> build <YYMMDD>', not 'V5.2.0'"),
    (SERIES.format(limit="firmware: {from: V5.4.0 build 160530, to: V5.2.0 build 140721}"),
     "{maker: Hikvision}", "x.yaml:8: affected series: field 'firmware' range ends "
                           "(V5.2.0 build 140721) before it starts (V5.4.0 build 160530)"),
])
def test_field_checks(extra: str, device: str, message: str) -> None:
    text = RULE.format(extra=extra, device=device)
    if not message:
        (rule,) = parse_risk_file(text, "x.yaml")
        assert rule.id == "CVE-2099-0001" and rule.examples[0].expect == "possible"
        return
    with pytest.raises(RuleError) as e:
        parse_risk_file(text, "x.yaml")
    assert str(e.value).startswith(message), str(e.value)


def test_bad_expect_and_bad_yaml() -> None:
    text = RULE.format(extra="    range_unknown: r\n", device="{}").replace(
        "expect: possible", "expect: vulnerable")
    with pytest.raises(RuleError, match=r"x.yaml:9: example: field 'expect' 'vulnerable' is "
                                        r"not one of affected, possible, not-affected, none"):
        parse_risk_file(text, "x.yaml")
    with pytest.raises(RuleError, match=r"x.yaml:2: invalid YAML"):
        parse_risk_file("risks: [\n", "x.yaml")


def test_load_names_the_unreadable_file(tmp_path: Path) -> None:
    (tmp_path / "bad.yaml").write_bytes(b"\xff\xfe risks")
    with pytest.raises(RuleError, match=r"^bad.yaml:0: cannot read risk file"):
        load_risk_rules(tmp_path)
