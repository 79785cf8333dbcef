"""plan(): deterministic, loopback-only, round-robin assignment of profiles to addresses."""

from __future__ import annotations

import pytest

from camaudit.errors import LabError
from camaudit.lab.plan import LabDevice, channel_values, plan, with_cameras
from camaudit.lab.profiles import load_profiles


def test_plan_is_deterministic_and_round_robin() -> None:
    first = plan("127.66.0.0/24", 30)
    assert first == plan("127.66.0.0/24", 30)
    assert [d.ip for d in first[:3]] == ["127.66.0.1", "127.66.0.2", "127.66.0.3"]
    names = sorted(p.id for p in load_profiles().values()
                   if not p.hostile and not p.screening_fixture and not p.exposure_fixture)
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


def test_cameras_behind_recorders_follow_with_cameras() -> None:
    devices = plan("127.66.0.0/24", None, ["hikvision-nvr", "dahua-nvr", "axis"])
    assert all(d.recorder is None for d in devices)  # plan: the devices on addresses only
    everything = with_cameras(devices)
    assert everything[:3] == devices and with_cameras(everything) == everything
    cameras = everything[3:]
    assert [(c.recorder, c.channel, c.profile) for c in cameras] == [
        ("127.66.0.1", 1, "hikvision-ipc"), ("127.66.0.1", 2, "hikvision-oem"),
        ("127.66.0.1", 3, "axis"), ("127.66.0.2", 1, "dahua-ipc"),
        ("127.66.0.2", 2, "hikvision-ipc")]
    assert [c.ip for c in cameras[:2]] == ["127.66.0.1/ch1", "127.66.0.1/ch2"]
    assert [c.segment_ip for c in cameras[:3]] == ["192.168.254.2", "192.168.254.3",
                                                   "192.168.254.4"]
    assert len({d.mac for d in everything}) == len(everything)
    known = load_profiles()
    assert all(c.firmware == known[c.profile].firmware for c in cameras)
    for device in everything:
        assert LabDevice.from_json(device.to_json()) == device
    assert with_cameras(devices) == everything  # deterministic


def test_channel_values_render_each_camera_in_channel_order() -> None:
    known = load_profiles()
    everything = with_cameras(plan("127.66.0.0/24", None, ["dahua-nvr"]))
    values = channel_values(everything[0], known["dahua-nvr"], everything, known)
    lines = values["dahua_cameras"].split("\r\n")
    cam1, cam2 = everything[1:]
    assert f"camera[0].DeviceInfo.SerialNo={cam1.serial}" in lines
    assert f"camera[1].DeviceInfo.Address={cam2.segment_ip}" in lines
    assert "camera[1].DeviceInfo.ProtocolType=Onvif" in lines
    assert channel_values(everything[1], known["dahua-ipc"], everything, known) == {}


def test_firmware_values_split_version_and_build() -> None:
    (hik,) = plan("127.66.0.0/24", 1, ["hikvision-ipc"])
    values = hik.values(load_profiles()["hikvision-ipc"])
    assert (values["firmware"], values["firmware_version"], values["firmware_build"]) == \
        ("V5.5.6 build 180326", "V5.5.6", "180326")
