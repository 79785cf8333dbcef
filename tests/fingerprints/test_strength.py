"""Evidence strength: shared traits never name, covered needs a unique trait or two."""

from __future__ import annotations

from camaudit.devices import identity_of
from camaudit.fingerprints.strength import Trait, family, missing, names_alone, strength
from camaudit.model import Match


def trait(key: str, grade: str = "firmware", shared: bool = False) -> Trait:
    return Trait(key, grade, shared, f"rule-{key}")


def test_ports_identity_and_shared_traits_never_name_alone() -> None:
    assert names_alone("firmware", False)
    assert names_alone("oui", False)
    assert not names_alone("port", False)
    assert not names_alone("identity", False)
    assert not names_alone("firmware", True)


def test_strength_tiers() -> None:
    assert strength([trait("http.realm")]) == "unique"
    assert strength([trait("sadp.present", "protocol")]) == "unique"
    assert strength([trait("onvif.manufacturer", "onvif")]) == "single"
    assert strength([trait("onvif.manufacturer", "onvif"), trait("mac.org", "oui")]) \
        == "corroborated"
    # two hits in one family are one piece of evidence
    assert strength([trait("wsd.scope", "onvif"), trait("onvif.manufacturer", "onvif")]) \
        == "single"
    assert strength([trait("rtsp.date", shared=True), trait("ports.open", "port")]) == "weak"
    assert strength([trait("rtsp.date", shared=True), trait("mac.org", "oui")]) == "single"


def test_families_group_one_reply() -> None:
    assert family("http.realm") == family("http.www_authenticate")
    assert family("sadp.model") == family("sadp.present")
    assert family("http.header.server") != family("http.title")


def test_missing_names_the_shared_rules() -> None:
    text = missing([trait("rtsp.date", shared=True)])
    assert "rule-rtsp.date" in text and "shares" in text


def _m(rule: str, maker: str, grade: str, shared: bool = False, conf: float = 0.7) -> Match:
    return Match(rule, "k", "v", "s", grade, conf, (("hw.maker", maker),), shared)


def test_identify_ignores_a_maker_named_only_by_shared_traits() -> None:
    """LIVE555's date format on a Reolink camera must not make it Hikvision."""
    ident = identity_of([_m("hikvision-rtsp-date-format", "Hikvision", "firmware", shared=True)])
    assert ident.maker is None and ident.confidence == 0.0


def test_a_shared_trait_reinforces_a_named_maker() -> None:
    alone = identity_of([_m("hik-onvif", "Hikvision", "onvif")])
    both = identity_of([_m("hik-onvif", "Hikvision", "onvif"),
                     _m("hikvision-rtsp-date-format", "Hikvision", "firmware", shared=True,
                        conf=0.2)])
    assert alone.maker == both.maker == "Hikvision"
    assert both.confidence > alone.confidence


def test_a_shared_trait_of_another_maker_is_no_rival() -> None:
    ident = identity_of([_m("reolink", "Reolink", "firmware", conf=0.85),
                      _m("hikvision-rtsp-date-format", "Hikvision", "firmware", shared=True)])
    assert ident.maker == "Reolink" and ident.confidence == 0.85
