"""Policies as data: every shipped example holds, and devices get the verdicts the issue asks."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from pathlib import Path

import pytest

from camaudit.errors import RuleError
from camaudit.model import Device, Evidence, Exposure, Port
from camaudit.policy import (
    DEFAULT_POLICIES,
    evaluate,
    load_policies,
    maker_evidence,
    verify_policies,
    verify_policy_files,
    with_verdicts,
)
from camaudit.policy_schema import policy_names

ROOT = Path(__file__).parent.parent
DATA = Path(__file__).parent / "data" / "policies"
DAY = dt.date(2025, 9, 1)


def _ev(rule: str, key: str = "", value: str = "") -> Evidence:
    return Evidence(source="tcp/80 GET /", key=key, value=value, rule=rule)


def dev(maker: str | None, *rules: str, brand: str | None = None,
        confidence: float = 0.85) -> Device:
    return Device(ip="127.0.0.10", maker=maker, brand=brand,
                  relabeled=bool(brand and brand != maker), confidence=confidence,
                  evidence=tuple(_ev(r) for r in rules))


HIKVISION = dev("Hikvision", "hikvision-sadp", "hikvision-webs", confidence=0.99)
LOREX = dev("Dahua", "dahua-dhip", brand="Lorex", confidence=0.95)
EZVIZ = dev("Hikvision", "hikvision-webs", brand="EZVIZ")
AXIS = dev("Axis", "axis-device-cert-subject", brand="Axis")
HANWHA = dev("Hanwha", "hanwha-techwin-title")
BOSCH = dev("Bosch", "bosch-live-user-realm")
OUI_ONLY = Device(ip="127.0.0.11", mac="00:1f:54:00:00:01",
                  evidence=(Evidence("arp", "mac.oui", "00:1f:54", "oui-lorex-technology"),))


def test_shipped_policies_and_attribution_verify_clean() -> None:
    problems = verify_policies()
    assert problems == [], "\n".join(problems)


def test_default_policies_are_the_us_federal_ones() -> None:
    assert DEFAULT_POLICIES == ("fcc-covered-list", "ndaa-889")
    assert [p.id for p in load_policies()] == list(DEFAULT_POLICIES)


@pytest.mark.parametrize(("device", "status"), [
    (HIKVISION, "covered"), (LOREX, "covered"), (EZVIZ, "covered"),
    (AXIS, "not-covered"), (HANWHA, "not-covered"), (BOSCH, "not-covered"),
    (OUI_ONLY, "unknown"),
])
def test_issue_devices_under_the_federal_policies(device: Device, status: str) -> None:
    verdicts = evaluate(device, load_policies(), on=DAY)
    assert [(v.policy, v.status) for v in verdicts] == [
        ("fcc-covered-list", status), ("ndaa-889", status)]


def test_reasons_carry_evidence_grade_brand_grade_and_references() -> None:
    fcc, ndaa = evaluate(LOREX, load_policies(), on=DAY)
    assert "maker Dahua (protocol: dahua-dhip; confidence 0.95)" in ndaa.reason
    assert "brand Lorex: Dahua subsidiary until 2022-11-23 (grade A)" in ndaa.reason
    assert "subsidiaries and affiliates" in ndaa.reason and "affiliates" not in fcc.reason
    assert "for the purpose of public safety" in ndaa.reason
    assert any("FAR 52.204-25" in r for r in ndaa.references)
    assert any("889(f)(3)(B)" in r for r in ndaa.references)
    assert any("47 U.S.C. 1601" in r for r in fcc.references)


def test_weak_evidence_is_unknown_never_a_guess() -> None:
    (ndaa,) = load_policies(["ndaa-889"])
    oui = dev("Hikvision", "hikvision-wsd-endpoint-mac-node", confidence=0.5)
    model = dev("Dahua", "dahua-dhip-model-dh", confidence=0.4)
    low = dev("Dahua", "dahua-rtsp-server", confidence=0.3)  # strong rule, rivals lowered it
    for d in (oui, model, low):
        (v,) = evaluate(d, [ndaa], on=DAY)
        assert v.status == "unknown" and "weak evidence" in v.reason, v.reason
    unknown_rule = dev("Hikvision", "rule-from-a-newer-camaudit")
    (v,) = evaluate(unknown_rule, [ndaa], on=DAY)
    assert v.status == "unknown" and "cannot be graded" in v.reason


def test_a_brand_alone_never_decides() -> None:
    (v,) = evaluate(dev(None, "lorex-webplugin-body", brand="Lorex"), load_policies(["ndaa-889"]))
    assert v.status == "unknown"
    assert v.reason.startswith("no technical evidence names the maker; brand Lorex: Dahua")


def test_no_maker_field_but_positive_evidence_of_a_non_covered_maker() -> None:
    record = dataclasses.replace(AXIS, maker=None, confidence=0.0)
    (v,) = evaluate(record, load_policies(["ndaa-889"]), on=DAY)
    assert v.status == "not-covered" and "maker Axis" in v.reason


def test_no_maker_field_and_rival_makers_in_the_evidence_is_unknown() -> None:
    d = dev(None, "axis-device-cert-subject", "dahua-rtsp-server", confidence=0.0)
    (v,) = evaluate(d, load_policies(["ndaa-889"]), on=DAY)
    assert v.status == "unknown"
    assert v.reason == "the evidence names several makers (Axis, Dahua) and the record none"


def test_evidence_value_decides_the_maker_of_a_capturing_rule() -> None:
    d = Device(ip="x", maker="Hikvision", confidence=0.85,
               evidence=(_ev("hikvision-webs", "http.header.server", "Hikvision-Webs"),))
    assert [(e.maker, e.grade) for e in maker_evidence(d)] == [("Hikvision", "firmware")]


def test_conflicting_evidence_for_a_covered_maker_makes_a_clean_maker_unknown() -> None:
    d = dev("Axis", "axis-device-cert-subject", "hikvision-webs", confidence=0.6)
    (v,) = evaluate(d, load_policies(["ndaa-889"]), on=DAY)
    assert v.status == "unknown" and "other evidence names covered maker(s) Hikvision" in v.reason


def test_listing_dates_and_review_lists() -> None:
    texas, uk = load_policies(["us-texas", "uk-sensitive-sites"])
    uniview = dev("Uniview", "uniview-favicon-mmh3", confidence=0.75)
    assert evaluate(uniview, [texas], on=dt.date(2026, 1, 25))[0].status == "not-covered"
    assert evaluate(uniview, [texas], on=dt.date(2026, 1, 26))[0].status == "covered"
    xm = evaluate(dev("Xiongmai", "xiongmai-dvrip", confidence=0.95), [uk], on=DAY)[0]
    assert xm.status == "unknown" and "review the supplier" in xm.reason


def test_every_shipped_policy_judges_the_issue_devices() -> None:
    policies = [p for p in load_policies(policy_names()) if p.kind == "maker"]
    names = [p.id for p in policies]
    assert "hygiene" not in names and len(names) == len(policy_names()) - 1
    axis = evaluate(AXIS, policies, on=DAY)
    assert {v.status for v in axis} == {"not-covered"}
    hik = {v.policy: v.status for v in evaluate(HIKVISION, policies, on=DAY)}
    assert hik == dict.fromkeys(names, "covered")
    early = {v.policy: v.status for v in evaluate(HIKVISION, policies, on=dt.date(2025, 1, 1))}
    assert early == dict.fromkeys(names, "covered") | {"ca-hikvision-2025": "not-covered"}


def test_with_verdicts_replaces_verdicts_and_keeps_the_rest() -> None:
    out = with_verdicts([LOREX, AXIS], load_policies(), on=DAY)
    assert [d.ip for d in out] == [LOREX.ip, AXIS.ip]
    assert out[0].maker == "Dahua" and len(out[0].verdicts) == 2
    assert dataclasses.replace(out[1], verdicts=()) == AXIS


def test_load_policies_errors() -> None:
    with pytest.raises(RuleError, match="unknown policy 'ndaa-899'"):
        load_policies(["ndaa-899"])
    with pytest.raises(RuleError, match="given twice"):
        load_policies(["ndaa-889", "ndaa-889"])
    with pytest.raises(RuleError, match=r"unknown-status.yaml:13: example: field 'expect'"):
        load_policies([], [DATA / "unknown-status.yaml"])


def test_verifier_reports_failing_examples_with_file_and_line() -> None:
    problems = verify_policies([DATA / "failing-examples.yaml", DATA / "bad-yaml.yaml"],
                               shipped=False)
    where = str(DATA / "failing-examples.yaml")
    assert f"{where}:2: policy failing-examples: needs an example device that is not-covered" \
        in problems
    assert any(p.startswith(f"{where}:11: example 'Axis said to be covered' is not-covered, "
                            "expected covered") for p in problems)
    assert f"{where}:14: example 'evidence rule that does not exist': evidence rule " \
           "'no-such-rule' is not a fingerprint rule" in problems
    assert any("reason lacks 'never said'" in p for p in problems)
    assert any(p.startswith(f"{DATA / 'bad-yaml.yaml'}:6: invalid YAML") for p in problems)


def _doc_policy(tmp_path: Path) -> Path:
    doc = (ROOT / "docs" / "policies.md").read_text(encoding="utf-8")
    block = doc.split("<!-- user-policy-example -->", 1)[1]
    text = re.search(r"```yaml\n(.*?)```", block, re.S)
    assert text is not None
    path = tmp_path / "our-policy.yaml"
    path.write_text(text.group(1), encoding="utf-8")
    return path


def test_the_user_policy_in_the_docs_loads_verifies_and_judges(tmp_path: Path) -> None:
    path = _doc_policy(tmp_path)
    assert verify_policies([path], shipped=False) == []
    (ours,) = load_policies([], [path])
    assert ours.id == "our-policy" and ours.min_grade == "firmware"
    assert evaluate(LOREX, [ours], on=DAY)[0].status == "covered"
    assert evaluate(AXIS, [ours], on=DAY)[0].status == "not-covered"
    # this policy needs firmware-grade evidence: a MAC-derived signal is not enough
    mac_only = dev("Hikvision", "hikvision-wsd-endpoint-mac-node", confidence=0.9)
    assert evaluate(mac_only, [ours], on=DAY)[0].status == "unknown"
    assert evaluate(mac_only, load_policies(["ndaa-889"]), on=DAY)[0].status == "unknown"
    combined = load_policies(["ndaa-889"], [path])
    assert [p.id for p in combined] == ["ndaa-889", "our-policy"]


def test_a_shared_trait_alone_is_at_most_possible() -> None:
    """LIVE555's RTSP date also names Hikvision in the rules, as a shared trait: a device with
    nothing else is never covered; the verdict says what is missing."""
    d = Device(ip="127.0.0.12", evidence=(_ev("hikvision-rtsp-date-format", "rtsp.date",
                                               "Fri, Apr 30 2021 20:12:32 GMT"),))
    for v in evaluate(d, load_policies(), on=DAY):
        assert v.status in ("possible", "unknown"), v
    d2 = dataclasses.replace(d, maker="Hikvision", confidence=0.7)
    verdicts = evaluate(d2, load_policies(), on=DAY)
    assert {v.status for v in verdicts} == {"possible"}
    assert all("shares" in v.reason and "unique" in v.reason for v in verdicts)


def test_one_onvif_trait_is_possible_two_independent_are_covered() -> None:
    one = dev("Hikvision", "hikvision-onvif-manufacturer", confidence=0.7)
    assert {v.status for v in evaluate(one, load_policies(), on=DAY)} == {"possible"}
    two = dev("Hikvision", "hikvision-onvif-manufacturer", "hikvision-oui", confidence=0.85)
    two = dataclasses.replace(two, evidence=(
        _ev("hikvision-onvif-manufacturer", "onvif.manufacturer", "HIKVISION"),
        _ev("hikvision-oui", "mac.org", "Hangzhou Hikvision Digital Technology Co.,Ltd.")))
    assert {v.status for v in evaluate(two, load_policies(), on=DAY)} == {"covered"}


def test_policy_files_verify_alone_and_check_verify_policies_adds_attribution(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    import camaudit.policy

    monkeypatch.setattr(camaudit.policy, "verify_attribution", lambda: ["a.yaml:1: broken"])
    assert verify_policy_files() == []  # rules verify runs attribution once, on its own
    assert verify_policies() == ["a.yaml:1: broken"]
    assert verify_policies(shipped=False) == []
    (tmp_path / "failing-examples.yaml").write_bytes((DATA / "failing-examples.yaml").read_bytes())
    problems = verify_policy_files(directory=tmp_path)
    assert "failing-examples.yaml:2: policy failing-examples: needs an example device that is " \
           "not-covered" in problems


# ---------------------------------------------------------------- the hygiene policy (issue 14)
TELNET = Exposure("telnet-open", "medium", "Telnet is open on tcp/23: 192.0.0.64 login:.",
                  "tcp/23 banner")
SELF_SIGNED = Exposure("tls-self-signed", "low", "The certificate on tcp/443 is self-signed.",
                       "tcp/443 TLS")


def test_hygiene_is_shipped_but_never_a_default() -> None:
    assert "hygiene" in policy_names() and "hygiene" not in DEFAULT_POLICIES
    assert all(p.kind == "maker" for p in load_policies())


@pytest.mark.parametrize(("exposures", "ports", "status", "reason"), [
    ((TELNET, SELF_SIGNED), (Port(23), Port(443)), "exposed",
     "1 exposure(s): telnet-open (medium): Telnet is open on tcp/23: 192.0.0.64 login:."),
    ((SELF_SIGNED,), (Port(443),), "not-exposed",
     "also seen, not failed by this policy: tls-self-signed (low)"),
    ((), (Port(80),), "not-exposed", "none of the exposures this policy fails was seen"),
    ((), (), "unknown", "no open port was probed"),
])
def test_hygiene_judges_exposures_not_makers(exposures: tuple[Exposure, ...],
                                             ports: tuple[Port, ...], status: str,
                                             reason: str) -> None:
    device = dataclasses.replace(HIKVISION, exposures=exposures, ports=ports)
    hygiene, ndaa = evaluate(device, load_policies(["hygiene", "ndaa-889"]), on=DAY)
    assert (hygiene.policy, hygiene.status) == ("hygiene", status)
    assert reason in hygiene.reason and any("ETSI EN 303 645" in r for r in hygiene.references)
    assert (ndaa.policy, ndaa.status) == ("ndaa-889", "covered")  # judged on its own


def test_an_exposed_axis_camera_is_exposed_not_covered() -> None:
    axis = dataclasses.replace(AXIS, exposures=(TELNET,), ports=(Port(23),))
    statuses = [v.status for v in evaluate(axis, load_policies(["ndaa-889", "hygiene"]), on=DAY)]
    assert statuses == ["not-covered", "exposed"]


def _doc_exposure_policy(tmp_path: Path) -> Path:
    doc = (ROOT / "docs" / "exposure.md").read_text(encoding="utf-8")
    block = doc.split("## The hygiene policy", 1)[1]
    text = re.findall(r"```yaml\n(.*?)```", block, re.S)
    assert len(text) == 1
    path = tmp_path / "our-hygiene.yaml"
    path.write_text(text[0], encoding="utf-8")
    return path


def test_the_exposure_policy_in_the_docs_loads_verifies_and_judges(tmp_path: Path) -> None:
    path = _doc_exposure_policy(tmp_path)
    assert verify_policies([path], shipped=False) == []
    (ours,) = load_policies([], [path])
    assert ours.kind == "exposure" and "tls-expired" not in ours.exposures
    telnet = dataclasses.replace(AXIS, exposures=(TELNET,), ports=(Port(23),))
    assert evaluate(telnet, [ours], on=DAY)[0].status == "exposed"


def test_an_exposure_policy_needs_an_exposed_and_a_not_exposed_example(tmp_path: Path) -> None:
    text = _doc_exposure_policy(tmp_path).read_text(encoding="utf-8")
    path = tmp_path / "our-hygiene.yaml"
    path.write_text(text.replace("expect: not-exposed", "expect: exposed"), encoding="utf-8")
    problems = verify_policies([path], shipped=False)
    assert f"{path}:1: policy our-hygiene: needs an example device that is not-exposed" \
        in problems
    assert any("example 'nothing open' is not-exposed, expected exposed" in p for p in problems)
