"""Every fuzz target of ``bench/fuzz.py`` run briefly in the suite (in its own process, under
its address-space cap): a target that raises what its API does not document, hangs or blows up
on mutated inputs fails here. ``bench/fuzz.py --seconds 60`` runs the same targets longer."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest
from tests.hostile.targets import TARGETS

FUZZ = Path(__file__).resolve().parents[2] / "bench" / "fuzz.py"
SECONDS = 0.15  # per target: about 11 s for all of them


@pytest.mark.fuzz
def test_every_target_survives_a_short_fuzz_run(tmp_path: Path) -> None:
    p = subprocess.run([sys.executable, str(FUZZ), "--seconds", str(SECONDS), "--seed", "1",
                        "--crashes", str(tmp_path)], capture_output=True, text=True,
                       timeout=len(TARGETS) * (SECONDS + 2.5) + 30)
    assert p.returncode == 0, p.stdout[-3000:] + p.stderr[-5000:]
    assert f"{len(TARGETS)}/{len(TARGETS)} targets without failure" in p.stdout


@pytest.mark.fuzz
@pytest.mark.skipif(importlib.util.find_spec("atheris") is None, reason="atheris not installed")
def test_coverage_guided_engine_runs(tmp_path: Path) -> None:
    p = subprocess.run([sys.executable, str(FUZZ), "--engine", "atheris", "--seconds", "1",
                        "--crashes", str(tmp_path), "wire.dns_msg", "wire.http.dechunk"],
                       capture_output=True, text=True, timeout=60)
    assert p.returncode == 0, p.stdout[-3000:] + p.stderr[-3000:]
