from __future__ import annotations

from camaudit.devices import build_device, identity_of
from camaudit.model import Match, Observation, Port, ProbeError


def m(rule: str, grade: str, conf: float, **fields: str) -> Match:
    items = tuple(sorted((k.replace("_", ".", 1), v) for k, v in fields.items()))
    return Match(rule=rule, key="k", value="v", source="s", grade=grade, confidence=conf,
                 fields=items)


def test_no_evidence_means_no_maker_and_zero_confidence() -> None:
    ident = identity_of([])
    assert ident.maker is None and ident.brand is None
    assert ident.confidence == 0.0 and not ident.relabeled


def test_agreeing_signals_combine() -> None:
    one = identity_of([m("a", "firmware", 0.85, hw_maker="Hikvision")])
    two = identity_of([m("a", "firmware", 0.85, hw_maker="Hikvision"),
                    m("b", "port", 0.25, hw_maker="Hikvision")])
    assert one.maker == two.maker == "Hikvision"
    assert two.confidence > one.confidence
    assert one.brand == "Hikvision" and not one.relabeled


def test_strongest_maker_wins_and_conflict_lowers_confidence() -> None:
    ident = identity_of([m("oui", "oui", 0.5, hw_maker="Dahua"),
                      m("sadp", "protocol", 0.95, hw_maker="Hikvision")])
    assert ident.maker == "Hikvision"
    assert ident.confidence < 0.95


def test_brand_evidence_makes_a_relabel() -> None:
    ident = identity_of([m("layout", "firmware", 0.85, hw_maker="Dahua"),
                      m("lorex", "identity", 0.0, hw_brand="Lorex")])
    assert (ident.maker, ident.brand, ident.relabeled) == ("Dahua", "Lorex", True)


def test_oem_firmware_is_relabeled_with_unknown_brand() -> None:
    ident = identity_of([m("std-cgi", "firmware", 0.85, hw_maker="Hikvision", hw_oem="true")])
    assert ident.maker == "Hikvision" and ident.brand is None and ident.relabeled


def test_fields_come_from_the_strongest_agreeing_match() -> None:
    ident = identity_of([
        m("weak", "model", 0.9, hw_maker="Hikvision", hw_model="DS-weak"),
        m("sadp", "identity", 0.0, hw_model="DS-2CD2385G1-I", hw_serial="SN1"),
        m("rival", "oui", 0.5, hw_maker="Dahua", hw_firmware="from-rival"),
    ])
    assert ident.model == "DS-weak"  # a graded rule outranks an identity read
    assert ident.serial == "SN1"
    assert ident.firmware is None  # never taken from a losing maker's evidence


def test_build_device_keeps_evidence_errors_and_mac() -> None:
    match = Match(rule="hikvision-webs", key="http.header.server", value="DNVRS-Webs",
                  source="tcp/80 GET /", grade="firmware", confidence=0.85,
                  fields=(("hw.maker", "Hikvision"),))
    d = build_device("127.0.0.5", [Port(80, "tcp", "http")],
                     [Observation("mac.address", "68:6d:bc:00:00:01")], [match],
                     [ProbeError("tcp/554 RTSP OPTIONS", "timeout after 2.0s")],
                     "2026-01-01T00:00:00Z")
    rec = d.to_json()
    assert rec["maker"] == "Hikvision" and rec["mac"] == "68:6d:bc:00:00:01"
    assert rec["evidence"] == [{"source": "tcp/80 GET /", "key": "http.header.server",
                                "value": "DNVRS-Webs", "rule": "hikvision-webs"}]
    assert rec["errors"] == [{"source": "tcp/554 RTSP OPTIONS", "message": "timeout after 2.0s"}]
    assert rec["ports"] == [{"port": 80, "proto": "tcp", "service": "http"}]
    assert rec["first_seen"] == rec["last_seen"] == "2026-01-01T00:00:00Z"


def test_open_ports_alone_never_name_a_maker() -> None:
    alone = identity_of([m("port-37777", "port", 0.25, hw_maker="Dahua")])
    assert alone.maker is None and alone.confidence == 0.0
    backed = identity_of([m("port-37777", "port", 0.25, hw_maker="Dahua"),
                       m("layout", "firmware", 0.85, hw_maker="Dahua")])
    assert backed.maker == "Dahua" and backed.confidence > 0.85


def test_build_device_keeps_what_no_rule_matched_bounded() -> None:
    server = Observation("http.header.server", "GoAhead-Webs", "tcp/80 GET /")
    realm = Observation("http.realm", "hikvision", "tcp/80 GET /")
    long_title = Observation("http.title", "x" * 1000, "tcp/80 GET /")
    body = Observation("http.body", "<html>...</html>", "tcp/80 GET /")
    match = Match("hikvision-realm", "http.realm", "hikvision", "tcp/80 GET /", "firmware", 0.85,
                  (("hw.maker", "Hikvision"),))
    d = build_device("127.0.0.9", [], [server, realm, long_title, body, server], [match])
    assert [o.key for o in d.observations] == ["http.header.server", "http.title"]
    assert d.observations[1].value.endswith("…") and len(d.observations[1].value) == 201
    many = [Observation("http.title", f"title {i} " + "y" * 150, "s") for i in range(100)]
    kept = build_device("127.0.0.9", [], many, []).observations
    assert 0 < len(kept) < 100
    assert sum(len(o.key) + len(o.value) + len(o.source) for o in kept) <= 4096
    assert d.to_json()["observations"][0] == {"key": "http.header.server",
                                              "value": "GoAhead-Webs", "source": "tcp/80 GET /"}


def test_exposure_facts_are_not_said_but_an_unexplained_field_is() -> None:
    # docs/exposure.md: certificate facts, SADP Activated, ONVIF and P2P findings are judged as
    # exposures; DHIP Init, whose meaning no source gives, stays visible
    facts = [Observation(k, v, "tcp/443 TLS") for k, v in (
        ("tls.not_before", "2025-01-01T00:00:00Z"), ("tls.not_after", "2026-01-01T00:00:00Z"),
        ("tls.signature_hash", "sha256"), ("tls.public_key", "EC-256"),
        ("tls.self_signed", "true"), ("sadp.activated", "true"),
        ("onvif.unauthenticated", "GetDeviceInformation"), ("p2p.enabled", "false"),
        ("tls.subject", "CN=cam"), ("dhip.init", "2"))]
    said = build_device("127.0.0.9", [], facts, []).observations
    assert [o.key for o in said] == ["tls.subject", "dhip.init"]
