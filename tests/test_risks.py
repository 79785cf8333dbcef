"""Known vulnerabilities as data: every shipped example holds, the verifier catches bad rules,
and devices get the entries the CVE facts support (and no more)."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

from camaudit.model import Device
from camaudit.records import device_from_record
from camaudit.risk_schema import RiskExample, RiskRule, load_risk_rules, parse_risk_file
from camaudit.risks import assess, risks_of, verify_risks, with_risks
from camaudit.scan.job import scan_devices

RULES = load_risk_rules()
BY_ID = {r.id: r for r in RULES}
EXAMPLES = [(r, ex) for r in RULES for ex in r.examples]


def test_shipped_risk_rules_verify_clean() -> None:
    problems = verify_risks()
    assert problems == [], "\n".join(problems)


@pytest.mark.parametrize(("rule", "example"), EXAMPLES,
                         ids=[f"{r.id}-{r.file}:{ex.line}-{ex.expect}" for r, ex in EXAMPLES])
def test_every_example_of_every_rule(rule: RiskRule, example: RiskExample) -> None:
    got = assess(example.device, rule)
    if example.expect == "none":
        assert got is None, got.basis if got else ""
        return
    assert got is not None and got.status == example.expect, got
    for text in example.basis_contains:
        assert text in got.basis


def test_the_rules_are_the_cves_of_the_facts_with_their_kev_dates_and_grades() -> None:
    got = {r.id: (r.maker, r.brand, r.kev.isoformat() if r.kev else None, r.grade, r.kev_grade)
           for r in RULES}
    assert got == {
        "CVE-2017-7921": ("Hikvision", None, "2026-03-05", "A", "B"),
        "CVE-2021-36260": ("Hikvision", None, "2022-01-10", "A", "A"),
        "CVE-2021-33044": ("Dahua", None, "2024-08-21", "A", "A"),
        "CVE-2021-33045": ("Dahua", None, "2024-08-21", "A", "A"),
        "CVE-2022-30563": ("Dahua", None, None, "A", None),
        "CVE-2020-5735": ("Dahua", "Amcrest", "2021-11-03", "A", "A"),
    }
    # No range is invented where the facts give none.
    assert BY_ID["CVE-2021-36260"].affected == () and BY_ID["CVE-2020-5735"].affected == ()
    assert len(BY_ID["CVE-2017-7921"].affected) == 7
    assert all(r.source and r.title for r in RULES)
    assert len(EXAMPLES) >= 60 and {ex.expect for _, ex in EXAMPLES} == {
        "affected", "possible", "not-affected", "none"}


def hik(model: str | None, firmware: str | None, **kw: object) -> Device:
    return Device(ip="127.0.0.10", maker="Hikvision", brand="Hikvision", model=model,
                  firmware=firmware, **kw)  # type: ignore[arg-type]


def statuses(d: Device) -> dict[str, str]:
    return {r.cve: r.status for r in risks_of(d)}


def test_record_entries_have_the_documented_keys_and_survive_json() -> None:
    d = hik("DS-2CD2142FWD-I", "V5.4.0 build 160401")
    (out,) = with_risks([d])
    assert [r.cve for r in out.risks] == ["CVE-2017-7921", "CVE-2021-36260"]
    first = out.risks[0]
    assert first.to_json() == {
        "cve": "CVE-2017-7921", "kev": "2026-03-05",
        "basis": "maker Hikvision, model DS-2CD2142FWD-I in series DS-2CD2xx2FWD, firmware "
                 "V5.4.0 build 160401 within V5.3.1 build 150410 to V5.4.4 build 161125",
        "status": "affected", "grade": "A", "kev_grade": "B",
        "title": "Hikvision IP cameras: improper authentication (CWE-287), ICS-CERT "
                 "ICSA-17-124-01",
        "source": BY_ID["CVE-2017-7921"].source,
    }
    assert out.risks[1].status == "possible" and out.risks[1].kev == "2022-01-10"
    again = device_from_record(json.loads(json.dumps(out.to_json())))
    assert again.risks == out.risks
    # stale entries are replaced, other fields kept
    (fresh,) = with_risks([dataclasses.replace(out, maker="Axis", brand="Axis")])
    assert fresh.risks == () and fresh.model == "DS-2CD2142FWD-I"


@pytest.mark.parametrize("firmware", [
    None, "", "garbage", "\x00\xff<script>", "2.800.030000000.3.R",  # Dahua's scheme
    "V5.00.R02.000529B2.10010.040600.0020000",  # Xiongmai's scheme
    "build " + "9" * 5000, "V" + "5." * 3000,
])
def test_unreadable_or_foreign_firmware_is_possible_never_an_error(firmware: str | None
                                                                   ) -> None:
    assert statuses(hik("DS-2CD2142FWD-I", firmware)) == {
        "CVE-2017-7921": "possible", "CVE-2021-36260": "possible"}
    dahua = Device(ip="x", maker="Dahua", model="IPC-HFW2228M-I1-V2", firmware=firmware)
    assert statuses(dahua) == {"CVE-2022-30563": "possible"}


def test_firmware_read_outside_the_range_is_not_affected_and_the_maker_rule_stays() -> None:
    assert statuses(hik("DS-2CD2142FWD-I", "V5.5.6build 180326")) == {
        "CVE-2017-7921": "not-affected", "CVE-2021-36260": "possible"}
    (risk, _) = risks_of(hik("DS-2CD2142FWD-I", "V5.3.1 build 150409"))  # a day early
    assert (risk.cve, risk.status, risk.kev) == ("CVE-2017-7921", "not-affected", "2026-03-05")
    assert risk.basis == (
        "maker Hikvision, model DS-2CD2142FWD-I in series DS-2CD2xx2FWD, firmware V5.3.1 build "
        "150409 outside V5.3.1 build 150410 to V5.4.4 build 161125")
    # the basis quotes what was read; a model in no listed series still gives no entry
    assert statuses(hik("DS-2CD2320D-I", "V5.5.6build 180326")) == {"CVE-2021-36260": "possible"}


def test_not_affected_only_once_the_firmware_is_read_and_past_every_matched_series() -> None:
    # DS-2CD4025FWD is in two series (DS-2CD4x2xFWD to build 160414, DS-2CD4xx5 to 160421)
    (risk, _) = risks_of(hik("DS-2CD4025FWD-A", "V5.4.0 build 160422"))
    assert risk.status == "not-affected"
    assert risk.basis == (
        "maker Hikvision, model DS-2CD4025FWD-A in series DS-2CD4x2xFWD, firmware V5.4.0 build "
        "160422 outside V5.2.0 build 140721 to V5.4.0 build 160414; in series DS-2CD4xx5, "
        "firmware V5.4.0 build 160422 outside V5.2.0 build 140721 to V5.4.0 build 160421")
    # inside one of the two: affected wins; the version a range ends in, without a build: possible
    assert risks_of(hik("DS-2CD4025FWD-A", "V5.4.0 build 160420"))[0].status == "affected"
    assert risks_of(hik("DS-2CD4025FWD-A", "V5.4.0"))[0].status == "possible"
    # a Dahua build date on or after the limit; no build date at all stays possible
    for firmware, status in [("V2.800.0000016.0.R, Build Date: 2021-06-01", "not-affected"),
                             ("V2.800.0000016.0.R, Build Date: 2031-01-01", "not-affected"),
                             ("V2.800.0000016.0.R", "possible"), (None, "possible")]:
        d = Device(ip="x", maker="Dahua", model="IPC-HFW3441E-AS", firmware=firmware)
        assert statuses(d).get("CVE-2021-33044") == status, firmware
    # a series the facts give no limit stays possible whatever the firmware
    nvr = Device(ip="x", maker="Dahua", model="NVR1104HS", firmware="Build Date: 2025-01-01")
    assert statuses(nvr) == {"CVE-2021-33045": "possible"}


def test_not_affected_entries_survive_json_and_reports_do_not_count_them() -> None:
    from camaudit.reports import REPORTERS

    (d,) = with_risks([hik("DS-2DF7286-A", "V5.5.6build 180326")])
    assert [(r.cve, r.status) for r in d.risks] == [
        ("CVE-2017-7921", "not-affected"), ("CVE-2021-36260", "possible")]
    assert device_from_record(json.loads(json.dumps(d.to_json()))).risks == d.risks
    import csv
    import io

    (row,) = csv.DictReader(io.StringIO(REPORTERS["csv"]([d], {})))
    assert row["risks"] == "CVE-2021-36260 possible"
    html = REPORTERS["html"]([d], {})
    assert "CVE-2017-7921" not in html and "not-affected" not in html
    assert '<div class="card risky"><b>1</b>with known vulnerabilities</div>' in html
    only = dataclasses.replace(d, risks=d.risks[:1])  # just the not-affected entry
    assert '<div class="card risky"><b>0</b>with known vulnerabilities</div>' in \
        REPORTERS["html"]([only], {})


def test_model_in_two_series_takes_the_stronger_status() -> None:
    # DS-2CD4025FWD is in DS-2CD4x2xFWD (to build 160414) and DS-2CD4xx5 (to build 160421)
    (risk,) = [r for r in risks_of(hik("DS-2CD4025FWD-A", "V5.4.0 build 160420"))
               if r.cve == "CVE-2017-7921"]
    assert risk.status == "affected" and "in series DS-2CD4xx5" in risk.basis
    (risk,) = [r for r in risks_of(hik("DS-2CD4025FWD-A", "V5.4.0 build 160410"))
               if r.cve == "CVE-2017-7921"]
    assert "in series DS-2CD4x2xFWD" in risk.basis


def test_dahua_build_dates_in_their_spellings() -> None:
    for firmware, status in [("V2.800.0000016.0.R, Build Date: 2021-05-31", "affected"),
                             ("2.460.0000000.5.R, build : 2016-05-11", "affected"),
                             ("V2.800.0000016.0.R, Build Date: 2021-06-01", "not-affected"),
                             ("V2.800.0000016.0.R, Build Date: 2021-02-30", "possible"),
                             ("2.400.0.8", "possible")]:
        d = Device(ip="x", maker="Dahua", model="IPC-HDW5421S", firmware=firmware)
        assert statuses(d).get("CVE-2021-33044") == status, firmware


def test_basis_quotes_device_strings_short_and_on_one_line() -> None:
    long_model = "DS-2CD2142FWD-I" + "X" * 500
    (risk, _) = risks_of(hik(long_model, "V5.4.0\nbuild 160401"))
    assert risk.status == "affected" and "\n" not in risk.basis
    assert "-I" + "X" * 65 + "…" in risk.basis  # 80 characters of the model, then …
    assert "firmware V5.4.0 build 160401 within" in risk.basis


def test_verifier_reports_wrong_examples_and_missing_coverage(tmp_path: Path) -> None:
    (tmp_path / "acme.yaml").write_text("""\
