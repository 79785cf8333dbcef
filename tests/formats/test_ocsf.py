"""OCSF Device Inventory Info events: valid against the class's JSON Schema, and mapped right.

The schema (tests/data/ocsf/, its README says how it was generated) is OCSF 1.5.0's class 5001
with every object embedded and ``additionalProperties: false``: a misspelt or misplaced field
fails here, not in a customer's SIEM.
"""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

from camaudit.formats import ocsf
from camaudit.formats.nmap_xml import parse, to_devices
from camaudit.model import Device, Exposure, Port, Risk, Verdict

DATA = Path(__file__).parent.parent / "data"
SCHEMA = DATA / "ocsf" / f"inventory_info-{ocsf.OCSF_VERSION}.schema.json"
META = {"time": "2026-01-02T03:04:05Z", "site": "hq"}

CAMERA = Device(
    ip="10.0.0.5", mac="68:6d:bc:ee:f8:f0", hostnames=("cam-lobby",),
    ports=(Port(80, "tcp", "http"), Port(554, "tcp", "rtsp")), maker="Hikvision", brand="LTS",
    relabeled=True, model="DS-2CD2042WD-I", firmware="V5.4.5 build 170124", serial="DS-1234",
    device_type="ip-camera", confidence=0.99,
    verdicts=(Verdict("ndaa-889", "covered", "maker Hikvision", ("FAR 52.204-25",)),
              Verdict("uk-sensitive-sites", "covered", "maker Hikvision", ())),
    risks=(Risk("CVE-2021-36260", "affected", "firmware in range", kev="2022-01-10"),),
    exposures=(Exposure("telnet-open", "high", "telnet answered"),),
    first_seen="2026-01-01T00:00:00Z", last_seen="2026-01-02T00:00:00Z")


@pytest.fixture(scope="module")
def validator() -> jsonschema.Draft202012Validator:
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker())


def _errors(validator: jsonschema.Draft202012Validator, event: dict[str, object]) -> list[str]:
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}"
            for e in validator.iter_errors(event)]


def test_the_schema_is_the_class_this_module_writes() -> None:
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    assert schema["properties"]["class_uid"]["const"] == ocsf.CLASS_UID == 5001
    assert schema["properties"]["category_uid"]["const"] == ocsf.CATEGORY_UID == 5
    assert ocsf.OCSF_VERSION in schema["$id"]


def test_every_event_of_a_real_import_validates(
        validator: jsonschema.Draft202012Validator) -> None:
    run = parse((DATA / "nmap" / "lab-sV-scripts.xml").read_bytes())
    devices = to_devices(run.hosts)
    lines = ocsf.render(devices, META).splitlines()
    assert len(lines) == len(devices) == 15
    for line in lines:
        event = json.loads(line)
        assert _errors(validator, event) == [], event["device"]["ip"]


@pytest.mark.parametrize("device", [
    CAMERA,
    Device(ip="10.0.0.9/ch3", recorder="10.0.0.9", channel=3, segment_ip="192.168.254.3"),
    Device(ip="10.0.0.10/ch1", recorder="10.0.0.10", channel=1),
    Device(ip="fe80::1", mac="not a mac", device_type="router", last_seen="garbage"),
    Device(ip="10.0.0.11", device_type="nas", maker="Synology",
           verdicts=(Verdict("ndaa-889", "not-covered", "x"),)),
], ids=["camera", "recorder-channel", "channel-no-segment", "odd-values", "server"])
def test_events_validate_for_every_shape_of_record(
        validator: jsonschema.Draft202012Validator, device: Device) -> None:
    assert _errors(validator, ocsf.event(device, META)) == []


