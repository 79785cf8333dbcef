from __future__ import annotations

import pytest

from camaudit.probes import PROBES, default_probes
from camaudit.probes.banner import BannerProbe
from camaudit.probes.base import PORT_SERVICES, host_for_url, is_unknown_port
from camaudit.targets import DEFAULT_PORTS


@pytest.mark.parametrize(("ip", "port", "default", "expected"), [
    ("127.0.0.1", 80, 80, "127.0.0.1"),
    ("127.0.0.1", 8080, 80, "127.0.0.1:8080"),
    ("127.0.0.1", 554, None, "127.0.0.1:554"),
    ("fd00::1", 443, 443, "[fd00::1]"),
    ("fd00::1", 8443, 443, "[fd00::1]:8443"),
])
def test_host_for_url(ip: str, port: int, default: int | None, expected: str) -> None:
    assert host_for_url(ip, port, default) == expected


def test_registry_lists_the_builtins_by_name() -> None:
    assert list(PROBES) == ["http", "https", "tls", "rtsp", "banner"]
    assert all(name == probe.name for name, probe in PROBES.items())


def test_banner_wait_is_configurable() -> None:
    probe = default_probes(banner_wait=0.25)["banner"]
    assert isinstance(probe, BannerProbe) and probe.wait == 0.25


def test_every_default_port_has_a_service_name_and_a_probe() -> None:
    for port in DEFAULT_PORTS:
        assert not is_unknown_port(port)
        assert PORT_SERVICES[port]
        assert any(p.applies_to(port) for p in PROBES.values()), port