risks:
  - id: CVE-2099-0001
    maker: Hikvision
    title: t
    grade: B
    source: s
    kev: null
    affected:
      - series: DS-1
        model: '^DS-1'
        firmware: {from: V1.0.0 build 200101, to: V1.2.0 build 200601}
      - {series: DS-2, model: '^DS-2', built_before: 2020-01-01}
    examples:
      - {device: {maker: Hikvision, model: DS-1A, firmware: V1.1.0}, expect: possible}
      - device: {maker: Hikvision, model: DS-1A, firmware: V1.1.0}
        expect: affected
        basis_contains: [nope]
  - id: CVE-2099-0001
    maker: Acme
    title: t
    grade: C
    source: s
    range_unknown: r
    examples:
      - {device: {maker: Acme}, expect: possible}
      - {device: {maker: Axis}, expect: none}
""", encoding="utf-8")
    assert verify_risks(tmp_path) == [
        "acme.yaml:14: example of CVE-2099-0001 is affected, expected possible: maker Hikvision, "
        "model DS-1A in series DS-1, firmware V1.1.0 within V1.0.0 build 200101 to "
        "V1.2.0 build 200601",
        "acme.yaml:15: example of CVE-2099-0001: basis lacks 'nope': maker Hikvision, model "
        "DS-1A in series DS-1, firmware V1.1.0 within V1.0.0 build 200101 to V1.2.0 build 200601",
        "acme.yaml:2: CVE-2099-0001: needs an example device that must not match",
        "acme.yaml:2: CVE-2099-0001: needs an example device that is not-affected",
        "acme.yaml:12: CVE-2099-0001: series DS-2 has no example device that matches it",
        "acme.yaml:18: CVE-2099-0001: maker 'Acme' not in vocab/makers.txt",
        "acme.yaml:18: CVE-2099-0001 is given twice (first at acme.yaml:2)",
    ]
    (tmp_path / "acme.yaml").write_text("risks: [{id: CVE-1}]\n", encoding="utf-8")
    assert verify_risks(tmp_path) == [
        "acme.yaml:1: risk rule: field 'id' 'CVE-1' is not a CVE id (CVE-YYYY-NNNN)"]


def test_a_rule_naming_a_brand_needs_that_label_and_a_compatible_maker() -> None:
    (rule,) = parse_risk_file("""\
