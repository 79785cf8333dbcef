from __future__ import annotations

import base64
import hashlib
import socket
from collections.abc import Iterator

import pytest
from tests.screening.test_device import PASSWORD, USER, _Camera, serve_camera, soap, soap_fault

from camaudit.screening import device, onvif
from camaudit.screening.rules import DevicePath
from camaudit.screening.scan import Screener, Skipped

# GetServices lists the services at their own paths; the analytics XAddr names another host,
# of which only the path may be used.
SERVICES = (
    "<Service><Namespace>http://www.onvif.org/ver10/device/wsdl</Namespace>"
    "<XAddr>http://127.0.0.1/onvif/device_service</XAddr></Service>"
    "<Service><Namespace>http://www.onvif.org/ver10/media/wsdl</Namespace>"
    "<XAddr>http://127.0.0.1/onvif/Media</XAddr></Service>"
    "<Service><Namespace>http://www.onvif.org/ver20/analytics/wsdl</Namespace>"
    "<XAddr>http://192.0.2.7/onvif/Analytics</XAddr></Service>")
CONFIGS = ('<Configurations token="VideoAnalyticsToken"><tt:Name>VA</tt:Name>'
           "</Configurations>")
# Synthetic module descriptions: one advertising ethnicity among face attributes, one plain.
FACE_MODULE = (
    '<tt:AnalyticsModuleDescription Name="tt:FaceAttributeRecognition">'
    '<tt:Parameters><tt:SimpleItemDescription Name="Sensitivity" Type="xs:int"/></tt:Parameters>'
    '<tt:Messages IsProperty="false"><tt:Source><tt:SimpleItemDescription '
    'Name="VideoSourceConfigurationToken" Type="tt:ReferenceToken"/></tt:Source><tt:Data>'
    '<tt:SimpleItemDescription Name="AgeGroup" Type="xs:string"/>'
    '<tt:SimpleItemDescription Name="Ethnicity" Type="xs:string"/></tt:Data>'
    "<tt:ParentTopic>tns1:RuleEngine/FaceAttributes</tt:ParentTopic></tt:Messages>"
    "</tt:AnalyticsModuleDescription>")
MOTION_MODULE = (
    '<tt:AnalyticsModuleDescription Name="tt:CellMotionEngine">'
    '<tt:Parameters><tt:SimpleItemDescription Name="Sensitivity" Type="xs:int"/>'
    '<tt:ElementItemDescription Name="Layout" Type="tt:CellLayout"/></tt:Parameters>'
    '<tt:Messages IsProperty="true"><tt:Data><tt:SimpleItemDescription Name="IsMotion" '
    'Type="xs:boolean"/></tt:Data><tt:ParentTopic>tns1:RuleEngine/CellMotionDetector/Motion'
    "</tt:ParentTopic></tt:Messages></tt:AnalyticsModuleDescription>")
RULES = ('<tt:RuleDescription Name="tt:LineDetector"><tt:Parameters><tt:ElementItemDescription '
         'Name="Segments" Type="tt:Polyline"/></tt:Parameters></tt:RuleDescription>')
CALLS = ["GetServices", "GetAnalyticsConfigurations", "GetSupportedAnalyticsModules",
         "GetSupportedRules"]


def _answers(modules: str) -> dict[str, str]:
    return {"GetServices": SERVICES, "GetAnalyticsConfigurations": CONFIGS,
            "GetSupportedAnalyticsModules": f"<SupportedAnalyticsModules>{modules}"
                                            "</SupportedAnalyticsModules>",
            "GetSupportedRules": f"<SupportedRules>{RULES}</SupportedRules>"}


@pytest.fixture
def camera() -> Iterator[tuple[str, type[_Camera]]]:
    with serve_camera() as cam:
        yield cam


