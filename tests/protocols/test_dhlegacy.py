from __future__ import annotations

from camaudit.protocols import dhlegacy


def test_broadcast_only_without_identify_kind() -> None:
    p = dhlegacy.PROTOCOL
    assert (p.group, p.broadcast, p.unicast, p.kind, p.identify) == (None, True, False, None,
                                                                    None)
    assert dhlegacy.decode(p.probes()[0], "s") == []


def test_link_local_of_a_mac() -> None:
    assert dhlegacy._link_local("3c:ef:8c:00:00:01") == "fe80::3eef:8cff:fe00:1/64"
