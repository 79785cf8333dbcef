"""CycloneDX hardware BOM: valid under cyclonedx-python-lib's strict JSON validator, and mapped
right (devices, firmware, properties, vulnerabilities)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cyclonedx.schema import SchemaVersion
from cyclonedx.validation.json import JsonStrictValidator

from camaudit.formats import cyclonedx
from camaudit.formats.nmap_xml import parse, to_devices
from camaudit.model import Device, Exposure, Port, Risk, Verdict

FIXTURE = Path(__file__).parent.parent / "data" / "nmap" / "lab-sV-scripts.xml"
META = {"time": "2026-01-02T03:04:05Z", "site": "hq"}

CAMERA = Device(
    ip="10.0.0.5", mac="68:6d:bc:ee:f8:f0", hostnames=("cam-lobby",),
    ports=(Port(80, "tcp", "http"), Port(554, "tcp", "rtsp")), maker="Hikvision", brand="LTS",
    relabeled=True, model="DS-2CD2042WD-I", firmware="V5.4.5 build 170124", serial="DS-1234",
    device_type="ip-camera", confidence=0.99,
    verdicts=(Verdict("ndaa-889", "covered", "maker Hikvision"),
              Verdict("uk-sensitive-sites", "not-covered", "x")),
    risks=(Risk("CVE-2021-36260", "affected", "in range", kev="2022-01-10", title="command "
                "injection"), Risk("CVE-2017-7921", "possible", "maker only")),
    exposures=(Exposure("telnet-open", "high", "telnet answered"),),
    first_seen="2026-01-01T00:00:00Z", last_seen="2026-01-02T00:00:00Z")
NVR = Device(ip="10.0.0.6", maker="Dahua", device_type="nvr",
             risks=(Risk("CVE-2021-36260", "possible", "b"),))
CHANNEL = Device(ip="10.0.0.6/ch2", recorder="10.0.0.6", channel=2)


def _validate(text: str, version: SchemaVersion) -> None:
    error = JsonStrictValidator(version).validate_str(text)
    assert error is None, error


@pytest.mark.parametrize("version", [SchemaVersion.V1_6, SchemaVersion.V1_7])
def test_a_real_import_validates(version: SchemaVersion) -> None:
    devices = to_devices(parse(FIXTURE.read_bytes()).hosts)
    _validate(cyclonedx.render(devices, META, version), version)


@pytest.mark.parametrize("devices", [[CAMERA, NVR, CHANNEL], [], [Device(ip="10.0.0.1")]],
                         ids=["mixed", "empty", "bare"])
def test_every_shape_of_record_validates(devices: list[Device]) -> None:
    _validate(cyclonedx.render(devices, META), SchemaVersion.V1_6)


def test_the_default_is_spec_1_6_dated_by_the_scan() -> None:
    doc = json.loads(cyclonedx.render([CAMERA], META))
    assert doc["bomFormat"] == "CycloneDX" and doc["specVersion"] == "1.6"
    assert doc["serialNumber"].startswith("urn:uuid:")
    assert doc["metadata"]["timestamp"].startswith("2026-01-02T03:04:05")
    assert doc["metadata"]["tools"]["components"][0]["name"] == "camaudit"
    assert {"name": "camaudit:site", "value": "hq"} in doc["metadata"]["properties"]


def test_a_device_is_a_device_component_with_its_firmware_inside() -> None:
    doc = json.loads(cyclonedx.render([CAMERA], META))
    (comp,) = doc["components"]
    assert comp["type"] == "device" and comp["bom-ref"] == "device:10.0.0.5"
    assert comp["name"] == "DS-2CD2042WD-I"
    assert comp["manufacturer"] == {"name": "Hikvision"}
    assert comp["supplier"] == {"name": "LTS"}
    assert "labelled LTS" in comp["description"]
    (fw,) = comp["components"]
    assert (fw["type"], fw["name"], fw["version"]) == (
        "firmware", "Hikvision firmware", "V5.4.5 build 170124")
    props = {(p["name"], p["value"]) for p in comp["properties"]}
    assert {("camaudit:serial", "DS-1234"), ("camaudit:ip", "10.0.0.5"),
            ("camaudit:mac", "68:6d:bc:ee:f8:f0"), ("camaudit:brand", "LTS"),
            ("camaudit:relabeled", "true"), ("camaudit:confidence", "0.99"),
            ("camaudit:device_type", "ip-camera"), ("camaudit:port", "80/tcp"),
            ("camaudit:port", "554/tcp"), ("camaudit:verdict:ndaa-889", "covered"),
            ("camaudit:verdict:uk-sensitive-sites", "not-covered"),
            ("camaudit:exposure:telnet-open", "high"),
            ("camaudit:risk:CVE-2021-36260", "affected"),
            ("camaudit:risk:CVE-2017-7921", "possible")} <= props


def test_without_a_model_the_name_says_maker_and_type() -> None:
    doc = json.loads(cyclonedx.render([NVR, Device(ip="10.0.0.1")], META))
    assert [c["name"] for c in doc["components"]] == ["Dahua nvr", "unknown device"]
    assert "manufacturer" not in doc["components"][1]


def test_each_cve_is_one_vulnerability_affecting_every_device_it_touches() -> None:
    doc = json.loads(cyclonedx.render([CAMERA, NVR], META))
    vulns = {v["id"]: v for v in doc["vulnerabilities"]}
    assert set(vulns) == {"CVE-2021-36260", "CVE-2017-7921"}
    v = vulns["CVE-2021-36260"]
    assert v["source"]["url"] == "https://nvd.nist.gov/vuln/detail/CVE-2021-36260"
    assert {"name": "camaudit:kev", "value": "2022-01-10"} in v["properties"]
    affects = {a["ref"]: a.get("versions") for a in v["affects"]}
    # the camera's firmware version is in the affected range; the NVR's firmware is unknown
    assert affects["firmware:10.0.0.5"] == [{"version": "V5.4.5 build 170124",
                                             "status": "affected"}]
    assert affects["device:10.0.0.6"] is None
    assert vulns["CVE-2017-7921"]["affects"][0]["versions"][0]["status"] == "unknown"


def test_the_validator_does_reject_a_wrong_document() -> None:
    doc = json.loads(cyclonedx.render([CAMERA], META))
    doc["components"][0]["type"] = "camera"
    assert JsonStrictValidator(SchemaVersion.V1_6).validate_str(json.dumps(doc)) is not None
