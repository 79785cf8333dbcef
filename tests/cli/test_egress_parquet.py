"""``camaudit egress --to-parquet DIR`` and the layout read back (DuckDB); the Spark engine's
command line is tested with its session in tests/egress/test_sparkengine.py."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from tests.egress.layoutgen import cameras, generated

from camaudit.cli.egress import egress
from camaudit.errors import UsageError


def test_convert_then_read_the_layout_as_the_files(tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SPARK_MASTER", "spark://nowhere:7077")  # only --engine spark reads it
    files = [str(f) for f in cameras(tmp_path) + generated(tmp_path)]
    lay = tmp_path / "lay"
    r = CliRunner().invoke(egress, ["--to-parquet", str(lay), *files])
    assert r.exit_code == 0, r.output
    assert f"wrote {len(files)} evidence files (" in r.stderr and str(lay) in r.stderr
    assert "camaudit: warning: " in r.stderr and "'not-an-address'" in r.stderr
    assert r.stdout == ""
    out = {}
    for name, args in (("files", [*files, "--engine", "duckdb"]), ("layout", [str(lay)])):
        run = CliRunner().invoke(egress, [*args, "--no-db", "--format", "json",
                                          "-o", str(tmp_path / name)])
        assert run.exit_code == 1, run.output
        assert "'not-an-address'" in run.stderr  # the damage is reported again
        out[name] = (tmp_path / name).read_text()
    assert out["layout"] == out["files"]


@pytest.mark.parametrize("extra", [["--devices", "scan.json"], ["-o", "x.json"],
                                   ["--engine", "spark"], ["--spark-master", "local[1]"]])
def test_to_parquet_only_converts(tmp_path: Path, extra: list[str]) -> None:
    files = cameras(tmp_path)
    r = CliRunner().invoke(egress, ["--to-parquet", str(tmp_path / "lay"), str(files[0]),
                                    *extra])
    assert isinstance(r.exception, UsageError) and "only converts" in str(r.exception)
    assert not (tmp_path / "lay").exists()


def test_bad_evidence_and_bad_dir_are_one_line_errors(tmp_path: Path) -> None:
    junk = tmp_path / "junk"
    junk.write_bytes(b"\x00" * 64)
    r = CliRunner().invoke(egress, ["--to-parquet", str(tmp_path / "lay"), str(junk)])
    assert isinstance(r.exception, UsageError) and str(junk) in str(r.exception)
    assert not (tmp_path / "lay").exists()  # a failed run leaves nothing
    r = CliRunner().invoke(egress, ["--to-parquet", str(junk), str(junk)])
    assert r.exit_code == 2  # click: DIR is a file
    plain = tmp_path / "plain"
    plain.mkdir()
    r = CliRunner().invoke(egress, [str(plain), "--no-db"])
    assert isinstance(r.exception, UsageError)
    assert str(r.exception) == (f"{plain}: is a directory, and no Parquet layout of camaudit "
                                "egress (--to-parquet writes one)")
