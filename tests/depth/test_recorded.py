"""Cameras behind a recorder become devices linked to it, named by the same rules."""

from __future__ import annotations

from camaudit.depth.channels import Channel
from camaudit.depth.recorded import channel_devices, key, observations
from camaudit.fingerprints.matcher import default_matcher
from camaudit.model import Device


def test_each_channel_is_a_device_linked_to_its_recorder() -> None:
    nvr = Device(ip="10.0.0.5", maker="Hikvision")
    chans = [Channel(1, address="192.168.254.2", manufacturer="HIKVISION",
                     model="DS-2CD2043G0-I", serial="S1", firmware="V5.5.6 build 180326",
                     protocol="HIKVISION", mac="C0-56-E3-00-00-02"),
             Channel(3, address="192.168.254.4", protocol="ONVIF"),
             Channel(4)]  # nothing known: left out
    devices = channel_devices(nvr, chans, default_matcher(), "2026-12-02T00:00:00Z")
    assert [d.ip for d in devices] == ["10.0.0.5/ch1", "10.0.0.5/ch3"]
    cam = devices[0]
    assert (cam.recorder, cam.channel, cam.segment_ip) == ("10.0.0.5", 1, "192.168.254.2")
    assert cam.maker == "Hikvision" and cam.model == "DS-2CD2043G0-I"
    assert cam.mac == "c0:56:e3:00:00:02" and cam.first_seen == "2026-12-02T00:00:00Z"
    assert all(e.source == "recorder 10.0.0.5 channel 1" for e in cam.evidence)
    assert devices[1].maker is None and devices[1].segment_ip == "192.168.254.4"
    assert key("10.0.0.5", 12) == "10.0.0.5/ch12"


def test_observations_use_the_onvif_information_keys() -> None:
    obs = observations("10.0.0.5", Channel(2, manufacturer="Axis", model="M3106"))
    assert [(o.key, o.value) for o in obs] == [("onvif.manufacturer", "Axis"),
                                               ("onvif.model", "M3106")]
