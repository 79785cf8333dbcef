from __future__ import annotations

import pytest

from camaudit.discovery.mdns import hostname, names_by_address


@pytest.mark.parametrize(("name", "expected"), [
    ("cam-1.local.", "cam-1.local"), ("  x.local ", "x.local"), ("", None), (".", None),
    ("bad\x00name.local.", None), ("a" * 300, None)])
def test_hostname(name: str, expected: str | None) -> None:
    assert hostname(name) == expected


def test_names_by_address_groups_dedupes_and_drops_bad_records() -> None:
    records = [("cam.local.", bytes([10, 0, 0, 5])), ("cam.local.", bytes([10, 0, 0, 5])),
               ("alias.local.", bytes([10, 0, 0, 5])), ("v6.local.", bytes(16)),
               ("", bytes([10, 0, 0, 6]))]
    assert names_by_address(records) == {"10.0.0.5": ("cam.local", "alias.local")}
