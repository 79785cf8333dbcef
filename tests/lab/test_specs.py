"""Depth sections of a profile: recorder channels, ONVIF and DVRIP, with file:line errors."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.lab.profiletext import profile_head

from camaudit.errors import RuleError
from camaudit.lab import LAB_PASSWORD, LAB_USER
from camaudit.lab.profiles import load_profiles, parse_profile

BASE = profile_head("NAME") + """\
  - kind: http
    port: 80
    default: {status: 200, body: "{channels}"}
  - kind: dvrip
    port: 34567
    system_info: {SerialNo: "{serial}"}
recorder:
  segment: 192.168.254.0/24
  protocol: HIKVISION
  port: 8000
  channels:
    - {profile: cam}
    - {profile: cam, protocol: ONVIF, port: 80}
  per_channel:
    channels: "<c>{channel} {segment_ip} {protocol} {port} {model}</c>"
onvif: {port: 80, manufacturer: Lab, hardware_id: "1"}
"""
CAMERA = BASE.split("services:")[0].replace("NAME", "cam") + """services:
  - {kind: http, port: 80, default: {status: 404}}
"""


def test_sections_parse_with_lab_credentials_by_default() -> None:
    profile = parse_profile(BASE.replace("NAME", "rec"), "rec.yaml")
    assert profile.recorder is not None and profile.onvif is not None
    assert [(c.profile, c.protocol, c.port) for c in profile.recorder.channels] == [
        ("cam", "HIKVISION", 8000), ("cam", "ONVIF", 80)]
    assert profile.recorder.segment_ip(1) == "192.168.254.2"
    assert (profile.onvif.user, profile.onvif.password) == (LAB_USER, LAB_PASSWORD)
    dvrip = profile.services[1].dvrip
    assert dvrip is not None and (dvrip.user, dvrip.password) == (LAB_USER, LAB_PASSWORD)
    assert "lab-screening-pw" not in repr(profile)


def test_channel_profiles_are_checked_across_files(tmp_path: Path) -> None:
    (tmp_path / "rec.yaml").write_text(BASE.replace("NAME", "rec"))
    with pytest.raises(RuleError, match=r"rec\.yaml:\d+: recorder\.channels\[0\]\.profile: "
                                        "'cam' is not a lab camera profile"):
        load_profiles(tmp_path)
    (tmp_path / "cam.yaml").write_text(CAMERA)
    assert set(load_profiles(tmp_path)) == {"rec", "cam"}


@pytest.mark.parametrize(("old", "new", "message"), [
    ("segment: 192.168.254.0/24", "segment: 192.168.254.1/24", "recorder.segment: not a network"),
    ("segment: 192.168.254.0/24", "segment: 10.0.0.0/31", "recorder.segment: expected an IPv4"),
    ("    - {profile: cam}\n", "", None),
    ("{model}</c>", "{ip}</c>", "recorder.per_channel.channels: unknown template {ip}"),
    ("onvif: {port: 80", "onvif: {port: 81", "onvif.port: must name an http service"),
    ("    system_info: {SerialNo: \"{serial}\"}\n", "", "services[1].system_info: expected"),
    ("    port: 34567\n", "    port: 34567\n    login_reply: {Ret: [1]}\n",
     "services[1].login_reply.Ret: expected text or a number"),
    ("  - kind: http\n    port: 80\n", "  - kind: http\n    port: 80\n    credentials: {}\n",
     "services[0].credentials: only dvrip services take it"),
])
def test_bad_sections_name_file_and_field(old: str, new: str, message: str | None) -> None:
    text = BASE.replace("NAME", "rec").replace(old, new)
    if message is None:  # one channel fewer is fine
        assert parse_profile(text, "rec.yaml").recorder is not None
        return
    with pytest.raises(RuleError, match=r"^rec\.yaml:\d+: " + message.replace("[", r"\[")
                       .replace("{", r"\{").replace("}", r"\}")):
        parse_profile(text, "rec.yaml")


def test_every_credential_in_the_packaged_profiles_is_the_lab_credential() -> None:
    """The lead's depth client and docs/lab.md rely on one credential for the whole lab."""
    for profile in load_profiles().values():
        for service in profile.services:
            specs = [r.auth for r in service.routes] + [service.auth]
            for spec in (s for s in specs if s is not None):
                assert (spec.user, spec.password) == (LAB_USER, LAB_PASSWORD), profile.id
            if service.dvrip is not None:
                assert (service.dvrip.user, service.dvrip.password) == (LAB_USER, LAB_PASSWORD)
        if profile.onvif is not None:
            assert (profile.onvif.user, profile.onvif.password) == (LAB_USER, LAB_PASSWORD)
