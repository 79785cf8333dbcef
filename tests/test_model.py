from __future__ import annotations

import json

from camaudit.model import GRADES, Device, Evidence, Match, Port, ProbeError, Verdict


def test_grades_are_ordered_strongest_first() -> None:
    weights = list(GRADES.values())
    assert weights == sorted(weights, reverse=True)
    assert next(iter(GRADES)) == "protocol"


def test_match_get_reads_fields() -> None:
    m = Match("r", "k", "v", "s", "firmware", 0.85, (("hw.maker", "Dahua"),))
    assert m.get("hw.maker") == "Dahua" and m.get("hw.model") is None


def test_device_record_is_plain_json() -> None:
    d = Device(ip="127.0.0.1", ports=(Port(554, "tcp", "rtsp"),),
               evidence=(Evidence("tcp/554 RTSP OPTIONS", "rtsp.server", "x", "rule"),),
               errors=(ProbeError("tcp/80 GET /", "timeout"),),
               verdicts=(Verdict("ndaa-889", "unknown", "no maker", ("FAR 52.204-25",)),))
    rec = json.loads(json.dumps(d.to_json()))
    assert rec["ports"] == [{"port": 554, "proto": "tcp", "service": "rtsp"}]
    assert rec["verdicts"][0]["references"] == ["FAR 52.204-25"]
    assert set(rec) >= {"ip", "mac", "hostnames", "ports", "maker", "brand", "relabeled", "model",
                        "firmware", "serial", "device_type", "confidence", "evidence", "verdicts",
                        "risks", "egress", "first_seen", "last_seen"}
