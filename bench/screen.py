"""Benchmark ``camaudit screen`` on binaries: a generated 1 GiB firmware-like file through
camaudit's byte scanner (every rule term in ASCII/UTF-8, UTF-16LE, UTF-16BE and GBK, with the
co-occurrence check around each hit) and through GNU ``grep -a -c -F -f TERMS`` with the same
terms (UTF-8 only), in the same run. Prints MB/s for both (median of 3) and the ratio; the
file lives in a temporary folder that is removed at the end.

    PYTHONPATH=src .venv/bin/python bench/screen.py [--mib 1024] [--runs 3] [--dir DIR]
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from camaudit.screening.binary import ByteScanner, byte_patterns  # noqa: E402
from camaudit.screening.matcher import literal  # noqa: E402
from camaudit.screening.rules import load_ruleset  # noqa: E402

CHUNK = 16 << 20
# String-table words of camera firmware; "trace" and "brace" contain the term "race" and are
# there to make the scanner reject matches inside words, as real firmware makes it do.
FILLER = ["alarm", "face_detect", "trace", "config", "network", "video", "stream", "brace",
          "init", "error: %s", "人脸", "告警", "设备", "录像", "rtsp", "onvif", "http", "ntp",
          "dhcp", "/dev/mtd%d", "upgrade", "firmware", "sensor", "encoder", "bitrate", "osd",
          "motion", "privacy_mask", "wdr", "ircut", "audio", "g711", "h264", "h265", "mjpeg",
          "snapshot", "record", "storage", "sdcard", "user", "admin", "password", "timezone"]
PLANTS = ["人脸属性 种族", "前端支持上报维族属性", "EM_NATION_TYPE_UYGUR", "face attributes: race"]


def _chunk(rng: random.Random, i: int) -> bytes:
    """70% compressed-looking bytes, 30% strings in mixed encodings, a few planted terms."""
    parts: list[bytes] = []
    size = 0
    while size < CHUNK:
        if rng.random() < 0.7:
            part = rng.randbytes(4096)
        else:
            words = " ".join(rng.choice(FILLER) for _ in range(300))
            part = words.encode(rng.choice(["utf-8", "utf-16-le", "gbk"]))[:4096]
        parts.append(part)
        size += len(part)
    data = bytearray(b"".join(parts)[:CHUNK])
    if i % 8 == 0:
        plant = PLANTS[(i // 8) % len(PLANTS)]
        raw = b"\x00\x00" + plant.encode(("utf-16-le", "gbk", "utf-8")[i % 3]) + b"\x00\x00"
        at = rng.randrange(0, CHUNK - len(raw))
        data[at:at + len(raw)] = raw
    return bytes(data)


def generate(path: Path, mib: int) -> None:
    rng = random.Random(7)
    with path.open("wb") as fh:
        for i in range(max(1, mib * (1 << 20) // CHUNK)):
            fh.write(_chunk(rng, i))


def _scan(scanner: ByteScanner, blob: Path) -> tuple[float, int]:
    t = time.perf_counter()
    n = len(scanner.scan_file(blob))
    return time.perf_counter() - t, n


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--mib", type=int, default=1024, help="size of the generated file")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--dir", type=Path, help="where to put the temporary file")
    args = ap.parse_args()
    grep = shutil.which("grep")
    if grep is None:
        sys.exit("grep not found")
    rules = load_ruleset().rules
    terms = sorted({literal(t) for r in rules for t in r.terms})
    tmp = Path(tempfile.mkdtemp(prefix="camaudit-bench-", dir=args.dir))
    try:
        blob, terms_file = tmp / "firmware.bin", tmp / "terms.txt"
        terms_file.write_text("\n".join(terms) + "\n", encoding="utf-8")
        generate(blob, args.mib)
        size = blob.stat().st_size
        blob.read_bytes()  # warm the page cache for both tools
        cmd = [grep, "-a", "-c", "-F", "-f", str(terms_file), str(blob)]
        grep_times, grep_out = [], ""
        for _ in range(args.runs):
            t = time.perf_counter()
            done = subprocess.run(cmd, capture_output=True, text=True, check=False)
            grep_times.append(time.perf_counter() - t)
            grep_out = done.stdout.strip()
        results = {}
        for workers in (1, min(4, os.cpu_count() or 1)):
            scanner = ByteScanner(rules, workers=workers)
            runs = [_scan(scanner, blob) for _ in range(args.runs)]
            results[workers] = (statistics.median(t for t, _ in runs), runs[-1][1])
        mb = size / 1e6
        g = statistics.median(grep_times)
        print(f"file: {size} bytes ({args.mib} MiB), {len(terms)} terms; locale "
              f"{os.environ.get('LC_ALL') or os.environ.get('LANG') or 'C'}; "
              f"{os.cpu_count()} CPUs")
        print(f"grep -a -c -F -f TERMS: {mb / g:8.1f} MB/s  ({g:.2f} s, {grep_out} lines)")
        patterns = len(byte_patterns(rules))
        for workers, (t, n) in results.items():
            print(f"camaudit, {workers} process(es):{mb / t:8.1f} MB/s  ({t:.2f} s, {n} findings, "
                  f"{patterns} byte patterns); camaudit time / grep time = {t / g:.2f}")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
