"""Device -> firmware currency (``Device.currency``) under the release data in ``rules/firmware/``.

Whether a device runs the latest firmware its maker released for its model series
(docs/firmware.md). For a device, the first series of the data whose maker is the device's maker
and whose model pattern matches its model decides:

* ``current``: the firmware is the latest release the data knows, or newer;
* ``behind``: ``releases_behind`` listed releases are newer; ``months_behind`` counts the months
  from the firmware's release date (when it is a listed release with one), else its build date,
  to the latest release's date (its release date, else its build date); the basis says which;
* ``unknown``: the maker, model or firmware is not known, the data has no series for them, or
  the firmware cannot be placed among the releases; the basis says why.

A series compares firmware by its ``scheme``: ``hikvision`` (``V5.5.82 build 190909`` read by
``firmware.parse_hikvision``: version, then build) or ``build-date`` (Dahua: a listed version
named in the firmware string, else its ``Build Date``, read by ``firmware.build_date``). The basis
says when the series' ``end_of_support`` has passed. Nothing here raises on a device's strings.

The data format (``rules/firmware/*.yaml``) is documented in docs/firmware.md; a malformed file
raises ``RuleError`` naming ``file:line: field: problem``; ``verify_firmware_data`` runs examples.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from camaudit.attribution import normalize
from camaudit.errors import RuleError
from camaudit.firmware import HikvisionFirmware, build_date, parse_hikvision
from camaudit.model import Currency, Device
from camaudit.rulefiles.fields import RULE_ID, Fields, id_problems
from camaudit.rulefiles.vocab import MAKERS, vocab
from camaudit.yamlfile import load_yaml

SCHEMES = ("hikvision", "build-date")
EXPECTS = ("current", "behind", "unknown")
MAX_SHOWN = 80  # characters of a device's firmware or model quoted in a basis

__all__ = ["FirmwareData", "Release", "Series", "assess", "load_firmware_data", "months_between",
           "parse_firmware_file", "shipped_firmware_data", "verify_firmware_data"]

_TOP_KEYS = {"data_as_of", "series"}
_SERIES_KEYS = {"id", "maker", "name", "model", "scheme", "as_of", "grade", "source",
                "end_of_support", "sample_model", "releases", "examples", "note"}
_RELEASE_KEYS = {"version", "built", "released", "source"}
_EOS_KEYS = {"date", "source", "grade"}
_EXAMPLE_KEYS = {"model", "firmware", "expect", "releases_behind", "months_behind",
                 "basis_contains"}


@dataclass(frozen=True)
class Release:
    """One listed release: the version as the maker writes it, its build date and, when the
    source lists one, its release date."""

    version: str
    built: dt.date
    released: dt.date | None
    source: str
    line: int
    hikvision: HikvisionFirmware | None  # the parsed version (scheme ``hikvision``)

    @property
    def date(self) -> dt.date:
        return self.released or self.built

    @property
    def dated(self) -> str:
        """``released 2026-09-15`` or ``built 2019-09-09``."""
        return f"released {self.released}" if self.released else f"built {self.built}"


@dataclass(frozen=True)
class EndOfSupport:
    date: dt.date
    source: str
    grade: str


@dataclass(frozen=True)
class Example:
    model: str
    firmware: str | None
    expect: str
    releases_behind: int | None
    months_behind: int | None
    basis_contains: tuple[str, ...]
    line: int


@dataclass(frozen=True)
class Series:
    id: str
    maker: str
    name: str
    model: re.Pattern[str]
    scheme: str
    as_of: dt.date
    grade: str
    source: str
    end_of_support: EndOfSupport | None
    sample_model: str
    releases: tuple[Release, ...]  # newest first
    examples: tuple[Example, ...]
    file: str
    line: int

    @property
    def where(self) -> str:
        return f"{self.file}:{self.line}"

    def covers(self, model: str | None) -> bool:
        return bool(model) and self.model.match(str(model).strip()) is not None


@dataclass(frozen=True)
class FirmwareData:
    """Every series of every file; ``data_as_of`` is the oldest of the files' dates."""

    data_as_of: dt.date
    series: tuple[Series, ...]


def _whole(f: Fields, name: str) -> int | None:
    value = f.raw.get(name)
    if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 0):
        raise f.fail(name, f"must be a whole number of 0 or more, not {value!r}"[:120])
    return value


def _required_date(f: Fields, name: str) -> dt.date:
    value = f.date(name)
    if value is None:
        raise f.fail(name, "is missing")
    return value


