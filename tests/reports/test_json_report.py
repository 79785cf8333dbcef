from __future__ import annotations

import json

from camaudit.model import Device, Evidence, Port
from camaudit.reports import REPORTERS

DEV = Device(ip="127.0.0.9", ports=(Port(80, "tcp", "http"),), maker="Dahua", brand="Lorex",
             relabeled=True, model="=HYPERLINK(\"x\")", confidence=0.9,
             evidence=(Evidence("tcp/80 GET /", "http.title", "[bold]WEB SERVICE[/]", "t"),))


def test_registry_has_every_scan_format() -> None:
    assert set(REPORTERS) == {"table", "json", "jsonl", "csv", "html", "ocsf", "cyclonedx",
                              "netbox"}



def test_json_document_and_lines_round_trip() -> None:
    doc = json.loads(REPORTERS["json"]([DEV], {"hosts": 1}))
    assert doc["scan"] == {"hosts": 1}
    assert doc["devices"][0]["brand"] == "Lorex" and doc["devices"][0]["relabeled"] is True
    lines = REPORTERS["jsonl"]([DEV, DEV], {}).splitlines()
    assert len(lines) == 2 and json.loads(lines[1])["ip"] == "127.0.0.9"
