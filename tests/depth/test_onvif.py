"""ONVIF envelopes for depth: unsigned pre-auth form, signed form, and what replies say."""

from __future__ import annotations

import base64
import hashlib

import pytest

from camaudit.credentials import Credential
from camaudit.depth import onvif

from .test_run import ONVIF_INFO

PASSWORD = "onvif-Secret-1"  # noqa: S105 - a test credential


def test_unsigned_envelope_has_no_security_header() -> None:
    body = onvif.envelope("GetDeviceInformation")
    assert b"<m:GetDeviceInformation></m:GetDeviceInformation>" in body
    assert b"Security" not in body and b"Username" not in body


def test_signed_envelope_carries_a_password_digest_not_the_password() -> None:
    nonce, created = b"\x01" * 16, "2026-12-02T00:00:00Z"
    body = onvif.envelope("GetProfiles", Credential("op", PASSWORD), nonce=nonce,
                          created=created)
    want = base64.b64encode(hashlib.sha1(nonce + created.encode() + PASSWORD.encode())
                            .digest()).decode()
    assert want.encode() in body and PASSWORD.encode() not in body
    assert b'xmlns:m="http://www.onvif.org/ver10/media/wsdl"' in body
    assert dict(onvif.headers("GetProfiles"))["Content-Type"].endswith(
        'action="http://www.onvif.org/ver10/media/wsdl/GetProfiles"')


def test_only_read_only_calls() -> None:
    with pytest.raises(ValueError, match="read-only"):
        onvif.envelope("SetSystemDateAndTime")
    with pytest.raises(ValueError):
        onvif.envelope("SystemReboot")


def test_replies_read() -> None:
    obs = onvif.info_observations(ONVIF_INFO, "src")
    assert [(o.key, o.value) for o in obs] == [
        ("onvif.manufacturer", "Acme"), ("onvif.model", "Cam-1"), ("onvif.firmware", "1.2.3"),
        ("onvif.serial", "SN42"), ("onvif.hardware", "H1")]
    interfaces = (b'<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope" '
                  b'xmlns:tt="http://www.onvif.org/ver10/schema"><s:Body>'
                  b"<GetNetworkInterfacesResponse><NetworkInterfaces><tt:Info>"
                  b"<tt:HwAddress>AC-CC-8E-01-02-03</tt:HwAddress></tt:Info>"
                  b"</NetworkInterfaces></GetNetworkInterfacesResponse></s:Body></s:Envelope>")
    assert [o.value for o in onvif.interface_observations(interfaces, "s")] == [
        "ac:cc:8e:01:02:03"]
    profiles = (b'<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope"><s:Body>'
                b'<GetProfilesResponse><Profiles token="a"/><Profiles token="b"/>'
                b"</GetProfilesResponse></s:Body></s:Envelope>")
    assert onvif.profile_count(profiles) == 2
    assert onvif.profile_count(b"<x/>") is None and onvif.info_observations(b"\xff", "s") == []
