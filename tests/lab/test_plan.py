"""plan(): deterministic, loopback-only, round-robin assignment of profiles to addresses."""

from __future__ import annotations

import pytest

from camaudit.errors import LabError
from camaudit.lab.plan import LabDevice, plan
from camaudit.lab.profiles import load_profiles


def test_plan_is_deterministic_and_round_robin() -> None:
    first = plan("127.66.0.0/24", 30)
    assert first == plan("127.66.0.0/24", 30)
    assert [d.ip for d in first[:3]] == ["127.66.0.1", "127.66.0.2", "127.66.0.3"]
    names = sorted(p.id for p in load_profiles().values()
                   if not p.hostile and not p.screening_fixture)
    assert [d.profile for d in first[:len(names)]] == names
    assert first[len(names)].profile == names[0]
    assert len({d.mac for d in first}) == len({d.serial for d in first}) == 30


def test_device_values_follow_profile() -> None:
    (hik,) = plan("127.66.0.0/24", 1, ["hikvision-ipc"])
    assert hik.mac.startswith("44:47:cc:") and hik.maker == "Hikvision"
    assert hik.model is not None and hik.serial.startswith(hik.model)
    assert hik.ports == (80, 443, 554, 8000)
    values = hik.values(load_profiles()["hikvision-ipc"])
    assert values["camera_code"][0] == "C" and values["camera_code"][1:].isdigit()
    assert values["mac_hex"] == hik.mac.replace(":", "")


def test_hostile_profiles_only_when_asked() -> None:
    assert not {"slow", "malformed"} & {d.profile for d in plan("127.66.0.0/24")}
    assert {"slow", "malformed"} <= {d.profile for d in plan("127.66.0.0/24",
                                                              include_hostile=True)}
    assert [d.profile for d in plan("127.66.0.0/24", 2, ["slow"])] == ["slow", "slow"]


def test_screening_fixtures_only_when_named() -> None:
    fixtures = {p.id for p in load_profiles().values() if p.screening_fixture}
    assert fixtures == {"analytics-camera", "plain-camera"}
    assert not fixtures & {d.profile for d in plan("127.66.0.0/24")}
    assert not fixtures & {d.profile for d in plan("127.66.0.0/24", 60, include_hostile=True)}
    named = plan("127.66.0.0/24", 3, ["plain-camera", "analytics-camera"])
    assert [d.profile for d in named] == ["plain-camera", "analytics-camera", "plain-camera"]
    assert all(d.maker is None and d.brand is None and d.ports == (80,) for d in named)


def test_skips_dot_zero_and_dot_255() -> None:
    ips = [d.ip for d in plan("127.66.0.0/23", 256)]
    assert "127.66.0.255" not in ips and "127.66.1.0" not in ips
    assert ips[254] == "127.66.1.1"


@pytest.mark.parametrize(("net", "count", "profiles", "message"), [
    ("10.0.0.0/24", 1, None, "not inside 127.0.0.0/8"),
    ("127.66.0.0/30", 3, None, "room for 2 devices"),
    ("127.66.0.0/24", 1, ["nope"], "unknown lab profile 'nope'"),
    ("not-a-net", 1, None, "bad lab network"),
])
def test_plan_errors(net: str, count: int, profiles: list[str] | None, message: str) -> None:
    with pytest.raises(LabError, match=message):
        plan(net, count, profiles)


def test_json_round_trip() -> None:
    for device in plan("127.66.0.0/24", 5):
        data = device.to_json()
        assert set(data) >= {"ip", "mac", "profile", "maker", "brand", "model", "serial",
                             "ports"}
        assert all(isinstance(p, int) for p in data["ports"])
        assert LabDevice.from_json(data) == device
    with pytest.raises(LabError):
        LabDevice.from_json({"ip": "127.0.0.1"})
