"""Attribution data: every shipped link and example verifies; lookups honour spelling and dates."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from camaudit.attribution import (
    brand_makers,
    explain,
    load_attribution,
    maker_brands,
    normalize,
    parse_attribution_file,
    verify_attribution,
)
from camaudit.errors import RuleError


def test_shipped_attribution_verifies_clean() -> None:
    assert verify_attribution() == []


def test_every_link_has_source_grade_and_a_maker_from_the_vocabulary() -> None:
    links, examples = load_attribution()
    assert len(links) >= 25 and len(examples) >= 20
    assert {lk.maker for lk in links} == {"Hikvision", "Dahua"}
    assert all(lk.source and lk.grade for lk in links)


@pytest.mark.parametrize(("brand", "maker"), [
    ("EZVIZ", "Hikvision"), ("HiLook", "Hikvision"), ("HiWatch", "Hikvision"),
    ("Hikmicro", "Hikvision"), ("Prama", "Hikvision"), ("Imou", "Dahua"), ("Lechange", "Dahua"),
    ("Amcrest", "Dahua"), ("Intelbras", "Dahua"), ("CP Plus", "Dahua"), ("LTS", "Hikvision"),
    ("Interlogix", "Hikvision"), ("FLIR", "Dahua"),
])
def test_brands_the_issue_names_lead_to_their_maker(brand: str, maker: str) -> None:
    assert maker in {lk.maker for lk in brand_makers(brand)}


def test_lorex_belongs_to_dahua_only_until_the_sale() -> None:
    assert [lk.maker for lk in brand_makers("Lorex", dt.date(2022, 11, 22))] == ["Dahua"]
    assert brand_makers("Lorex", dt.date(2022, 11, 23)) == []
    (lorex,) = brand_makers("Lorex")
    assert lorex.describe() == "brand Lorex: Dahua subsidiary until 2022-11-23 (grade A)"


def test_spellings_are_one_brand() -> None:
    assert normalize("CP_PLUS") == normalize("cp plus") == normalize("CPPlus") == "cpplus"
    assert brand_makers("Q-See") == brand_makers("qsee")
    assert brand_makers("") == [] and brand_makers("Axis") == []


def test_strongest_grade_first_and_unverified_last() -> None:
    grades = [lk.grade for lk in brand_makers("Honeywell")]
    assert grades == ["B", "B"]
    (pyronix,) = brand_makers("Pyronix")
    assert pyronix.grade == "?" and "grade ?" in pyronix.describe()


def test_maker_brands_lists_subsidiaries_and_relabelers() -> None:
    names = {lk.brand for lk in maker_brands("Hikvision")}
    assert {"EZVIZ", "HiLook", "LTS", "Annke"} <= names and "Lorex" not in names


def test_explain_puts_the_device_maker_first_and_skips_the_maker_own_name() -> None:
    notes = explain("Honeywell", "Hikvision")
    assert notes[0].startswith("brand Honeywell: reported to relabel Hikvision")
    assert explain("Hikvision", "Hikvision") == [] and explain(None, "Dahua") == []


def test_verifier_reports_a_wrong_example_and_an_unknown_maker(tmp_path: Path) -> None:
    (tmp_path / "x.yaml").write_text(
        "links:\n"
        "  - {brand: Foo, maker: Acme, relation: relabel, grade: C, source: test}\n"
        "examples:\n"
        "  - {brand: foo, expect: [Dahua]}\n", encoding="utf-8")
    problems = verify_attribution(tmp_path)
    assert "x.yaml:2: maker 'Acme' not in vocab/makers.txt" in problems
    assert "x.yaml:4: example brand 'foo' gives ['Acme'], expected ['Dahua']" in problems


@pytest.mark.parametrize(("text", "message"), [
    ("links:\n  - {brand: X, maker: Dahua, relation: owner, grade: A, source: s}\n",
     "x.yaml:2: link: field 'relation' 'owner' is not one of"),
    ("links:\n  - {brand: X, maker: Dahua, relation: brand, grade: E, source: s}\n",
     "x.yaml:2: link: field 'grade' 'E' is not an evidence grade"),
    ("links:\n  - {brand: X, maker: Dahua, relation: brand, grade: A}\n",
     "x.yaml:2: link: field 'source' is missing"),
    ("links:\n  - {brand: X, maker: Dahua, relation: brand, grade: A, source: s,\n"
     "     since: 2020-01-01, until: 2019-01-01}\n", "x.yaml:2: link: field 'until' must come"),
    ("links: [\n", "x.yaml:2: invalid YAML"),
])
def test_malformed_attribution_names_file_line_and_field(text: str, message: str) -> None:
    with pytest.raises(RuleError) as e:
        parse_attribution_file(text, "x.yaml")
    assert str(e.value).startswith(message)