def test_password_digest_is_the_ws_security_formula() -> None:
    nonce, created = b"0123456789abcdef", "2026-11-26T12:00:00Z"
    want = base64.b64encode(hashlib.sha1(nonce + created.encode() + b"pw").digest()).decode()
    assert onvif.password_digest(nonce, created, "pw") == want
    request = onvif.build_request("GetSupportedRules", "op<&>", "pw", "tok&1", nonce=nonce,
                                  created=created)
    assert want.encode() in request and b"pw<" not in request and b">pw" not in request
    assert b"op&lt;&amp;&gt;" in request and b"tok&amp;1" in request
    with pytest.raises(ValueError, match="read-only"):
        onvif.build_request("SetSystemFactoryDefault", "op", "pw")


def test_advertising_module_is_flagged_and_named_by_its_call(
        camera: tuple[str, type[_Camera]]) -> None:
    url, handler = camera
    handler.onvif = _answers(FACE_MODULE + MOTION_MODULE)
    docs, skipped = onvif.fetch(url, USER, PASSWORD)
    assert skipped == []
    assert handler.posts == [("/onvif/device_service", "GetServices"),
                             ("/onvif/Media", "GetAnalyticsConfigurations"),
                             ("/onvif/Analytics", "GetSupportedAnalyticsModules"),
                             ("/onvif/Analytics", "GetSupportedRules")]
    assert set(handler.methods) == {"POST"}
    assert [d.url for d in docs] == [f"{url}/onvif/Analytics#GetSupportedAnalyticsModules",
                                     f"{url}/onvif/Analytics#GetSupportedRules"]
    assert b"tt:LineDetector parameter Segments" in docs[1].body
    findings = device.screen_documents(Screener(workers=1), docs)
    assert {(f.path, f.rule, f.matched) for f in findings} == {
        (docs[0].url, "ethnicity-face-attribute", "Ethnicity")}
    assert PASSWORD not in repr(findings) + repr(docs) + repr(skipped)


def test_plain_module_is_clean(camera: tuple[str, type[_Camera]]) -> None:
    url, handler = camera
    handler.onvif = _answers(MOTION_MODULE)
    docs, skipped = onvif.fetch(url, USER, PASSWORD)
    assert len(docs) == 2 and skipped == []
    assert b"tt:CellMotionEngine parameter Layout" in docs[0].body
    assert device.screen_documents(Screener(workers=1), docs) == []


def test_http_digest_when_the_device_answers_401(camera: tuple[str, type[_Camera]]) -> None:
    url, handler = camera
    handler.onvif, handler.onvif_auth = _answers(FACE_MODULE), "digest"
    docs, skipped = onvif.fetch(url, USER, PASSWORD)
    assert skipped == [] and len(docs) == 2
    assert [c for _, c in handler.posts] == [c for call in CALLS for c in (call, call)]
    docs, skipped = onvif.fetch(url, USER, "wrong-digest")
    assert docs == [] and [s.reason for s in skipped] == ["credentials refused"]
    assert "wrong-digest" not in repr(skipped)


def test_one_digest_handler_keeps_the_nonce_count_rising(
        camera: tuple[str, type[_Camera]]) -> None:
    url, handler = camera
    handler.onvif, handler.onvif_auth, handler.strict_nc = _answers(MOTION_MODULE), "digest", True
    paths = [DevicePath(f"/p{i}", "Hikvision", "test") for i in range(8)]
    handler.documents = {p.path: b"text" for p in paths}
    digest = device.digest_handler(url, USER, PASSWORD)
    assert len(device.fetch(url, USER, PASSWORD, paths, digest=digest)[0]) == 8
    docs, skipped = onvif.fetch(url, USER, PASSWORD, digest=digest)
    assert len(docs) == 2 and skipped == []
    # a fresh handler starts counting at 1 again, which the device takes for a replay, and
    # urllib gives up after a few counts
    docs, skipped = onvif.fetch(url, USER, PASSWORD)
    assert docs == [] and [s.reason for s in skipped] == ["credentials refused"]


