"""Firmware strings as devices report them -> values that compare. Never raises.

Two shapes carry what the vulnerability rules (``rules/risks/``, docs/risks.md) compare:

* **Hikvision version and build**: ``V5.4.0 build 160401``, ``V5.5.6build 180326``,
  ``V5.4.0 Build 160401``, ``V5.0, build 191213`` (SADP, ONVIF), or a bare ``V5.5.6`` (ISAPI
  ``firmwareVersion``). The build is a date written YYMMDD; versions compare number by number,
  then builds.
* **A build date**, as Dahua firmware strings may carry one (``..., Build Date: 2021-03-04``,
  ``build:2019-09-26``, ``build : 2017-09-18``): a calendar date after the word "build".

Anything else (empty, garbage, another maker's scheme such as Dahua's ``2.800.030000000.3.R``)
gives None, which callers treat as "firmware unknown".
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

MAX_FIRMWARE = 256  # characters looked at; firmware strings are short, hostile ones are not
_PARTS = 4

# A version token not glued to a longer dotted number, then an optional "build YYMMDD".
_HIKVISION = re.compile(
    r"(?<![\w.])V?(\d{1,3}(?:\.\d{1,4}){1,3})(?=$|[\s,_]|build)"
    r"(?:[\s,_]*build[\s:_]*(\d{6})(?!\d))?", re.IGNORECASE)
_BUILD_DATE = re.compile(
    r"build(?:[\s_-]*(?:date|time))?\s*[:=]?\s*"
    r"(?:(\d{4})[-./](\d{1,2})[-./](\d{1,2})|(\d{4})(\d{2})(\d{2}))(?!\d)", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class HikvisionFirmware:
    """``V5.4.0 build 160401`` as (5, 4, 0, 0) and 160401; ``build`` None when not given.
    ``spelled`` is the version as written (``5.4.0``); it takes no part in comparisons."""

    version: tuple[int, ...]
    build: int | None
    spelled: str = field(default="", compare=False)

    @property
    def version_text(self) -> str:
        return "V" + (self.spelled or ".".join(str(p) for p in self.version))

    @property
    def text(self) -> str:
        """Normalised spelling, e.g. ``V5.4.0 build 160401``."""
        if self.build is None:
            return self.version_text
        return f"{self.version_text} build {self.build:06d}"


def parse_hikvision(firmware: str | None) -> HikvisionFirmware | None:
    """The first ``V<version> [build <YYMMDD>]`` in ``firmware``; None when there is none."""
    if not firmware:
        return None
    m = _HIKVISION.search(firmware[:MAX_FIRMWARE])
    if m is None:
        return None
    numbers = [int(p) for p in m.group(1).split(".")]
    version = tuple(numbers + [0] * (_PARTS - len(numbers)))
    return HikvisionFirmware(version, int(m.group(2)) if m.group(2) else None, m.group(1))


def position(firmware: HikvisionFirmware, first: HikvisionFirmware,
             last: HikvisionFirmware) -> str:
    """Where ``firmware`` lies against the inclusive range ``first``..``last`` (both with
    builds): ``inside``, ``outside``, or ``unsure`` when it gives no build and its version is
    the version the range starts or ends in (only the build could tell)."""
    if firmware.build is not None:
        key = (firmware.version, firmware.build)
        inside = (first.version, first.build or 0) <= key <= (last.version, last.build or 0)
        return "inside" if inside else "outside"
    if first.version < firmware.version < last.version:
        return "inside"
    if firmware.version in (first.version, last.version):
        return "unsure"
    return "outside"


def build_date(firmware: str | None) -> dt.date | None:
    """The date after "build" (``Build Date: 2021-03-04``, ``build:20190926``); None when the
    string carries none or the date does not exist."""
    if not firmware:
        return None
    m = _BUILD_DATE.search(firmware[:MAX_FIRMWARE])
    if m is None:
        return None
    year, month, day = (g for g in m.groups() if g is not None)
    try:
        return dt.date(int(year), int(month), int(day))
    except ValueError:
        return None
