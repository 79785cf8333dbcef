from __future__ import annotations

from camaudit.fingerprints.matcher import Matcher, default_matcher
from camaudit.fingerprints.schema import parse_rule_file
from camaudit.model import Observation

TEXT = """\
matches: http.header.server
rules:
  - id: first
    pattern: '^uc-httpd[ /]([\\d.]+)$'
    grade: firmware
    source: t
    set: {hw.maker: Xiongmai}
    capture: {1: service.version}
    examples: [{value: uc-httpd 1.0.0}]
  - id: second
    pattern: 'httpd'
    grade: port
    source: t
    set: {hw.maker: Dahua}
    examples: [{value: httpd}]
"""


def test_first_matching_rule_wins_and_captures_fill_fields() -> None:
    m = Matcher(parse_rule_file(TEXT, "http.header.server.yaml"))
    hit = m.match(Observation("http.header.server", "uc-httpd 1.0.0", "tcp/80 GET /"))
    assert hit is not None
    assert hit.rule == "first"
    assert hit.get("hw.maker") == "Xiongmai"
    assert hit.get("service.version") == "1.0.0"
    assert hit.source == "tcp/80 GET /"
    other = m.match(Observation("http.header.server", "some httpd"))
    assert other is not None and other.rule == "second"


def test_other_keys_and_non_matching_values_give_nothing() -> None:
    m = Matcher(parse_rule_file(TEXT, "http.header.server.yaml"))
    assert m.match(Observation("rtsp.server", "uc-httpd 1.0.0")) is None
    assert m.match_all([Observation("http.header.server", "nginx")]) == []


def test_default_matcher_knows_shipped_rules() -> None:
    hit = default_matcher().match(Observation("http.header.server", "DNVRS-Webs"))
    assert hit is not None and hit.get("hw.maker") == "Hikvision"
