from __future__ import annotations

from pathlib import Path

import pytest

from camaudit.errors import UsageError
from camaudit.jsonfile import parse, read_text


@pytest.mark.parametrize(("text", "message"), [
    ('{"devices": [{"ip": "1.2.3.4", "confidence": NaN}]}',
     "scan.json: devices[0].confidence: NaN is not a number JSON allows"),
    ('{"devices": [{"confidence": -Infinity}]}', "devices[0].confidence: -Infinity is not"),
    ('{"devices": [{"confidence": 1e400}]}', "devices[0].confidence: number out of range"),
    ('{"ports": [' + "9" * 5000 + "]}", "ports[0]: 999999999999... (5000 digits) is longer"),
    ('{"brand": "\\ud800"}', "brand: text holds a lone surrogate (\\ud800)"),
    ('{"\\udc00": 1}', "document: text holds a lone surrogate"),
    ("[" * 100_000 + "]" * 100_000, "scan.json: JSON nested deeper than 64 levels"),
    ("[" * 200 + "]" * 200, "scan.json: JSON nested deeper than 64 levels"),
])
def test_hostile_json_is_a_one_line_usage_error(text: str, message: str) -> None:
    with pytest.raises(UsageError) as e:
        parse(text, "scan.json")
    assert message in str(e.value) and "\n" not in str(e.value)
    assert len(str(e.value)) < 200


def test_good_json_passes_unchanged() -> None:
    doc = parse('{"a": [1, -2.5e3, "\\ud83d\\ude00", null, true], "b c": {}}', "x")
    assert doc == {"a": [1, -2500.0, "\U0001f600", None, True], "b c": {}}


def test_read_text_accepts_a_bom_and_is_bounded(tmp_path: Path) -> None:
    path = tmp_path / "scan.json"
    path.write_bytes(b'\xef\xbb\xbf{"devices": []}')
    assert read_text(path) == '{"devices": []}'
    with pytest.raises(UsageError, match="^/dev/zero: scan file is larger than 4096 bytes"):
        read_text(Path("/dev/zero"), "scan file", 4096)
    path.write_bytes(b'{"a": "\xff"}')
    with pytest.raises(UsageError, match=r"scan.json:1: not UTF-8 text \(byte 7\)"):
        read_text(path)
    with pytest.raises(UsageError, match="cannot read"):
        read_text(tmp_path / "absent.json")
