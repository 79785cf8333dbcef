from __future__ import annotations

from camaudit.model import Device, Evidence, Port
from camaudit.reports import REPORTERS

DEV = Device(ip="127.0.0.9", ports=(Port(80, "tcp", "http"),), maker="Dahua", brand="Lorex",
             relabeled=True, model="=HYPERLINK(\"x\")", confidence=0.9,
             evidence=(Evidence("tcp/80 GET /", "http.title", "[bold]WEB SERVICE[/]", "t"),))


def test_table_shows_device_strings_literally() -> None:
    out = REPORTERS["table"]([DEV], {})
    assert "Lorex" in out and "127.0.0.9" in out and "HYPERLINK" in out
