from __future__ import annotations

from camaudit.wire import jsonmsg


def test_load_object() -> None:
    assert jsonmsg.load_object(b'junk {"a": 1} trailing\n\x00') == ({"a": 1}, "")
    assert jsonmsg.load_object(b"[1]")[1] == "no JSON object"
    assert jsonmsg.load_object(b'{"a": [1]')[1].startswith("bad JSON")
    assert jsonmsg.load_object(b"{" * 100000)[0] is None


def test_scalar() -> None:
    assert [jsonmsg.scalar(v) for v in ("x ", 3, 1.5, True, None, {}, [], "")] == [
        "x", "3", "1.5", None, None, None, None, None]
