from __future__ import annotations

import pytest

from camaudit.wire import mac


@pytest.mark.parametrize("text", ["68-6d-bc-ee-f8-f0", "686DBCEEF8F0", "68:6D:BC:EE:F8:F0",
                                  "686d.bcee.f8f0", " 68:6d:bc:ee:f8:f0\n"])
def test_spellings(text: str) -> None:
    assert mac.normalize_mac(text) == "68:6d:bc:ee:f8:f0"


@pytest.mark.parametrize("text", ["", "68:6d:bc:ee:f8", "68:6d-bc:ee:f8:f0", "zz:6d:bc:ee:f8:f0",
                                  "686DBCEEF8F0AA", "68:6d:bc:ee:f8:f0:11", "1.2.3.4"])
def test_rejects(text: str) -> None:
    assert mac.normalize_mac(text) is None


def test_short_groups_are_padded() -> None:
    assert mac.normalize_mac("0:1f:54:1:2:3") == "00:1f:54:01:02:03"


def test_hikvision_oui() -> None:  # facts §1.3 / §6: 68:6D:BC
    assert [(o.key, o.value) for o in mac.observations("68-6d-bc-ee-f8-f0", "s")] == [
        ("mac.address", "68:6d:bc:ee:f8:f0"),
        ("mac.org", "Hangzhou Hikvision Digital Technology Co.,Ltd.")]


def test_dahua_and_oem_ouis() -> None:  # facts §2.1 / §6
    assert mac.oui_org("4c:11:bf:c2:0b:9d") == "Zhejiang Dahua Technology Co., Ltd."
    assert mac.oui_org("38:c4:e8:00:00:01") == "NSS Sp. z o.o."


def test_unknown_and_local_have_no_org() -> None:
    assert mac.oui_org("00:00:00:00:00:00") == "XEROX CORPORATION"
    assert mac.oui_org("a8:00:00:00:00:01") is None  # universal but unregistered
    assert [o.key for o in mac.observations("a8:00:00:00:00:01", "s")] == ["mac.address"]
    assert mac.oui_org("fe:ff:ff:00:00:01") is None
    local = mac.observations("02:11:22:33:44:55", "s")
    assert [o.key for o in local] == ["mac.address"]
    assert mac.observations("nonsense", "s") == []