def _release(raw: Any, filename: str, line: int, scheme: str) -> Release:
    f = Fields(raw, filename, line, "release", _RELEASE_KEYS)
    version, built = f.text("version"), _required_date(f, "built")
    released = f.date("released")
    if released is not None and released < built:
        raise f.fail("released", f"{released} is before the build date {built}")
    parsed = None
    if scheme == "hikvision":
        parsed = parse_hikvision(version)
        if parsed is None or parsed.build is None:
            raise f.fail("version", f"'{version[:60]}' must read 'V<version> build <YYMMDD>'")
        if built.strftime("%y%m%d") != f"{parsed.build:06d}":
            raise f.fail("built", f"{built} is not the build date of {parsed.text}")
    return Release(version=version, built=built, released=released,
                   source=f.text("source", ""), line=f.line, hikvision=parsed)


def _key(r: Release) -> tuple[Any, ...]:
    """Release order: newer is greater."""
    if r.hikvision is not None:
        return (r.hikvision.version, r.hikvision.build or 0)
    return (r.built,)


def _example(raw: Any, filename: str, line: int, sample: str) -> Example:
    f = Fields(raw, filename, line, "example", _EXAMPLE_KEYS)
    firmware = f.raw.get("firmware", ())
    if isinstance(firmware, dict | list | tuple):
        raise f.fail("firmware", "must be given, as text or null (the firmware is unknown)")
    return Example(model=f.text("model", sample),
                   firmware=None if firmware is None else str(firmware),
                   expect=f.choice("expect", EXPECTS), releases_behind=_whole(f, "releases_behind"),
                   months_behind=_whole(f, "months_behind"),
                   basis_contains=f.texts("basis_contains"), line=f.line)


def _series(raw: Any, filename: str, line: int, data_as_of: dt.date) -> Series:
    f = Fields(raw, filename, line, "series", _SERIES_KEYS)
    sid = f.text("id")
    if not RULE_ID.match(sid):
        raise f.fail("id", f"'{sid[:60]}' must be lower-case words joined by -")
    try:
        model = re.compile(f.text("model"), re.IGNORECASE)
    except re.error as e:
        raise f.fail("model", f"is not a regular expression: {e}") from e
    scheme = f.choice("scheme", SCHEMES)
    as_of = f.date("as_of") or data_as_of
    if as_of > data_as_of:
        raise f.fail("as_of", f"{as_of} is after the file's data_as_of {data_as_of}")
    eos = None
    if f.has("end_of_support"):
        ef = Fields(f.raw["end_of_support"], filename, f.line, "end_of_support", _EOS_KEYS)
        eos = EndOfSupport(_required_date(ef, "date"), ef.text("source"), ef.grade("grade"))
    releases = tuple(_release(r, filename, f.line, scheme) for r in f.items("releases"))
    for above, r in zip((None, *releases), releases, strict=False):
        if above is not None and _key(above) <= _key(r):
            raise RuleError(f"{filename}:{r.line}: release: field 'version' {r.version} "
                            f"is not older than {above.version} above it (newest first)")
        if r.date > as_of:
            raise RuleError(f"{filename}:{r.line}: release: {r.version} is dated {r.date}, "
                            f"after the series' as_of {as_of}")
    sample = f.text("sample_model")
    return Series(id=sid, maker=f.text("maker"), name=f.text("name"), model=model, scheme=scheme,
                  as_of=as_of, grade=f.grade("grade"), source=f.text("source"),
                  end_of_support=eos, sample_model=sample, releases=releases,
                  examples=tuple(_example(x, filename, f.line, sample)
                                 for x in f.items("examples")),
                  file=filename, line=f.line)


def parse_firmware_file(text: str, filename: str) -> tuple[dt.date, list[Series]]:
    """A firmware data file's ``data_as_of`` and series; ``RuleError`` names file:line:
    field: problem."""
    top = Fields(load_yaml(text, filename), filename, 1, "firmware data file", _TOP_KEYS)
    as_of = _required_date(top, "data_as_of")
    return as_of, [_series(s, filename, top.line, as_of) for s in top.items("series")]


def firmware_dir() -> Path:
    return Path(str(resources.files("camaudit") / "rules" / "firmware"))


def load_firmware_data(directory: Path | None = None) -> FirmwareData:
    """Every series of every ``*.yaml`` in ``directory`` (default: the shipped data), in file
    name order. Raises ``RuleError`` naming file:line and field."""
    directory = directory or firmware_dir()
    dates: list[dt.date] = []
    series: list[Series] = []
    for path in sorted(directory.glob("*.yaml")):
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as e:
            raise RuleError(f"{path.name}:0: cannot read firmware data file: {e}") from e
        as_of, found = parse_firmware_file(text, path.name)
        dates.append(as_of)
        series += found
    if not dates:
        raise RuleError(f"{directory}:0: no firmware data files (*.yaml)")
    return FirmwareData(data_as_of=min(dates), series=tuple(series))


@lru_cache(maxsize=1)
def shipped_firmware_data() -> FirmwareData:
    return load_firmware_data()


