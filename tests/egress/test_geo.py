from __future__ import annotations

from camaudit.egress.geo import GeoDB, Place, attribution, source


def test_known_addresses() -> None:
    g = GeoDB()
    assert g.lookup("114.114.114.114").country == "CN"
    p = g.lookup("162.62.52.164")
    assert (p.country, p.asn) == ("DE", 132203)
    assert g.lookup("47.88.1.1").asn == 45102
    assert g.lookup("240e::1").asn == 4134
    assert g.lookup("10.1.2.3").country is None and g.lookup("nonsense").asn is None


def test_site_addresses_have_no_place() -> None:
    g = GeoDB()
    assert g.country("192.168.1.1") == "AU"  # what the shipped data says
    assert g.lookup("192.168.1.1") == Place(None, None, None)
    g.prime("172.16.0.1", Place("AU", None, None))
    assert g.lookup("172.16.0.1") == Place(None, None, None)
    g.prime("8.8.8.8", Place("US", 15169, "Google LLC"))
    assert g.lookup("8.8.8.8").asn == 15169


def test_source_and_attribution() -> None:
    assert source()["date"] == "2026-06-17"
    assert "db-ip.com" in attribution() and "routeviews.org" in attribution()
