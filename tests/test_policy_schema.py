"""Policy files: the shipped ones parse; each malformed file fails naming file, line and field."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from camaudit.errors import RuleError
from camaudit.model import Device, Evidence, Port, Verdict
from camaudit.policy_schema import (
    device_from_record,
    parse_policy_file,
    policies_dir,
    policy_names,
    read_policy,
)

BAD = Path(__file__).parent / "data" / "policies"


def test_shipped_policies_are_the_ones_the_issue_asks_for() -> None:
    assert policy_names() == ["au-government", "ca-hikvision-2025", "fcc-covered-list",
                              "hygiene", "ndaa-889", "uk-sensitive-sites", "us-louisiana",
                              "us-texas"]


def test_a_shipped_policy_parses_into_its_fields() -> None:
    path = policies_dir() / "ndaa-889.yaml"
    p = parse_policy_file(path.read_text(encoding="utf-8"), path.name)
    assert p.id == "ndaa-889" and p.grade == "A" and p.min_grade == "onvif"
    assert p.min_confidence == 0.5
    hik = next(c for c in p.covers if c.makers == ("Hikvision",))
    assert hik.affiliates and hik.since == dt.date(2019, 8, 13)
    assert hik.scope is not None and "critical infrastructure" in hik.scope
    huawei = next(c for c in p.covers if c.makers == ("Huawei",))
    assert huawei.scope is None
    assert any("Pub. L. 115-232" in r for r in p.references)


@pytest.mark.parametrize(("name", "message"), [
    ("bad-yaml", "bad-yaml.yaml:6: invalid YAML: expected ',' or ']'"),
    ("unknown-field", "unknown-field.yaml:8: covers entry: unknown field 'afiliates'"),
    ("missing-field", "missing-field.yaml:8: covers entry: field 'makers' is missing"),
    ("unknown-status", "unknown-status.yaml:13: example: field 'expect' 'banned' is not a "
                       "status (covered, possible, not-covered, unknown)"),
    ("bad-grade", "bad-grade.yaml:8: covers entry: field 'grade' 'D' is not an evidence grade"),
    ("bad-date", "bad-date.yaml:8: covers entry: field 'since' must be a date YYYY-MM-DD"),
    ("wrong-name", "wrong-name.yaml:1: policy file: field 'policy' 'another-name' must match "
                   "the file name"),
])
def test_each_malformed_policy_file_names_file_line_and_field(name: str, message: str) -> None:
    path = BAD / f"{name}.yaml"
    with pytest.raises(RuleError) as e:
        read_policy(path)
    text = str(e.value)
    assert text.startswith(str(BAD / message.split(":", 1)[0])), text
    assert message.split(":", 1)[1] in text


MINIMAL = """\
policy: p
title: t
jurisdiction: j
summary: s
grade: B
references: [r]
{extra}covers:
  - {{entity: E, makers: [Hikvision], wording: w, grade: B}}
examples:
  - {{name: n, device: {device}, expect: covered}}
