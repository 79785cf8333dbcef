from __future__ import annotations

from camaudit.egress.geo import GeoDB, attribution, source


def test_known_addresses() -> None:
    g = GeoDB()
    assert g.lookup("114.114.114.114").country == "CN"
    p = g.lookup("162.62.52.164")
    assert (p.country, p.asn) == ("DE", 132203)
    assert g.lookup("47.88.1.1").asn == 45102
    assert g.lookup("240e::1").asn == 4134
    assert g.lookup("10.1.2.3").country is None and g.lookup("nonsense").asn is None


def test_source_and_attribution() -> None:
    assert source()["date"] == "2026-06-17"
    assert "db-ip.com" in attribution() and "routeviews.org" in attribution()
