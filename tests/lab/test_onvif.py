"""The lab's ONVIF services: pre-auth calls, WS-Security digest, faults, documents zeep reads."""

from __future__ import annotations

import base64
from xml.etree.ElementTree import Element

import pytest

from camaudit.lab import LAB_PASSWORD, LAB_USER, onvif
from camaudit.lab.specs import OnvifSpec
from camaudit.screening.onvif import NS_WSSE, NS_WSU, PASSWORD_DIGEST, password_digest
from camaudit.wire.xmldoc import find_all, local, parse_xml, text_of

SPEC = OnvifSpec(80, "HIKVISION", "{hw}")
VALUES = {"ip": "127.68.0.1", "mac": "44:47:cc:01:02:03", "model": "DS-2CD2320D-I",
          "serial": "DS-2CD2320D-I20190911AACHC00000001", "firmware": "V5.5.6 build 180326",
          "hw": "88"}


def envelope(call: str, ns: str = onvif.NS_DEVICE, user: str | None = None,
             password: str = LAB_PASSWORD, digest: str | None = None) -> bytes:
    header = ""
    if user is not None:
        nonce, created = b"0123456789abcdef", "2026-01-01T00:00:00Z"
        digest = digest or password_digest(nonce, created, password)
        header = (f'<s:Header><wsse:Security xmlns:wsse="{NS_WSSE}" xmlns:wsu="{NS_WSU}">'
                  f"<wsse:UsernameToken><wsse:Username>{user}</wsse:Username>"
                  f'<wsse:Password Type="{PASSWORD_DIGEST}">{digest}</wsse:Password>'
                  f"<wsse:Nonce>{base64.b64encode(nonce).decode()}</wsse:Nonce>"
                  f"<wsu:Created>{created}</wsu:Created></wsse:UsernameToken></wsse:Security>"
                  "</s:Header>")
    return (f'<?xml version="1.0"?><s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope"'
            f' xmlns:m="{ns}">{header}<s:Body><m:{call}/></s:Body></s:Envelope>').encode()


def root_of(reply: onvif.SoapReply) -> Element:
    root, problem = parse_xml(reply.body)
    assert root is not None, problem
    return root


def subcode(reply: onvif.SoapReply) -> str:
    return [text_of(v) for v in find_all(root_of(reply), "Value")][-1]


@pytest.mark.parametrize("call", ["GetSystemDateAndTime", "GetCapabilities", "GetServices"])
def test_pre_authentication_calls_need_no_token(call: str) -> None:
    reply = onvif.answer(SPEC, onvif.DEVICE_PATH, envelope(call), VALUES)
    assert reply.status == 200
    assert any(local(e.tag) == f"{call}Response" for e in root_of(reply).iter())


def test_services_point_at_the_device_and_media_paths() -> None:
    root = root_of(onvif.answer(SPEC, onvif.DEVICE_PATH, envelope("GetServices"), VALUES))
    assert [text_of(x) for x in find_all(root, "XAddr")] == [
        "http://127.68.0.1/onvif/device_service", "http://127.68.0.1/onvif/media_service"]


@pytest.mark.parametrize("token", [None, "someone-else", "wrong-password", "bad-digest"])
def test_device_information_without_the_right_token_is_not_authorized(token: str | None
                                                                       ) -> None:
    user = {None: None, "someone-else": "admin"}.get(token, LAB_USER)
    body = envelope("GetDeviceInformation", user=user,
                    password="nope" if token == "wrong-password" else LAB_PASSWORD,
                    digest="AAAA" if token == "bad-digest" else None)
    reply = onvif.answer(SPEC, onvif.DEVICE_PATH, body, VALUES)
    assert (reply.status, subcode(reply)) == (400, "ter:NotAuthorized")


def test_device_information_with_the_lab_token() -> None:
    reply = onvif.answer(SPEC, onvif.DEVICE_PATH, envelope("GetDeviceInformation", user=LAB_USER),
                         VALUES)
    fields = {local(e.tag): text_of(e) for e in root_of(reply).iter()}
    assert reply.status == 200
    assert (fields["Manufacturer"], fields["Model"], fields["SerialNumber"],
            fields["FirmwareVersion"], fields["HardwareId"]) == (
        "HIKVISION", VALUES["model"], VALUES["serial"], VALUES["firmware"], "88")


def test_open_device_information_is_the_exposure_case() -> None:
    spec = OnvifSpec(80, "Dahua", "1.00", open_device_information=True)
    assert onvif.answer(spec, onvif.DEVICE_PATH, envelope("GetDeviceInformation"),
                        VALUES).status == 200
    assert onvif.answer(spec, onvif.DEVICE_PATH, envelope("GetNetworkInterfaces"),
                        VALUES).status == 400


def test_network_interfaces_and_two_media_profiles_with_the_token() -> None:
    nics = root_of(onvif.answer(SPEC, onvif.DEVICE_PATH,
                                envelope("GetNetworkInterfaces", user=LAB_USER), VALUES))
    assert [text_of(e) for e in find_all(nics, "HwAddress")] == [VALUES["mac"]]
    profiles = root_of(onvif.answer(SPEC, onvif.MEDIA_PATH,
                                    envelope("GetProfiles", onvif.NS_MEDIA, user=LAB_USER),
                                    VALUES))
    assert [p.get("token") for p in find_all(profiles, "Profiles")] == ["Profile_1", "Profile_2"]


@pytest.mark.parametrize(("path", "body", "status", "code"), [
    (onvif.DEVICE_PATH, envelope("SystemReboot", user=LAB_USER), 500, "ter:ActionNotSupported"),
    (onvif.MEDIA_PATH, envelope("GetServices"), 500, "ter:ActionNotSupported"),
    (onvif.DEVICE_PATH, envelope("GetProfiles", onvif.NS_MEDIA), 500, "ter:ActionNotSupported"),
    (onvif.DEVICE_PATH, b"<not-xml", 400, "ter:WellFormed"),
    (onvif.DEVICE_PATH, b'<!DOCTYPE x [<!ENTITY a "b">]><x>&a;</x>', 400, "ter:WellFormed"),
])
def test_other_calls_and_garbage_get_faults(path: str, body: bytes, status: int,
                                            code: str) -> None:
    reply = onvif.answer(SPEC, path, body, VALUES)
    assert (reply.status, subcode(reply)) == (status, code)


def test_without_a_spec_only_pre_authentication_calls_are_answered() -> None:
    assert onvif.answer(None, onvif.DEVICE_PATH, envelope("GetServices"), VALUES).status == 200
    reply = onvif.answer(None, onvif.DEVICE_PATH,
                         envelope("GetDeviceInformation", user=LAB_USER), VALUES)
    assert subcode(reply) == "ter:ActionNotSupported"
