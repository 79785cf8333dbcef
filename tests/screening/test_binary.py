from __future__ import annotations

from pathlib import Path

import pytest
from tests.screening.docgen import firmware_blob

from camaudit.screening import binary
from camaudit.screening.binary import ByteScanner, byte_patterns
from camaudit.screening.rules import load_ruleset

RULES = load_ruleset().rules
SCANNER = ByteScanner(RULES, workers=1)
EXPECTED = {  # encoding -> rule found at the planted term
    "utf-16-le": "uyghur-face-analytics",
    "gbk": "ethnicity-face-attribute",
    "utf-16-be": "ethnicity-face-attribute",
    "ascii": "dahua-netsdk-race-enum",
    "utf-16-le-ascii": "ethnicity-face-attribute",
}


def test_patterns_cover_every_encoding_and_case_form() -> None:
    table = byte_patterns(RULES)
    assert table["维族".encode("utf-16-le")].encodings == ("utf-16-le",)
    assert table["维族".encode("gbk")].encodings == ("gbk",)
    assert table["维族".encode("utf-16-be")].encodings == ("utf-16-be",)
    assert table["维族".encode()].encodings == ("utf-8",)
    assert table[b"UYGHUR"].encodings == ("ascii",) and table[b"Uyghur"].encodings == ("ascii",)
    race = table["race".encode("utf-16-le")]
    assert race.left and race.right and race.encodings == ("utf-16-le",)
    nation = table[b"EM_NATION_TYPE"]
    assert not nation.left and not nation.right
    assert b"em_race_" not in table  # identifiers keep their case


def test_planted_terms_found_at_their_offsets_in_each_encoding() -> None:
    blob = firmware_blob()
    hits = SCANNER.scan(blob.data)
    got = {(h.offset, h.encoding, h.hit.rule.id) for h in hits}
    for enc, rule in EXPECTED.items():
        assert (blob.offsets[enc], enc.removesuffix("-ascii"), rule) in got
    assert {h.offset for h in hits} == set(blob.offsets.values())


def test_term_across_a_chunk_boundary_is_found_once(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(binary, "CHUNK", 4096)
    data = bytearray(20000)
    term = "EM_NATION_TYPE_UYGUR".encode("utf-16-le")
    data[4090:4090 + len(term)] = term
    scanner = ByteScanner(RULES, workers=2)
    hits = scanner.scan(bytes(data))
    assert [(h.offset, h.encoding, h.hit.matched) for h in hits] == [
        (4090, "utf-16-le", "EM_NATION_TYPE_UYGUR")]


def test_context_word_far_away_does_not_count() -> None:
    data = "维族".encode("gbk") + bytes(4000) + "预警".encode("gbk")
    assert SCANNER.scan(data) == []


def test_contained_term_of_same_rule_is_reported_once() -> None:
    data = b"\x00" + "告警 少数民族".encode("utf-16-le") + b"\x00\x00"
    hits = SCANNER.scan(data)
    assert [(h.hit.matched, h.length) for h in hits] == [("少数民族", 8)]


def test_scan_file_uses_mmap_and_handles_empty_files(tmp_path: Path) -> None:
    blob = firmware_blob(1 << 19)
    (tmp_path / "fw.bin").write_bytes(blob.data)
    (tmp_path / "empty.bin").write_bytes(b"")
    seen: list[int] = []
    hits = SCANNER.scan_file(tmp_path / "fw.bin", seen.append)
    assert {h.offset for h in hits} == set(blob.offsets.values())
    assert sum(seen) == len(blob.data)
    assert SCANNER.scan_file(tmp_path / "empty.bin") == []


def test_context_stops_at_binary_garbage() -> None:
    data = bytes(range(1, 9)) * 8 + b"\x00EM_RACE_TYPE_WHITE\x00" + bytes(range(1, 9)) * 8
    [hit] = SCANNER.scan(data)
    assert hit.hit.context == "EM_RACE_TYPE_WHITE"


def test_large_file_is_split_over_worker_processes(tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(binary, "PARALLEL_BYTES", 1 << 16)
    monkeypatch.setattr(binary, "CHUNK", 1 << 17)
    blob = firmware_blob(1 << 19)
    (tmp_path / "fw.bin").write_bytes(blob.data)
    done: list[int] = []
    hits = ByteScanner(RULES, workers=2).scan_file(tmp_path / "fw.bin", done.append)
    assert {h.offset for h in hits} == set(blob.offsets.values())
    assert len(done) == 4 and sum(done) == len(blob.data)
