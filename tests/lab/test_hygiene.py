"""Every exposure case of the lab is found by a plain scan, and nothing else is; the hygiene
policy turns them into verdicts (docs/exposure.md)."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from camaudit.lab.control import down, up
from camaudit.model import Device
from camaudit.policy import load_policies
from camaudit.scan.job import scan_devices
from camaudit.targets import DEFAULT_PORTS

NET = "127.69.0.0/28"
EXPECTED = {
    "hygiene-self-signed": {"tls-self-signed"},
    "hygiene-expired": {"tls-expired"},
    "hygiene-expiring": {"tls-expiring"},
    "hygiene-sha1": {"tls-weak-signature", "tls-self-signed"},  # SHA-1 only signs itself
    "hygiene-rsa1024": {"tls-weak-key"},
    "hygiene-lab-ca": set(),  # a good certificate from the lab CA: nothing to say
    "dahua-onvif-open": {"onvif-unauthenticated"},
}


@pytest.fixture(scope="module")
def scanned(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Device]]:
    if os.geteuid() != 0:
        pytest.skip("the lab binds ports below 1024: needs root")
    state = tmp_path_factory.mktemp("hygiene") / "state.json"
    truth = up(NET, None, list(EXPECTED), None, state, background=True)
    try:
        hygiene = load_policies(["hygiene"])
        devices = scan_devices([d.ip for d in truth], list(DEFAULT_PORTS), timeout=1.0,
                               banner_wait=0.3, policies=hygiene)
    finally:
        down(state)
    by_ip = {d.ip: d for d in devices}
    yield {t.profile: by_ip[t.ip] for t in truth}


def test_each_case_is_found_and_nothing_else(scanned: dict[str, Device]) -> None:
    got = {profile: {x.id for x in d.exposures} for profile, d in scanned.items()}
    assert got == EXPECTED
    for d in scanned.values():
        assert all(x.basis and x.source and x.severity in ("high", "medium", "low")
                   for x in d.exposures)


def test_hygiene_verdicts(scanned: dict[str, Device]) -> None:
    status = {p: [v.status for v in d.verdicts if v.policy == "hygiene"]
              for p, d in scanned.items()}
    # high and medium findings fail a device; a self-signed or soon-expiring certificate alone
    # is named in the reason but does not
    assert status["dahua-onvif-open"] == ["exposed"]
    assert status["hygiene-expired"] == status["hygiene-rsa1024"] == ["exposed"]
    assert status["hygiene-lab-ca"] == ["not-exposed"]
    assert status["hygiene-self-signed"] == ["not-exposed"]
