from __future__ import annotations

import base64

import mmh3

from camaudit.wire import favicon

ICON = bytes(range(256)) * 3


def test_md5() -> None:
    assert favicon.md5_hex(b"") == "d41d8cd98f00b204e9800998ecf8427e"
    assert favicon.md5_hex(ICON) == "e6899eaaf06fd702f3ed3f988eb19362"


def test_mmh3_uses_76_column_base64_with_trailing_newline() -> None:
    flat = base64.b64encode(ICON)
    wrapped = b"\n".join(flat[i: i + 76] for i in range(0, len(flat), 76)) + b"\n"
    assert favicon.mmh3_hash(ICON) == mmh3.hash(wrapped) == 1836528006
    assert favicon.mmh3_hash(ICON) != mmh3.hash(flat)


def test_mmh3_is_signed() -> None:
    values = {favicon.mmh3_hash(bytes([i])) for i in range(64)}
    assert any(v < 0 for v in values) and all(-(2**31) <= v < 2**31 for v in values)


def test_observations() -> None:
    obs = favicon.observations(ICON, "tcp/80 GET /favicon.ico")
    assert [(o.key, o.value) for o in obs] == [
        ("http.favicon.md5", "e6899eaaf06fd702f3ed3f988eb19362"),
        ("http.favicon.mmh3", "1836528006")]
    assert favicon.observations(b"", "s") == []