def months_between(start: dt.date, end: dt.date) -> int:
    """Whole months from ``start`` to ``end`` (0 when ``end`` is not later)."""
    months = (end.year - start.year) * 12 + end.month - start.month - (end.day < start.day)
    return max(0, months)


def _shown(value: str) -> str:
    value = " ".join(value.split())
    return value if len(value) <= MAX_SHOWN else value[:MAX_SHOWN] + "…"


@dataclass(frozen=True)
class _Place:
    """Where a firmware lies among a series' releases."""

    newer: int  # listed releases newer than the firmware
    at_least: bool = False  # ``newer`` is a lower bound (a version without its build)
    own: tuple[str, dt.date] | None = None  # ("release date" | "build date", date)
    ahead: bool = False  # newer than every listed release
    note: str = ""  # said in the basis after the firmware


def _build(parsed: HikvisionFirmware) -> dt.date | None:
    try:
        return dt.datetime.strptime(f"{parsed.build:06d}", "%y%m%d").date()
    except (TypeError, ValueError):
        return None


def _own(r: Release) -> tuple[str, dt.date]:
    return ("release date", r.released) if r.released else ("build date", r.built)


def _place_hikvision(s: Series, firmware: str) -> _Place | str:
    parsed = parse_hikvision(firmware)
    if parsed is None:
        return "not readable as V<version> build <YYMMDD>"
    listed = [(r, r.hikvision) for r in s.releases if r.hikvision is not None]
    if parsed.build is not None:
        key = (parsed.version, parsed.build)
        newer = sum(1 for _, h in listed if (h.version, h.build or 0) > key)
        at = next((r for r, h in listed if (h.version, h.build) == key), None)
        built = _build(parsed)
        own = _own(at) if at else (("build date", built) if built else None)
        return _Place(newer, own=own, ahead=newer == 0 and at is None)
    newer = sum(1 for _, h in listed if h.version > parsed.version)
    same = [r for r, h in listed if h.version == parsed.version]
    if len(same) == 1:
        return _Place(newer, own=_own(same[0]),
                      note=f" (no build given: taken as {same[0].version}, the one listed)")
    if same and newer == 0:
        builds = ", ".join(f"{h.build:06d}" for r, h in listed if r in same if h.build)
        return (f"gives no build, and the latest version {parsed.version_text} has builds "
                f"{builds}: only the build could tell")
    return _Place(newer, at_least=bool(same), ahead=newer == 0,
                  note=" (no build given)" if same else "")


def _names(version: str, firmware: str) -> bool:
    token = re.escape(version.strip().lstrip("Vv"))
    return re.search(rf"(?<![\w.])V?{token}(?![\w.])", firmware, re.IGNORECASE) is not None


def _place_build_date(s: Series, firmware: str) -> _Place | str:
    at = next((r for r in s.releases if _names(r.version, firmware[:256])), None)
    if at is not None:
        return _Place(sum(1 for r in s.releases if r.built > at.built), own=_own(at))
    built = build_date(firmware)
    if built is None:
        return "matches no listed release and carries no build date"
    newer = sum(1 for r in s.releases if r.built > built)
    return _Place(newer, own=("build date", built), ahead=built > s.releases[0].built)


def _same(a: str | None, b: str | None) -> bool:
    return a is not None and b is not None and normalize(a) == normalize(b)


def _decider(data: FirmwareData, maker: str, model: str) -> Series | None:
    """The series that decides a device of ``maker`` and ``model``: the first that covers it."""
    return next((s for s in data.series if _same(s.maker, maker) and s.covers(model)), None)


