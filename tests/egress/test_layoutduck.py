from __future__ import annotations

from pathlib import Path

import duckdb
import pytest
from tests.egress.layoutgen import (
    INVENTORY,
    MANY,
    V6_REMOTE,
    as_json,
    cameras,
    conn_row,
    generated,
    hostile_layout,
)

from camaudit.egress.analysis import analyse
from camaudit.egress.flows import MAX_NAMES, Capture
from camaudit.egress.geo import GeoDB
from camaudit.egress.layout import parts, write_layout
from camaudit.egress.layoutduck import read_layout
from camaudit.egress.load import load
from camaudit.errors import UsageError


@pytest.mark.parametrize("evidence", [cameras, generated])
def test_a_layout_gives_the_findings_of_its_evidence(tmp_path: Path, evidence) -> None:
    files = evidence(tmp_path)
    write_layout(files, tmp_path / "lay")
    for devices in (INVENTORY, None):
        raw = analyse(load(files, engine="duckdb"), devices, ("CN", "US"))
        lay = analyse(load([tmp_path / "lay"]), devices, ("CN", "US"))
        assert as_json(lay) == as_json(raw)  # byte for byte: findings, files, records, damage


def test_names_across_files_are_the_first_kept(tmp_path: Path) -> None:
    files = generated(tmp_path)
    write_layout(files[:2], tmp_path / "a")
    write_layout(files[2:], tmp_path / "b")  # a second layout: read after the first
    cap = load([tmp_path / "a", tmp_path / "b"])
    names = list(cap.names[MANY])
    assert len(names) == MAX_NAMES
    assert names == [f"n{i:02d}.example.com" for i in range(MAX_NAMES)]
    assert cap.names[MANY]["n07.example.com"].startswith(f"{files[1]}#")
    assert len(cap.flow_names[("192.168.2.1", "1.0.0.0", "tcp", 443)]) == MAX_NAMES
    assert list(cap.names["1.0.0.0"]) == ["www.hik-connect.com", "cdn.example.net"]
    assert cap.names[V6_REMOTE] == load(files).names[V6_REMOTE]


def test_rows_breaking_the_layout_rules_are_left_out(tmp_path: Path) -> None:
    rows = " UNION ALL ".join([
        conn_row(), conn_row(c="NULL"), conn_row(p="NULL"), conn_row(port=70000),
        conn_row(b=-1), conn_row(t="'nan'"), conn_row(t=-5),
        conn_row(c="'not-an-address'", s="'9.9.9.9'")])
    cap = Capture()
    read_layout(hostile_layout(tmp_path / "lay", rows), cap, GeoDB())
    assert cap.conns == {("192.168.1.64", "1.1.1.1", "tcp", 443): [5, 1, 1, 1, 1.0, 2.0]}
    assert [d.line() for d in cap.damage] == [
        f"{tmp_path / 'lay'}: offset 0: field client: 'not-an-address' is not an IP address: "
        "its rows are left out"]
    assert (cap.files, cap.records) == (["x.log"], 7)


def test_another_version_is_refused(tmp_path: Path) -> None:
    lay = hostile_layout(tmp_path / "lay", conn_row())
    part = lay / "files" / "part-000001.parquet"
    duckdb.connect().execute(f"COPY (SELECT * REPLACE (2 AS version) FROM '{part}') "
                             f"TO '{part}.new' (FORMAT parquet)")
    Path(f"{part}.new").replace(part)
    with pytest.raises(UsageError, match="another version"):
        read_layout(lay, Capture(), GeoDB())


def test_a_damaged_part_is_one_line(tmp_path: Path) -> None:
    files = cameras(tmp_path)
    write_layout(files[:1], tmp_path / "lay")
    parts(tmp_path / "lay", "conn")[0].write_bytes(b"PAR1 not really")
    with pytest.raises(UsageError, match=str(tmp_path / "lay")):
        load([tmp_path / "lay"])
