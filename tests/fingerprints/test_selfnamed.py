"""Generated rules for devices that name their maker in ONVIF's Manufacturer field."""

from __future__ import annotations

import pytest

from camaudit.devices import identity_of
from camaudit.fingerprints.matcher import default_matcher
from camaudit.fingerprints.schema import load_rules
from camaudit.fingerprints.selfnamed import generated_rules
from camaudit.model import Observation


def named(value: str) -> tuple[str | None, str | None, list[str]]:
    matches = default_matcher().match_all([Observation("onvif.manufacturer", value, "s")])
    ident = identity_of(matches)
    return ident.maker, ident.brand, [m.rule for m in matches]


@pytest.mark.parametrize("value,maker", [
    ("Milesight Technology Co.,Ltd.", "Milesight"),   # gBillal/ex_onvif fixture
    ("Zhejiang Uniview Technologies Co.,Ltd.", "Uniview"),
    ("AXIS", "Axis"),
    ("Axis Communications AB", "Axis"),
    ("TP-LINK", "TP-Link"),
    ("tplink", "TP-Link"),
    ("Sony Corporation", "Sony"),
])
def test_a_maker_that_names_itself_is_named(value: str, maker: str) -> None:
    got, _, rules = named(value)
    assert got == maker, rules


@pytest.mark.parametrize("value", ["Axisx", "Sony Ericsson", "H264", "General", "Onvif",
                                   "HiSilicon", "Milesight clone by someone"])
def test_other_names_name_nothing(value: str) -> None:
    assert named(value)[0] is None


@pytest.mark.parametrize("value,brand", [("Lorex", "Lorex"), ("AMCREST", "Amcrest"),
                                         ("Annke", "Annke"), ("Honeywell", "Honeywell")])
def test_a_relabels_manufacturer_is_its_brand_not_its_maker(value: str, brand: str) -> None:
    maker, got, _ = named(value)
    assert maker is None and got == brand


def test_covered_makers_keep_their_hand_written_rules_only() -> None:
    generated = generated_rules([r for r in load_rules() if not r.file.startswith("generated")])
    makers = {r.set.get("hw.maker") for r in generated}
    assert not makers & {"Hikvision", "Dahua", "Huawei", "ZTE", "Hytera"}
    for value in ("Hikvision Digital Technology Co., Ltd.", "Dahua Technology", "Huawei"):
        assert named(value)[0] is None, value
    # the hand-written rule comes first and wins
    assert named("HIKVISION")[2] == ["hikvision-onvif-manufacturer"]
    assert named("Bosch")[2][0] != "onvif-manufacturer-is-bosch"


def scoped(scope: str) -> tuple[str | None, str | None]:
    ident = identity_of(default_matcher().match_all([Observation("wsd.scope", scope, "s")]))
    return ident.maker, ident.brand


def test_discovery_name_and_manufacturer_scopes_name_the_maker_too() -> None:
    assert scoped("onvif://www.onvif.org/name/AXIS M3045-V") == ("Axis", "Axis")
    assert scoped("onvif://www.onvif.org/manufacturer/Milesight Technology") \
        == ("Milesight", "Milesight")
    assert scoped("onvif://www.onvif.org/manufacturer/FLIR Systems") == (None, "FLIR")
    assert scoped("onvif://www.onvif.org/location/AXIS") == (None, None)
    assert scoped("onvif://www.onvif.org/name/Axisbank") == (None, None)
    # a scope counts less than the device's own Manufacturer field
    scope = next(r for r in load_rules() if r.id == "wsd-scope-name-is-axis")
    field = next(r for r in load_rules() if r.id == "onvif-manufacturer-is-axis")
    assert scope.confidence < field.confidence