def test_a_camera_maps_to_the_class_fields() -> None:
    event = ocsf.event(CAMERA, META)
    assert (event["class_uid"], event["category_uid"], event["activity_id"],
            event["type_uid"]) == (5001, 5, 2, 500102)
    assert event["metadata"]["version"] == "1.5.0"
    assert event["metadata"]["product"]["name"] == "camaudit"
    assert event["time"] == 1767312000000  # last_seen, in milliseconds
    dev = event["device"]
    assert dev["ip"] == "10.0.0.5" and dev["mac"] == "68:6d:bc:ee:f8:f0"
    assert dev["hostname"] == "cam-lobby" and dev["name"] == "10.0.0.5"
    assert (dev["type_id"], dev["type"]) == (7, "IOT")
    assert dev["vendor_name"] == "Hikvision" and dev["model"] == "DS-2CD2042WD-I"
    assert dev["hw_info"] == {"serial_number": "DS-1234", "vendor_name": "Hikvision"}
    assert dev["os"]["version"] == "V5.4.5 build 170124"
    assert dev["is_compliant"] is False
    assert dev["first_seen_time"] == 1767225600000
    assert "labelled LTS" in dev["desc"] and "covered by ndaa-889" in event["message"]
    assert (event["severity_id"], event["severity"]) == (4, "High")
    assert {(o["type_id"], o["value"]) for o in event["observables"]} == {
        (2, "10.0.0.5"), (3, "68:6d:bc:ee:f8:f0"), (1, "cam-lobby")}
    # nothing is lost: the whole device record rides along
    assert event["unmapped"]["camaudit"] == json.loads(json.dumps(CAMERA.to_json()))


def test_severity_follows_verdicts_exposures_and_risks() -> None:
    def sev(**kw: object) -> int:
        return ocsf.severity_id(Device(ip="10.0.0.1", **kw))  # type: ignore[arg-type]

    assert sev(verdicts=(Verdict("p", "covered", ""),)) == 4
    assert sev(verdicts=(Verdict("p", "possible", ""),)) == 3
    assert sev(exposures=(Exposure("x", "high", ""),)) == 3
    assert sev(risks=(Risk("CVE-1", "affected", "", kev="2024-01-01"),)) == 3
    assert sev(risks=(Risk("CVE-1", "affected", ""),)) == 2
    assert sev(exposures=(Exposure("x", "low", ""),)) == 2
    assert sev(risks=(Risk("CVE-1", "possible", "", kev="2024-01-01"),)) == 1
    assert sev(verdicts=(Verdict("p", "not-covered", ""),)) == 1


def test_compliance_is_said_only_when_known() -> None:
    def compliant(*statuses: str) -> object:
        d = Device(ip="10.0.0.1", verdicts=tuple(Verdict(f"p{i}", s, "")
                                                  for i, s in enumerate(statuses)))
        return ocsf.event(d, META)["device"].get("is_compliant")

    assert compliant("not-covered", "not-covered") is True
    assert compliant("not-covered", "covered") is False
    assert compliant("not-covered", "unknown") is None
    assert compliant() is None


def test_a_recorder_channel_is_named_by_its_record_address() -> None:
    event = ocsf.event(Device(ip="10.0.0.9/ch3", segment_ip="192.168.254.3"), META)
    assert event["device"]["name"] == "10.0.0.9/ch3"
    assert event["device"]["ip"] == "192.168.254.3"
    assert ocsf.event(Device(ip="10.0.0.9/ch3"), META)["device"].get("ip") is None
    assert ocsf.event(Device(ip="10.0.0.9/ch3"), META)["time"] == 1767323045000


def test_render_is_one_event_per_line() -> None:
    text = ocsf.render([CAMERA, Device(ip="10.0.0.6")], META)
    assert text.endswith("\n") and len(text.splitlines()) == 2
    assert ocsf.render([], META) == ""


def test_the_schema_does_reject_a_misplaced_field(
        validator: jsonschema.Draft202012Validator) -> None:
    event = ocsf.event(CAMERA, META)
    event["device"]["serial_number"] = "DS-1234"  # belongs in device.hw_info
    assert _errors(validator, event)
