"""The controlled vocabularies: names, descriptions skipped, comments ignored, makers checked."""

from __future__ import annotations

import pytest

from camaudit.errors import RuleError
from camaudit.rulefiles.fields import Fields
from camaudit.rulefiles.vocab import (
    BRANDS,
    DEVICE_TYPES,
    FIELDS,
    KEYS,
    MAKERS,
    is_device_type,
    is_label,
    is_maker,
    known_makers,
    suggest,
    vocab,
    vocab_dir,
)


def test_vocabularies_hold_names_not_comments_or_descriptions() -> None:
    makers = vocab(MAKERS)
    assert {"Hikvision", "Dahua", "Xiongmai", "Axis"} <= makers
    assert not any(m.startswith("#") for m in makers)
    assert "http.header.server" in vocab(KEYS) and "hw.maker" in vocab(FIELDS)
    assert all(" " not in k for k in vocab(KEYS) | vocab(FIELDS))  # descriptions dropped
    assert "Lorex" in vocab(BRANDS) and "ip-camera" in vocab(DEVICE_TYPES)
    assert (vocab_dir() / MAKERS).is_file()


def test_vocab_returns_a_copy() -> None:
    vocab(MAKERS).add("Nobody")
    assert "Nobody" not in vocab(MAKERS)


def test_membership() -> None:
    assert is_maker("Hikvision") and not is_maker("HIKVISION") and not is_maker("Lorex")
    assert is_label("Lorex") and is_label("Dahua") and not is_label("Nobrand Inc")
    assert is_device_type("nvr") and not is_device_type("camera-ish")


def test_suggest_prefers_the_same_letters_then_the_closest_spelling() -> None:
    known = vocab(MAKERS)
    assert suggest("hikvision", known) == "Hikvision"
    assert suggest("Hikvisionn", known) == "Hikvision"
    assert suggest("Zzzzzzzzzzz", known) is None


def test_known_makers_checks_each_against_makers_txt() -> None:
    f = Fields({"makers": ["Hikvision", "Dahua"], "one": "Axis", "bad": ["Dahua", "hikvision"],
                "__line__": 4}, "p.yaml", 1, "covers entry", {"makers", "one", "bad"})
    assert known_makers(f, "makers") == ("Hikvision", "Dahua")
    assert known_makers(f, "one") == ("Axis",)
    with pytest.raises(RuleError) as e:
        known_makers(f, "bad")
    assert str(e.value) == ("p.yaml:4: covers entry: field 'bad' 'hikvision' is not a maker in "
                            "vocab/makers.txt (did you mean 'Hikvision'?)")
