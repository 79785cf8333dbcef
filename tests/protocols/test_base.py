"""The protocol registry keeps every place that lists protocols in step."""

from __future__ import annotations

from camaudit.discovery.messages import ANNOUNCE, PROTOCOLS
from camaudit.kinds import KINDS
from camaudit.lab.profiles import DISCOVERY_KINDS, load_profiles
from camaudit.protocols import REGISTRY
from camaudit.protocols.base import int_or_text, source_label


def test_every_place_reads_the_one_registry() -> None:
    assert PROTOCOLS is REGISTRY
    assert set(ANNOUNCE) == {n for n, p in REGISTRY.items() if p.announces_on}
    for name, p in REGISTRY.items():
        assert p.name == name
        if p.kind is not None:
            assert KINDS[p.kind] is p.identify, name
        assert name in DISCOVERY_KINDS, f"lab profiles cannot declare {name}"


def test_every_protocol_is_answered_by_some_lab_profile() -> None:
    declared = {kind for profile in load_profiles().values() for kind, _ in profile.discovery}
    assert set(REGISTRY) <= declared


def test_every_protocol_decodes_what_its_lab_responder_sends() -> None:
    """The responder of the first lab profile declaring each protocol answers the protocol's
    own probe, and the protocol's decoder reads that answer (sans-I/O, no sockets)."""
    from camaudit.lab.plan import plan
    from camaudit.lab.responders import Responder

    profiles = load_profiles()
    for name, p in REGISTRY.items():
        profile = next(pr for pr in profiles.values() if name in dict(pr.discovery))
        device = plan("127.60.0.0/24", 1, [profile.id])[0]
        answers = [r for probe in p.probes() if (r := Responder(profile, device).answer(
            name, probe)) is not None]
        assert answers, name
        assert p.decode(answers[0], source_label(name, p.port)), name


def test_helpers() -> None:
    assert source_label("wsd", 3702, passive=True) == "udp/3702 wsd announcement"
    assert int_or_text("37777") == 37777 and int_or_text("IPC") == "IPC"
    assert int_or_text("12345678901") == "12345678901"