risks:
  - {id: CVE-2099-0002, maker: Dahua, brand: Amcrest, title: t, grade: A, source: s,
     range_unknown: r, examples: [{device: {brand: Amcrest}, expect: possible}]}
""", "x.yaml")
    def status(**kw: str | None) -> str | None:
        got = assess(Device(ip="x", **kw), rule)  # type: ignore[arg-type]
        return got.status if got else None
    assert status(brand="Amcrest", maker="Dahua") == "possible"
    assert status(brand="amcrest", maker="Amcrest") == "possible"
    assert status(brand="Amcrest", maker=None) == "possible"
    assert status(brand="Amcrest", maker="Foscam") is None
    assert status(brand="Lorex", maker="Dahua") is None
    assert status(brand=None, maker="Dahua") is None


def test_scan_devices_records_carry_risks(make_transport, camera_routes,  # type: ignore[no-untyped-def]
                                          camera_ports, hik_ip, dahua_ip) -> None:
    transport = make_transport(camera_routes, open_ports=camera_ports)
    devices = {d.ip: d for d in scan_devices([hik_ip, dahua_ip], [23, 80, 554, 8000, 37777],
                                             transport, timeout=0.5, banner_wait=0.05)}
    hikvision, dahua = devices[hik_ip], devices[dahua_ip]
    assert (hikvision.maker, dahua.maker) == ("Hikvision", "Dahua")
    assert [(r.cve, r.status) for r in hikvision.risks] == [
        ("CVE-2021-36260", "possible")]
    assert hikvision.risks[0].basis.startswith(
        "maker Hikvision; affected models and firmware versions are not known to camaudit")
    assert dahua.risks == ()  # every Dahua rule names model series; this reply gives no model
