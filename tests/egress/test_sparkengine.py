"""The Spark engine against the DuckDB path on the same layouts: the JSON reports must be the
same byte for byte. One local Spark session (local[2], 127.0.0.1, no UI) for the module: the
JVM takes seconds to start."""

from __future__ import annotations

import importlib.util
import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from tests.egress.layoutgen import (
    INVENTORY,
    V6_REMOTE,
    as_json,
    cameras,
    conn_row,
    generated,
    hostile_layout,
)
from tests.egress.pcapgen import AXIS, DAHUA, EZVIZ, HIK, XM

from camaudit.cli.egress import egress
from camaudit.egress import sparkengine
from camaudit.egress.analysis import Result, analyse
from camaudit.egress.layout import write_layout
from camaudit.egress.load import load
from camaudit.errors import UsageError
from camaudit.model import Device

HAVE_SPARK = importlib.util.find_spec("pyspark") is not None and shutil.which("java") is not None
needs_spark = pytest.mark.skipif(not HAVE_SPARK, reason="pyspark or java is not installed")


@pytest.fixture(scope="module")
def spark() -> Iterator[object]:
    s, created = sparkengine.session("local[2]")
    yield s
    if created:
        s.stop()


def _duckdb(layouts: list[Path], devices: list[Device] | None, flags: tuple[str, ...],
            include_local: bool = False) -> Result:
    return analyse(load(layouts), devices, flags, include_local=include_local)


@needs_spark
def test_cameras_on_spark_as_on_duckdb(spark: object, tmp_path: Path) -> None:
    files = cameras(tmp_path)
    write_layout(files, tmp_path / "lay")
    raw = as_json(analyse(load(files, engine="duckdb"), INVENTORY, ("CN",)))
    for devices, flags in ((INVENTORY, ("CN",)), (None, ("US", "DE"))):
        got = as_json(sparkengine.run([str(tmp_path / "lay")], devices, flags, spark=spark))
        assert got == as_json(_duckdb([tmp_path / "lay"], devices, flags))
        if devices:
            assert got == raw  # and the DuckDB path on the evidence files themselves
    doc = json.loads(raw)
    assert {d["ip"]: d["flagged"] for d in doc["devices"]} == {
        XM: True, HIK: True, EZVIZ: True, AXIS: False, DAHUA: True}


@needs_spark
def test_a_generated_zeek_log_in_two_layouts(spark: object, tmp_path: Path) -> None:
    files = generated(tmp_path)
    write_layout(files[:2], tmp_path / "a")
    write_layout(files[2:], tmp_path / "b/")
    layouts = [tmp_path / "a", tmp_path / "b"]
    got = sparkengine.run([str(p) for p in layouts], [Device(ip=HIK)], ("CN", "US"),
                          include_local=True, spark=spark)
    want = _duckdb(layouts, [Device(ip=HIK)], ("CN", "US"), include_local=True)
    assert as_json(got) == as_json(want)
    assert as_json(got) == as_json(analyse(load(files, engine="duckdb"), [Device(ip=HIK)],
                                           ("CN", "US"), include_local=True))
    findings = [f for d in got.devices for f in d.findings]
    assert len(findings) > 2900 and any(f.ip == V6_REMOTE and f.asn for f in findings)
    assert any("'not-an-address' is not an IP address" in d for d in got.damage)


@needs_spark
def test_layout_rows_from_elsewhere_are_judged_alike(spark: object, tmp_path: Path) -> None:
    rows = " UNION ALL ".join([conn_row(), conn_row(c="NULL"), conn_row(b=-1),
                               conn_row(t="'nan'"), conn_row(s="'8.8.8.8'", port=53),
                               conn_row(c="'not-an-address'", s="'9.9.9.9'")])
    lay = hostile_layout(tmp_path / "lay", rows)
    for table in ("dns", "hosts", "damage"):  # empty tables may not survive a copy (S3)
        (lay / table).rmdir()
    got = sparkengine.run([str(lay)], None, ("US",), spark=spark)
    assert as_json(got) == as_json(_duckdb([lay], None, ("US",)))
    assert [f.ip for d in got.devices for f in d.findings] == ["8.8.8.8", "1.1.1.1"]


@needs_spark
def test_the_command_line_gives_the_same_report(spark: object, tmp_path: Path) -> None:
    files = cameras(tmp_path)
    scan = tmp_path / "scan.json"
    scan.write_text(json.dumps({"devices": [{"ip": HIK, "maker": "Hikvision"},
                                            {"ip": AXIS, "maker": "Axis"}]}))
    lay = tmp_path / "lay"
    run = CliRunner().invoke(egress, ["--to-parquet", str(lay), *map(str, files)])
    assert run.exit_code == 0, run.output
    out = {}
    for engine in ("spark", "duckdb"):
        r = CliRunner().invoke(egress, [str(lay), "--engine", engine, "--devices", str(scan),
                                        "--format", "json", "-o", str(tmp_path / engine)])
        assert r.exit_code == 1, r.output  # flagged findings
        out[engine] = (tmp_path / engine).read_text()
    assert out["spark"] == out["duckdb"]


def test_missing_pyspark_or_java_is_one_line(monkeypatch: pytest.MonkeyPatch,
                                             tmp_path: Path) -> None:
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *a: None if name == "pyspark" else real(name, *a))
    with pytest.raises(UsageError, match=r"needs pyspark: pip install 'camaudit\[spark\]'"):
        sparkengine.check()
    monkeypatch.undo()
    monkeypatch.delenv("JAVA_HOME", raising=False)
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(UsageError, match="needs a Java runtime .* default-jre-headless"):
        sparkengine.check()
    monkeypatch.setenv("JAVA_HOME", str(tmp_path / "no-jdk"))
    with pytest.raises(UsageError, match="needs a Java runtime"):
        sparkengine.run([str(tmp_path)])


@needs_spark
def test_a_path_that_is_no_layout_is_refused_before_spark_starts(tmp_path: Path) -> None:
    (tmp_path / "conn.log").write_text("x")
    with pytest.raises(UsageError, match="not a Parquet layout of camaudit egress .* "
                                         "--to-parquet"):
        sparkengine.run([str(tmp_path / "conn.log")])
    r = CliRunner().invoke(egress, [str(tmp_path / "conn.log"), "--spark-master", "local[1]"])
    assert isinstance(r.exception, UsageError)
    assert str(r.exception) == "--spark-master is for --engine spark"