"""


@pytest.mark.parametrize(("extra", "device", "message"), [
    ("thresholds: {min_grade: port}\n", "{maker: Hikvision}", ""),
    ("thresholds: {min_grade: identity}\n", "{maker: Hikvision}",
     "p.yaml:7: thresholds: field 'min_grade' 'identity' is not one of"),
    ("thresholds: {min_confidence: 2}\n", "{maker: Hikvision}",
     "p.yaml:7: thresholds: field 'min_confidence' must be a number within 0..1"),
    ("", "{maker: Hikvision, confidence: high}",
     "p.yaml:10: example: field 'device' is not a device record"),
    ("", "[Hikvision]", "p.yaml:10: example: field 'device' must be a device record mapping"),
    ("title2: x\n", "{maker: Hikvision}", "p.yaml:1: policy file: unknown field 'title2'"),
])
def test_field_checks(extra: str, device: str, message: str) -> None:
    text = MINIMAL.format(extra=extra, device=device)
    if not message:
        assert parse_policy_file(text, "p.yaml").min_grade == "port"
        return
    with pytest.raises(RuleError) as e:
        parse_policy_file(text, "p.yaml")
    assert str(e.value).startswith(message), str(e.value)


def test_unreadable_policy_file_is_a_rule_error(tmp_path: Path) -> None:
    with pytest.raises(RuleError, match="cannot read policy file"):
        read_policy(tmp_path / "absent.yaml")


def test_device_record_round_trips_through_to_json() -> None:
    d = Device(ip="127.0.0.9", mac="00:11:22:33:44:55", ports=(Port(80, "tcp", "http"),),
               maker="Dahua", brand="Lorex", relabeled=True, model="N841", confidence=0.9,
               evidence=(Evidence("tcp/80 GET /", "http.realm", "Login to X", "r"),),
               verdicts=(Verdict("ndaa-889", "covered", "why", ("ref",)),),
               first_seen="2025-01-01T00:00:00Z")
    assert device_from_record(d.to_json()) == d


def test_device_record_errors_and_example_shorthand() -> None:
    with pytest.raises(KeyError):
        device_from_record({"maker": "Dahua"})
    with pytest.raises(TypeError):
        device_from_record({"ip": "x", "evidence": "hikvision-webs"})
    ex = device_from_record({"evidence": ["hikvision-webs"]}, example=True)
    assert ex.ip == "example" and ex.evidence[0].rule == "hikvision-webs"


# ---------------------------------------------------------------- hostile files (issue 12)
@pytest.mark.parametrize(("makers", "message"), [
    ("[Hikvisionn]", "p.yaml:8: covers entry: field 'makers' 'Hikvisionn' is not a maker in "
                     "vocab/makers.txt (did you mean 'Hikvision'?)"),
    ("[hikvision]", "p.yaml:8: covers entry: field 'makers' 'hikvision' is not a maker in "
                    "vocab/makers.txt (did you mean 'Hikvision'?)"),
    ("[Dahua, Nonesuch Corp]", "p.yaml:8: covers entry: field 'makers' 'Nonesuch Corp' is not"),
])
def test_makers_must_be_spelled_as_in_the_vocabulary(makers: str, message: str) -> None:
    # a misspelt maker used to pass and silently make every Hikvision device not-covered
    text = MINIMAL.format(extra="", device="{maker: Hikvision}").replace("[Hikvision]", makers)
    with pytest.raises(RuleError) as e:
        parse_policy_file(text, "p.yaml")
    assert str(e.value).startswith(message), str(e.value)


def test_alias_bomb_and_impossible_date_in_a_policy_are_one_line_errors() -> None:
    from tests.test_yamlfile import _bomb

    bomb = MINIMAL.format(extra="", device="{maker: Hikvision}") + _bomb().replace(
        "since: ", "thresholds: {min_confidence: ") .rstrip() + "}\n"
    with pytest.raises(RuleError, match="aliases expand past"):
        parse_policy_file(bomb, "p.yaml")
    dated = MINIMAL.format(extra="", device="{maker: Hikvision}").replace(
        "grade: B}", "grade: B, since: 2025-13-45}")
    with pytest.raises(RuleError, match=r"^p.yaml:8: invalid YAML: '2025-13-45' is not a valid"):
        parse_policy_file(dated, "p.yaml")


def test_policy_file_from_a_device_is_bounded() -> None:
    with pytest.raises(RuleError, match=r"^/dev/zero:0: policy file is larger than"):
        read_policy(Path("/dev/zero"))


# ---------------------------------------------------------------- exposure policies (issue 14)
EXPOSURE = """\
policy: p
kind: exposure
title: t
jurisdiction: j
summary: s
grade: B
references: [r]
{extra}exposures: [{ids}]
examples:
  - {{name: n, device: {{ports: [{{port: 23}}]}}, expect: {expect}}}
"""


def test_the_shipped_hygiene_policy_parses_as_an_exposure_policy() -> None:
    path = policies_dir() / "hygiene.yaml"
    p = parse_policy_file(path.read_text(encoding="utf-8"), path.name)
    assert (p.kind, p.covers, p.statuses) == ("exposure", (), ("exposed", "not-exposed",
                                                               "unknown"))
    assert "telnet-open" in p.exposures and "tls-self-signed" not in p.exposures
    assert any("SI 2023/1007" in r for r in p.references)
    ndaa = policies_dir() / "ndaa-889.yaml"
    maker = parse_policy_file(ndaa.read_text(encoding="utf-8"), ndaa.name)
    assert (maker.kind, maker.exposures, maker.statuses[0]) == ("maker", (), "covered")


@pytest.mark.parametrize(("extra", "ids", "expect", "message"), [
    ("", "telnet-open", "not-exposed", ""),
    ("", "telnet-opne", "exposed",
     "p.yaml:1: policy file: field 'exposures' 'telnet-opne' is not an exposure id in "
     "rules/exposure (did you mean 'telnet-open'?)"),
    ("", "telnet-open", "covered",
     "p.yaml:10: example: field 'expect' 'covered' is not a status (exposed, not-exposed, "
     "unknown)"),
    ("covers: [{entity: E, makers: [Hikvision], wording: w, grade: B}]\n", "telnet-open",
     "exposed", "p.yaml:1: policy file: field 'covers' is for maker policies"),
    ("thresholds: {min_grade: port}\n", "telnet-open", "exposed",
     "p.yaml:1: policy file: field 'thresholds' is for maker policies"),
    ("", "", "exposed", "p.yaml:1: policy file: field 'exposures' must be a non-empty list"),
])
def test_exposure_policy_field_checks(extra: str, ids: str, expect: str, message: str) -> None:
    text = EXPOSURE.format(extra=extra, ids=ids, expect=expect)
    if not message:
        assert parse_policy_file(text, "p.yaml").exposures == ("telnet-open",)
        return
    with pytest.raises(RuleError) as e:
        parse_policy_file(text, "p.yaml")
    assert str(e.value).startswith(message), str(e.value)


def test_exposures_need_kind_exposure_and_kind_is_a_choice() -> None:
    text = MINIMAL.format(extra="exposures: [telnet-open]\n", device="{maker: Hikvision}")
    with pytest.raises(RuleError, match="field 'exposures' needs 'kind: exposure'"):
        parse_policy_file(text, "p.yaml")
    text = MINIMAL.format(extra="kind: brand\n", device="{maker: Hikvision}")
    with pytest.raises(RuleError, match="field 'kind' 'brand' is not one of maker, exposure"):
        parse_policy_file(text, "p.yaml")