def _judge(s: Series, d: Device, today: dt.date) -> Currency:
    latest = s.releases[0]
    label = f" (brand {_shown(d.brand)})" if d.brand and not _same(d.brand, d.maker) else ""
    who = f"maker {s.maker}{label}, model {_shown(str(d.model))} in series {s.name}"
    known = f"releases known as of {s.as_of}"
    eos = ""
    if s.end_of_support is not None:
        passed = " (passed)" if s.end_of_support.date < today else ""
        eos = f"; end of support {s.end_of_support.date}{passed}"
    common: dict[str, Any] = dict(
        series=s.name, latest=latest.version, latest_date=latest.date.isoformat(),
        end_of_support=s.end_of_support.date.isoformat() if s.end_of_support else None,
        data_as_of=s.as_of.isoformat(), source=s.source)
    if not d.firmware or not d.firmware.strip():
        return Currency("unknown", f"{who}: firmware unknown (latest {latest.version}, "
                        f"{latest.dated}; {known}){eos}", **common)
    shown = _shown(d.firmware)
    place = (_place_hikvision if s.scheme == "hikvision" else _place_build_date)(s, d.firmware)
    if isinstance(place, str):
        return Currency("unknown", f"{who}: firmware {shown} {place} (latest {latest.version}, "
                        f"{latest.dated}; {known}){eos}", **common)
    if place.newer == 0:
        what = (f"newer than the latest release known ({latest.version}, {latest.dated}"
                if place.ahead else f"the latest release known ({latest.dated}")
        return Currency("current", f"{who}: firmware {shown}{place.note} is {what}; {known})"
                        f"{eos}", releases_behind=0, months_behind=0, **common)
    plural = "s" if place.newer != 1 else ""
    bound = "at least " if place.at_least else ""
    months = None
    if place.own is None:
        when = "; months behind unknown (no date for this firmware)"
    else:
        months = months_between(place.own[1], latest.date)
        latest_kind = "release date" if latest.released else "build date"
        when = (f"; {months} months from its {place.own[0]} {place.own[1]} to the latest's "
                f"{latest_kind} {latest.date}")
    return Currency("behind", f"{who}: firmware {shown}{place.note} is {bound}{place.newer} "
                    f"release{plural} behind {latest.version} ({latest.dated}){when} ({known})"
                    f"{eos}", releases_behind=place.newer, months_behind=months, **common)


def assess(device: Device, today: dt.date | None = None,
           data: FirmwareData | None = None) -> Currency:
    """The firmware currency of ``device`` under ``data`` (default: the shipped data);
    ``today`` (default: the date now) decides whether an end of support has passed."""
    data = shipped_firmware_data() if data is None else data
    today = dt.date.today() if today is None else today

    def unknown(why: str) -> Currency:
        return Currency("unknown", why, data_as_of=data.data_as_of.isoformat())

    if not device.maker:
        return unknown("maker not determined: firmware releases are known per maker and series")
    mine = [s for s in data.series if _same(s.maker, device.maker)]
    if not mine:
        return unknown(f"camaudit has no firmware release data for maker {_shown(device.maker)}")
    if not device.model or not device.model.strip():
        return unknown(f"maker {mine[0].maker}, model unknown: firmware releases are known per "
                       "model series")
    series = _decider(data, device.maker, device.model)
    if series is None:
        return unknown(f"maker {mine[0].maker}, model {_shown(device.model)} is in no series of "
                       "camaudit's firmware release data")
    return _judge(series, device, today)


def _check_example(s: Series, ex: Example, data: FirmwareData) -> list[str]:
    at = f"{s.file}:{ex.line}"
    owner = _decider(data, s.maker, ex.model)
    if owner is not s:
        return [f"{at}: example model {ex.model} is decided by "
                f"{owner.id if owner else 'no series'}, not {s.id}"]
    got = assess(Device(ip="example", maker=s.maker, model=ex.model, firmware=ex.firmware),
                 today=data.data_as_of, data=data)
    problems: list[str] = []
    if got.status != ex.expect:
        problems.append(f"{at}: example of {s.id} is {got.status}, expected {ex.expect}: "
                        f"{got.basis}")
    for name, want, have in (("releases_behind", ex.releases_behind, got.releases_behind),
                             ("months_behind", ex.months_behind, got.months_behind)):
        if want is not None and want != have:
            problems.append(f"{at}: example of {s.id}: {name} is {have}, expected {want}")
    problems += [f"{at}: example of {s.id}: basis lacks {text!r}: {got.basis}"
                 for text in ex.basis_contains if text not in got.basis]
    return problems


def verify_firmware_data(directory: Path | None = None,
                         makers: set[str] | None = None) -> list[str]:
    """Problems in the firmware data of ``directory`` (default: the shipped data) as
    ``file:line: message`` strings; empty means verified. Every example must give its expected
    status (and releases and months behind, when given), every series must show a current and a
    behind example, makers must be in the vocabulary, sample models must fall in their own
    series first, and ids must be unique."""
    try:
        data = load_firmware_data(directory)
    except RuleError as e:
        return [str(e)]
    makers = vocab(MAKERS) if makers is None else makers
    problems: list[str] = []
    seen: dict[str, str] = {}
    for s in data.series:
        problems += id_problems(s.id, s.where, seen)
        if s.maker not in makers:
            problems.append(f"{s.where}: {s.id}: maker '{s.maker}' not in vocab/makers.txt")
        owner = _decider(data, s.maker, s.sample_model)
        if owner is not s:
            problems.append(f"{s.where}: {s.id}: sample_model {s.sample_model} is decided by "
                            f"{owner.id if owner else 'no series'}")
            continue
        for ex in s.examples:
            problems += _check_example(s, ex, data)
        for needed in ("current", "behind"):
            if needed not in {ex.expect for ex in s.examples}:
                problems.append(f"{s.where}: {s.id}: needs an example that is {needed}")
    return problems
