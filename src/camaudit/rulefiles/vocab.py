"""The controlled vocabularies of ``rules/vocab/`` (recog's ``identifiers/``), read once.

``makers.txt``, ``brands.txt`` and ``device_types.txt`` hold one name per line; ``keys.txt``,
``fields.txt`` and ``sharers.txt`` one name per line followed by its description. Lines starting
with ``#`` are comments. "Hikvision" and "HIKVISION" must never become two makers: every family
checks its names here (fingerprint rules, attribution, policies, risks, lab profiles).
"""

from __future__ import annotations

import difflib
from functools import cache
from importlib import resources
from pathlib import Path

from camaudit.rulefiles.fields import Fields

MAKERS, BRANDS, DEVICE_TYPES = "makers.txt", "brands.txt", "device_types.txt"
KEYS, FIELDS, SHARERS = "keys.txt", "fields.txt", "sharers.txt"
_DESCRIBED = (KEYS, FIELDS, SHARERS)  # first word is the name, the rest describes it


def vocab_dir() -> Path:
    return Path(str(resources.files("camaudit") / "rules" / "vocab"))


def vocab(name: str) -> set[str]:
    """A controlled vocabulary: first word (or whole line for names) of each non-comment line."""
    return set(_read(name))


@cache
def _read(name: str) -> frozenset[str]:
    words: set[str] = set()
    for line in (vocab_dir() / name).read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        words.add(line.split()[0] if name in _DESCRIBED else line)
    return frozenset(words)


def is_maker(name: str) -> bool:
    return name in _read(MAKERS)


def is_label(name: str) -> bool:
    """A brand printed on a device: a brand of brands.txt or a maker's own name."""
    return name in _read(BRANDS) or name in _read(MAKERS)


def is_device_type(name: str) -> bool:
    return name in _read(DEVICE_TYPES)


def suggest(value: str, known: set[str] | frozenset[str]) -> str | None:
    """The name ``value`` was probably meant to be: same letters in another case, else the
    closest spelling; None when nothing is close."""
    near = [k for k in sorted(known) if k.casefold() == value.casefold()] or \
        difflib.get_close_matches(value, sorted(known), n=1)
    return near[0] if near else None


def known_makers(f: Fields, name: str) -> tuple[str, ...]:
    """The makers in field ``name``, each spelled as in vocab/makers.txt: a misspelt maker
    (``Hikvisionn``, ``hikvision``) would silently make that maker's devices not-covered."""
    makers = f.texts(name, required=True)
    known = _read(MAKERS)
    for maker in makers:
        if maker not in known:
            near = suggest(maker, known)
            hint = f" (did you mean '{near}'?)" if near else ""
            raise f.fail(name, f"'{maker[:60]}' is not a maker in vocab/makers.txt{hint}")
    return makers
