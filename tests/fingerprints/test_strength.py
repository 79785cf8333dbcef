"""Evidence strength: shared traits never name, covered needs a unique trait or two."""

from __future__ import annotations

from camaudit.devices import identity_of
from camaudit.fingerprints.strength import (
    CONVERGENT_CONFIDENCE,
    Trait,
    converging,
    family,
    missing,
    names_alone,
    strength,
)
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


def _shared(rule: str, key: str, maker: str, sharers: tuple[str, ...],
            conf: float = 0.6) -> Match:
    return Match(rule, key, "v", "s", "firmware", conf, (("hw.maker", maker),), True, sharers)


DYNAMIC_RATE = _shared("dahua-rate", "rtsp.header.layout", "Dahua", ("hisilicon-sdk",))
DH_SDP = _shared("dahua-dh", "rtsp.sdp", "Dahua", ("rtsp-relays",))


def test_shared_traits_with_different_other_senders_converge() -> None:
    """A HiSilicon SDK server sends the header, a relay passes the SDP on: no single other
    sender explains both, so the maker is named, at low confidence."""
    assert converging([DYNAMIC_RATE, DH_SDP]) == "Dahua"
    ident = identity_of([DYNAMIC_RATE, DH_SDP])
    assert ident.maker == "Dahua" and 0 < ident.confidence <= CONVERGENT_CONFIDENCE


def test_shared_traits_do_not_converge_when_one_sender_explains_both() -> None:
    """A LIVE555 clone can send LIVE555's date and Hikvision's IMKH header alike."""
    date = _shared("date", "rtsp.date", "Hikvision", ("live555",))
    imkh = _shared("imkh", "rtsp.sdp", "Hikvision", ("live555", "rtsp-relays"))
    assert converging([date, imkh]) is None
    assert identity_of([date, imkh]).maker is None


def test_shared_traits_of_one_observation_do_not_converge() -> None:
    other_sdp = _shared("dahua-session", "rtsp.sdp", "Dahua", ("hisilicon-sdk",))
    assert converging([DH_SDP, other_sdp]) is None


def test_shared_traits_without_their_senders_or_with_a_rival_do_not_converge() -> None:
    untold = _shared("generic-realm", "rtsp.realm", "Dahua", ())
    assert converging([DH_SDP, untold]) is None
    port = Match("foscam-port", "ports.open", "88", "s", "port", 0.25, (("hw.maker", "Foscam"),))
    assert converging([DYNAMIC_RATE, DH_SDP, port]) is None
    assert identity_of([DYNAMIC_RATE, DH_SDP, port]).maker is None


def test_a_maker_named_alone_wins_over_convergence() -> None:
    reolink = _m("reolink", "Reolink", "firmware", conf=0.85)
    assert identity_of([DYNAMIC_RATE, DH_SDP, reolink]).maker == "Reolink"


def test_convergence_never_makes_a_covered_verdict() -> None:
    from camaudit.fingerprints.corpus import device_of
    from camaudit.fingerprints.schema import load_rules
    from camaudit.policy import evaluate, load_policies

    rules = {r.id: r for r in load_rules()}
    real = [Match(r.id, r.key, v, "s", r.grade, r.confidence, (("hw.maker", "Dahua"),), True,
                  r.shared_with)
            for r, v in ((rules["dahua-rtsp-dynamic-rate-header"],
                          "CSeq,x-Accept-Dynamic-Rate,Content-Base"),
                         (rules["dahua-sdp-dh-packetization"], "a=packetization-supported:DH"))]
    verdicts = evaluate(device_of(identity_of(real)), load_policies(), rules=rules)
    statuses = {v.policy: v.status for v in verdicts}
    assert statuses["ndaa-889"] == "possible", statuses
    assert "covered" not in statuses.values()
