"""Streamed output parses as the one-shot renderers' output does."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from camaudit.model import Device
from camaudit.reports import REPORTERS
from camaudit.reports.stream import StreamWriter

DEVICES = [Device(ip="10.0.0.1", maker="Axis", brand="=cmd|' /C calc'!A0"),
           Device(ip="10.0.0.2/ch1", recorder="10.0.0.2", channel=1)]
META = {"targets": ["10.0.0.0/30"], "hosts": 4, "scan_id": 7}


@pytest.mark.parametrize("fmt", ["json", "jsonl", "csv"])
def test_same_content_as_the_one_shot_renderer(tmp_path: Path, fmt: str) -> None:
    out = tmp_path / f"out.{fmt}"
    writer = StreamWriter(fmt, out, META)
    writer.write(DEVICES[:1])
    writer.write(DEVICES[1:])
    writer.close()
    text, whole = out.read_text(encoding="utf-8"), REPORTERS[fmt](DEVICES, META)
    if fmt == "json":
        assert json.loads(text) == json.loads(whole)
    elif fmt == "jsonl":
        assert text == whole
    else:
        assert list(csv.reader(io.StringIO(text))) == list(csv.reader(io.StringIO(whole)))
        assert "'=cmd" in text  # formulas defused as in the one-shot CSV


def test_an_empty_json_document_is_valid(tmp_path: Path) -> None:
    out = tmp_path / "e.json"
    StreamWriter("json", out, META).close()
    assert json.loads(out.read_text())["devices"] == []


def test_formats_that_need_every_device_are_refused() -> None:
    with pytest.raises(ValueError, match="cannot be streamed"):
        StreamWriter("html", None, META)
