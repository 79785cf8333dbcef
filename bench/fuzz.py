"""Fuzz every reader and codec of camaudit for a bounded time: the targets of
``tests/hostile/targets.py`` (wire codecs, ``identify --as`` kinds, egress readers, screening
extractors, the YAML and JSON input readers), each fed inputs mutated from its seeds (the
real-reply corpus and small generated files) for ``--seconds``.

    .venv/bin/python bench/fuzz.py                          # every target, 3 s each
    .venv/bin/python bench/fuzz.py --seconds 30 wire.http egress.pcap.fast
    .venv/bin/python bench/fuzz.py --engine atheris --seconds 60 wire.dns_msg
    .venv/bin/python bench/fuzz.py --list

A failure is an exception the target's API does not document, a documented error whose message
is not one line, a call slower than ``--slow`` seconds (a hang is cut there) or a MemoryError
under the ``--max-mb`` address-space cap. Each failing input is written to ``--crashes`` as a
reproducer (``TARGET-N.bin``: ``TARGETS[TARGET].call(path.read_bytes())``). Exit status 0: no
failure; 1: failures (listed on stderr).

Engines: ``plain`` (default; seeded, so a given ``--seed`` gives the same inputs in the same
order on every machine) mutates seeds and earlier inputs with byte flips, inserted tokens,
repeated blocks, truncation and splicing. ``atheris`` (``pip install atheris``: wheels for
Linux x86_64) runs Google's coverage-guided libFuzzer engine on each target in its own process.
"""

from __future__ import annotations

import argparse
import logging
import os
import random
import resource
import signal
import subprocess
import sys
import tempfile
import time
import traceback
import zlib
from pathlib import Path
from types import FrameType, ModuleType
from typing import TYPE_CHECKING

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "src"))

if TYPE_CHECKING:
    from tests.hostile.targets import Target


class Slow(Exception):
    """A call ran past --slow seconds."""


def _alarm(signum: int, frame: FrameType | None) -> None:
    raise Slow


def _registry(instrument: bool = False) -> ModuleType:
    """tests/hostile/targets.py; with ``instrument``, camaudit imported under atheris's
    coverage instrumentation (only camaudit: instrumenting numpy or duckdb costs minutes)."""
    if instrument:
        import atheris

        with atheris.instrument_imports(include=["camaudit"]):
            import tests.hostile.targets as registry
    else:
        import tests.hostile.targets as registry
    return registry


def fuzz_plain(target: Target, seconds: float, seed: int, slow: float
               ) -> tuple[int, list[tuple[bytes, str]]]:
    """(inputs tried, [(input, what went wrong)]) for ``seconds`` of mutated inputs."""
    mutate = _registry().mutate
    rng = random.Random(seed ^ zlib.crc32(target.name.encode()))
    pool = list(target.seeds())[:256] or [b""]
    failures: list[tuple[bytes, str]] = []
    tried = 0
    end = time.monotonic() + seconds
    while time.monotonic() < end and len(failures) < 5:
        data = pool[tried] if tried < len(pool) else mutate(rng, rng.choice(pool), pool)
        tried += 1
        problem = _one(target, data, slow)
        if problem:
            failures.append((data, problem))
        elif len(pool) < 1024 and rng.random() < 0.05:
            pool.append(data)  # keep some mutants to mutate further
    return tried, failures


def _one(target: Target, data: bytes, slow: float) -> str | None:
    signal.setitimer(signal.ITIMER_REAL, slow)
    try:
        target.call(data)
    except Slow:
        return f"slower than {slow} s"
    except BaseException as e:  # noqa: BLE001 - whatever a target raises is the finding
        if isinstance(e, KeyboardInterrupt):
            raise
        return "".join(traceback.format_exception_only(e)).strip()[:500] + "\n" + "".join(
            traceback.format_tb(e.__traceback__)[-3:])
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
    return None


def run_atheris(name: str, seconds: float, slow: float, max_mb: int) -> int:
    """libFuzzer on one target, in this process (it exits when done)."""
    import atheris

    registry = _registry(instrument=True)
    target = registry.TARGETS[name]
    corpus = Path(tempfile.mkdtemp(prefix=f"fuzz-{name}-"))
    for n, s in enumerate(target.seeds()):
        (corpus / f"seed-{n}").write_bytes(s)

    def one(data: bytes) -> None:
        target.call(data)

    atheris.Setup([sys.argv[0], f"-max_total_time={max(1, int(seconds))}",
                   f"-timeout={max(1, int(slow))}", f"-rss_limit_mb={max_mb}",
                   f"-max_len={registry.MAX_INPUT}", "-seed=1", "-print_final_stats=0",
                   str(corpus)],
                  one)
    atheris.Fuzz()
    return 0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("targets", nargs="*", help="target names or prefixes (default: all)")
    ap.add_argument("--seconds", type=float, default=3.0, help="per target (default 3)")
    ap.add_argument("--engine", choices=("plain", "atheris"), default="plain")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--slow", type=float, default=2.0, help="seconds one call may take")
    ap.add_argument("--max-mb", type=int, default=1024, help="address-space cap (MiB)")
    ap.add_argument("--crashes", type=Path, help="folder for failing inputs")
    ap.add_argument("--list", action="store_true", help="list the targets and exit")
    ap.add_argument("--atheris-one", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.atheris_one:
        return run_atheris(args.atheris_one, args.seconds, args.slow, args.max_mb)
    targets = _registry().TARGETS
    if args.list:
        print("\n".join(targets))
        return 0
    names = [n for n in targets if not args.targets or n.startswith(tuple(args.targets))]
    if not names:
        print(f"fuzz: no target matches {args.targets}", file=sys.stderr)
        return 2
    if args.engine == "atheris":
        return _atheris_all(names, args)
    logging.disable(logging.CRITICAL)  # pypdf logs every damaged object it meets
    cap = args.max_mb << 20
    resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
    signal.signal(signal.SIGALRM, _alarm)
    crashes = args.crashes or Path(tempfile.mkdtemp(prefix="camaudit-fuzz-"))
    failed = 0
    for name in names:
        t0 = time.monotonic()
        tried, failures = fuzz_plain(targets[name], args.seconds, args.seed, args.slow)
        print(f"{name:34s} {tried:7d} inputs {time.monotonic() - t0:5.1f} s"
              f"{'  FAILED' if failures else ''}", flush=True)
        for n, (data, problem) in enumerate(failures):
            crashes.mkdir(parents=True, exist_ok=True)
            path = crashes / f"{name}-{n}.bin"
            path.write_bytes(data)
            print(f"fuzz: {name}: {problem}\n  input ({len(data)} bytes): {path}",
                  file=sys.stderr)
        failed += bool(failures)
    print(f"{len(names) - failed}/{len(names)} targets without failure", flush=True)
    return 1 if failed else 0


def _atheris_all(names: list[str], args: argparse.Namespace) -> int:
    failed = []
    for name in names:
        cmd = [sys.executable, __file__, "--atheris-one", name, "--seconds", str(args.seconds),
               "--slow", str(args.slow), "--max-mb", str(args.max_mb)]
        rc = subprocess.run(cmd, cwd=args.crashes or tempfile.gettempdir(),
                            env={**os.environ, "PYTHONHASHSEED": "0"}).returncode
        print(f"{name:34s} {'ok' if rc == 0 else f'FAILED (exit {rc})'}", flush=True)
        if rc:
            failed.append(name)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