def test_wrong_password_is_refused_without_the_password(
        camera: tuple[str, type[_Camera]]) -> None:
    url, handler = camera
    handler.onvif = _answers(FACE_MODULE)
    docs, skipped = onvif.fetch(url, USER, "wrong-one")
    assert docs == []
    assert [(s.path, s.reason) for s in skipped] == [
        (f"{url}/onvif/device_service#GetServices", "credentials refused")]
    assert "wrong-one" not in repr(skipped) and handler.posts == [
        ("/onvif/device_service", "GetServices")]


def test_soap_fault_action_not_supported_is_a_note(camera: tuple[str, type[_Camera]]) -> None:
    url, handler = camera
    answers = _answers(FACE_MODULE)
    del answers["GetSupportedRules"], answers["GetServices"]
    handler.onvif = answers
    docs, skipped = onvif.fetch(url, USER, PASSWORD)
    # GetServices faulted: the usual service paths are used
    assert [p for p, _ in handler.posts] == ["/onvif/device_service", "/onvif/media_service",
                                             "/onvif/analytics_service",
                                             "/onvif/analytics_service"]
    assert [d.url for d in docs] == [f"{url}/onvif/analytics_service"
                                     "#GetSupportedAnalyticsModules"]
    assert [(s.path, s.reason) for s in skipped] == [
        (f"{url}/onvif/analytics_service#GetSupportedRules",
         "no ONVIF analytics (SOAP fault ActionNotSupported)")]


@pytest.mark.parametrize(("answers", "reason"), [
    ({}, "no ONVIF analytics (HTTP 404)"),
    ({"GetServices": SERVICES.split("<Service><Namespace>http://www.onvif.org/ver20")[0]},
     "no ONVIF analytics (no analytics service listed)"),
])
def test_device_without_analytics_is_a_note(camera: tuple[str, type[_Camera]],
                                            answers: dict[str, str], reason: str) -> None:
    url, handler = camera
    handler.onvif = answers
    assert onvif.fetch(url, USER, PASSWORD) == (
        [], [Skipped(f"{url}/onvif/device_service#GetServices", reason)])


def test_no_analytics_configuration_is_a_note(camera: tuple[str, type[_Camera]]) -> None:
    url, handler = camera
    handler.onvif = {**_answers(FACE_MODULE), "GetAnalyticsConfigurations": ""}
    docs, skipped = onvif.fetch(url, USER, PASSWORD)
    assert docs == [] and [s.reason for s in skipped] == [
        "no ONVIF analytics (no VideoAnalyticsConfiguration)"]


def test_connection_refused_is_a_note() -> None:
    with socket.socket() as sock:  # a port that was free a moment ago and now has no listener
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    docs, skipped = onvif.fetch(f"http://127.0.0.1:{port}", USER, PASSWORD, timeout=2)
    assert docs == [] and len(skipped) == 1
    assert skipped[0].reason == "no ONVIF analytics (Connection refused)"
    assert PASSWORD not in repr(skipped)


@pytest.mark.parametrize("data", [
    b"", b"<a", b"\xff" * 40, b"<!DOCTYPE a [<!ENTITY x 'y'>]><a>&x;</a>",
    b"<a>" * 5000, b" " * (onvif.MAX_XML + 1)])
def test_hostile_replies_never_raise(data: bytes) -> None:
    reply = onvif.parse_reply(data)
    assert reply.root is None and reply.problem


def test_fault_subcode_and_bounded_text() -> None:
    reply = onvif.parse_reply(soap_fault("Receiver", "ActionNotSupported"))
    assert reply.fault == "ActionNotSupported" and reply.root is None
    long_name = "N" * 5000
    root = onvif.parse_reply(soap(
        f'<R><tt:RuleDescription Name="{long_name}"/></R>').encode()).root
    assert root is not None
    assert onvif.descriptions_text(root) == "RuleDescription " + "N" * 200
    assert onvif.first_token(root) is None and onvif.service_paths(root) == {}
