from __future__ import annotations

import pytest

from camaudit.protocols import wsd


@pytest.mark.parametrize("types", wsd.WSD_TYPES)
def test_wsd_probes_parse_back(types: str) -> None:
    probe = wsd.parse_probe(wsd.build_probe(types, "uuid:1"))
    assert probe.valid
    assert probe.message_id == "uuid:1"
    assert probe.types == types


def test_wsd_probe_rejects_markup_in_types() -> None:
    with pytest.raises(ValueError, match="invalid probe types"):
        wsd.build_probe("<x/>")


def test_three_probes_and_announcements() -> None:
    assert len(wsd.PROTOCOL.probes()) == 3
    assert wsd.PROTOCOL.announces_on == (3702, "239.255.255.250")
    assert not wsd.parse_probe(b"<notxml").valid


def test_identify_skips_what_precedes_the_first_tag() -> None:
    hello = (b"log line: <?xml version=\"1.0\"?><s:Envelope xmlns:s=\"http://www.w3.org/2003/"
             b"05/soap-envelope\" xmlns:d=\"http://schemas.xmlsoap.org/ws/2005/04/discovery\">"
             b"<s:Body><d:Hello><d:Scopes>onvif://www.onvif.org/name/Dahua</d:Scopes></d:Hello>"
             b"</s:Body></s:Envelope>")
    assert ("wsd.scope", "onvif://www.onvif.org/name/Dahua") in {
        (o.key, o.value) for o in wsd.identify(hello)}


def test_identify_reads_a_fragment_whose_prefixes_are_not_bound() -> None:
    """The Body of a ProbeMatch pasted without its Envelope (Haicam's discovery test keeps one
    in a comment): no XML parser takes it, its elements are still read."""
    fragment = (b"<env:Body>\n<d:ProbeMatches>\n<d:ProbeMatch>\n<wsadis:EndpointReference>\n"
                b"<wsadis:Address>urn:uuid:aa85c000-6324-11b3-819e-5850ed1fe385</wsadis:Address>\n"
                b"</wsadis:EndpointReference>\n<d:Types>dn:NetworkVideoTransmitter tds:Device"
                b"</d:Types>\n<d:Scopes>onvif://www.onvif.org/hardware/DS-2CD2385G1-I "
                b"onvif://www.onvif.org/name/HIKVISION%20DS-2CD2385G1-I</d:Scopes>\n"
                b"</d:ProbeMatch>\n</d:ProbeMatches>\n</env:Body>")
    obs = [(o.key, o.value) for o in wsd.identify(fragment)]
    assert ("wsd.scope", "onvif://www.onvif.org/name/HIKVISION DS-2CD2385G1-I") in obs
    assert ("wsd.endpoint", "urn:uuid:aa85c000-6324-11b3-819e-5850ed1fe385") in obs
    assert ("wsd.types", "dn:NetworkVideoTransmitter tds:Device") in obs
    assert wsd.identify(b"<d:Scopes>" + b"x" * 70000) == []
