from __future__ import annotations

import json

import pytest

from camaudit.model import (
    Device,
    EgressFinding,
    Evidence,
    Port,
    ProbeError,
    Risk,
    ScreeningFinding,
    Verdict,
)
from camaudit.records import device_from_record

FULL = Device(
    ip="127.0.0.7", mac="68:6d:bc:00:00:01", hostnames=("cam.local",),
    ports=(Port(80, "tcp", "http"),), maker="Hikvision", brand="LTS", relabeled=True,
    model="DS-2CD2385G1-I", firmware="V5.5.6", serial="SN1", device_type="ip-camera",
    confidence=0.97, evidence=(Evidence("tcp/80 GET /", "http.header.server", "DNVRS-Webs",
                                        "hikvision-webs"),),
    errors=(ProbeError("tcp/554 RTSP OPTIONS", "timeout after 2.0s"),),
    verdicts=(Verdict("ndaa-889", "covered", "maker Hikvision", ("FAR 52.204-25",)),),
    first_seen="2026-01-01T00:00:00Z", last_seen="2026-01-02T00:00:00Z",
    egress=(EgressFinding.from_json({"destination": "x", "bytes_out": 1}, "127.0.0.7"),),
    screening=(ScreeningFinding.from_json({
                "path": "http://127.0.0.7/ISAPI/Smart/capabilities", "page": None,
                "offset": None, "encoding": None, "where": "/SmartCap/race", "rule": "r",
                "severity": "high", "grade": "B", "matched": "race", "near": "face",
                "context": "face race", "source": "facts"}),),
    risks=(Risk("CVE-2021-36260", "possible", "maker Hikvision", kev="2022-01-10"),),
)


def test_round_trip_through_json_keeps_everything() -> None:
    assert device_from_record(json.loads(json.dumps(FULL.to_json()))) == FULL


@pytest.mark.parametrize(
    ("record", "error"),
    [
        ({"maker": "Dahua"}, KeyError),
        ({"ip": "x", "evidence": {"rule": "r"}}, TypeError),
        ({"ip": "x", "errors": ["timeout"]}, TypeError),
        ({"ip": "x", "confidence": "high"}, TypeError),
        ({"ip": "x", "ports": [{"port": "eighty"}]}, ValueError),
        ([], TypeError),
    ],
)
def test_wrong_shapes_raise_for_the_caller_to_name(record: object, error: type) -> None:
    with pytest.raises(error):
        device_from_record(record)  # type: ignore[arg-type]
