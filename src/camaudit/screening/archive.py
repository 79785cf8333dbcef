"""Members of zip and tar archives (also .tar.gz/.bz2/.xz and single .gz files), bounded.

Nothing is written to disk. Bounds keep a hostile archive (zip bomb, million-member tar,
archive nested in itself) from taking the machine: ``Limits`` caps the bytes read from any
member, the bytes read from one archive, the number of members and the nesting depth, and
skips members whose compression ratio is absurd. What is skipped is reported, not raised.
"""

from __future__ import annotations

import bz2
import gzip
import io
import lzma
import tarfile
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Protocol

ZIP_MAGIC = b"PK\x03\x04"
GZIP_MAGIC = b"\x1f\x8b"
BZ2_MAGIC = b"BZh"
XZ_MAGIC = b"\xfd7zXZ\x00"
# What zipfile raises on a hostile archive: a RuntimeError subclass for a version
# or compression method it lacks, RuntimeError for an encrypted member.
ZIP_ERRORS = (zipfile.BadZipFile, OSError, ValueError, EOFError, RuntimeError, zlib.error)


@dataclass(frozen=True)
class Limits:
    member_bytes: int = 256 << 20
    archive_bytes: int = 1 << 30
    members: int = 10_000
    depth: int = 4
    ratio: int = 200  # uncompressed / compressed, checked above 1 MiB


@dataclass(frozen=True)
class Member:
    name: str
    data: bytes | None  # None: skipped, see ``skipped``
    skipped: str | None = None


def kind(data: bytes) -> str | None:
    """'zip', 'tar', 'gzip', 'bz2', 'xz' or None, from magic bytes."""
    if data.startswith(ZIP_MAGIC):
        return "zip"
    if len(data) >= 262 and data[257:262] == b"ustar":
        return "tar"
    if data.startswith(GZIP_MAGIC):
        return "gzip"
    if data.startswith(BZ2_MAGIC):
        return "bz2"
    if data.startswith(XZ_MAGIC):
        return "xz"
    return None


def is_office(data: bytes) -> str | None:
    """'docx' or 'xlsx' for an Office Open XML package, else None."""
    if not data.startswith(ZIP_MAGIC):
        return None
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            names = set(zf.namelist()[:10_000])
    except ZIP_ERRORS:
        return None
    if "word/document.xml" in names:
        return "docx"
    if "xl/workbook.xml" in names:
        return "xlsx"
    return None


def office_size_ok(data: bytes, limits: Limits) -> bool:
    """True when an Office package's parts inflate to no more than the member limit."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            return sum(i.file_size for i in zf.infolist()) <= limits.member_bytes
    except ZIP_ERRORS:
        return False


def members(data: bytes, limits: Limits) -> Iterator[Member]:
    """Members of the archive in ``data`` (zip, tar, compressed tar, or one compressed file)."""
    k = kind(data)
    if k == "zip":
        yield from _zip(data, limits)
    elif k == "tar":
        yield from _tar(data, "r:", limits)
    elif k in ("gzip", "bz2", "xz"):
        mode = {"gzip": "r:gz", "bz2": "r:bz2", "xz": "r:xz"}[k]
        if _is_tar(data, mode):
            yield from _tar(data, mode, limits)
        else:
            yield _single(data, k, limits)


class _Readable(Protocol):
    def read(self, size: int = ..., /) -> bytes: ...


def _read_bounded(fh: _Readable, limit: int) -> bytes | None:
    data = fh.read(limit + 1)
    return None if len(data) > limit else data


def _zip(data: bytes, limits: Limits) -> Iterator[Member]:
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
        infos = zf.infolist()
    except ZIP_ERRORS as e:
        yield Member("", None, f"zip not readable ({type(e).__name__})")
        return
    total = 0
    with zf:
        for n, info in enumerate(infos):
            if info.filename.endswith("/"):  # ZipInfo.is_dir() fails on an empty name
                continue
            if n >= limits.members:
                yield Member(info.filename, None, f"more than {limits.members} members")
                return
            big = info.file_size > 1 << 20
            if big and info.file_size > limits.ratio * max(1, info.compress_size):
                yield Member(info.filename, None, "compression ratio too high (zip bomb?)")
                continue
            if total >= limits.archive_bytes:
                yield Member(info.filename, None, "archive read limit reached")
                return
            budget = min(limits.member_bytes, limits.archive_bytes - total)
            try:
                with zf.open(info) as fh:
                    body = _read_bounded(fh, budget)
            except ZIP_ERRORS as e:
                yield Member(info.filename, None, f"not readable ({type(e).__name__})")
                continue
            if body is None:
                yield Member(info.filename, None, f"larger than {budget} bytes")
                continue
            total += len(body)
            yield Member(info.filename, body)


def _is_tar(data: bytes, mode: str) -> bool:
    try:
        with tarfile.open(fileobj=io.BytesIO(data), mode=mode) as tf:  # type: ignore[call-overload]
            return tf.next() is not None
    except (tarfile.TarError, OSError, EOFError, lzma.LZMAError, zlib.error, ValueError):
        return False


def _tar(data: bytes, mode: str, limits: Limits) -> Iterator[Member]:
    total = 0
    try:
        tf = tarfile.open(fileobj=io.BytesIO(data), mode=mode)  # type: ignore[call-overload]
    except (tarfile.TarError, OSError, EOFError, lzma.LZMAError, zlib.error, ValueError) as e:
        yield Member("", None, f"tar not readable ({type(e).__name__})")
        return
    with tf:
        n = 0
        while True:
            try:
                info = tf.next()
            except (tarfile.TarError, OSError, EOFError, lzma.LZMAError, zlib.error,
                    ValueError) as e:
                yield Member("", None, f"tar ends early ({type(e).__name__})")
                return
            if info is None:
                return
            if info.offset > 4 * limits.archive_bytes:
                yield Member(info.name, None, "tar inflates past the archive read limit")
                return
            if not info.isfile():
                continue
            n += 1
            if n > limits.members:
                yield Member(info.name, None, f"more than {limits.members} members")
                return
            if total >= limits.archive_bytes:
                yield Member(info.name, None, "archive read limit reached")
                return
            budget = min(limits.member_bytes, limits.archive_bytes - total)
            if info.size > budget:
                yield Member(info.name, None, f"larger than {budget} bytes")
                continue
            try:
                fh = tf.extractfile(info)
                body = fh.read(budget + 1) if fh is not None else b""
            except (tarfile.TarError, OSError, EOFError, lzma.LZMAError, zlib.error,
                    ValueError) as e:
                yield Member(info.name, None, f"not readable ({type(e).__name__})")
                continue
            total += len(body)
            yield Member(info.name, body)


def _single(data: bytes, k: str, limits: Limits) -> Member:
    """The one file inside a standalone .gz, .bz2 or .xz, decompressed up to the member limit.
    ``BZ2File`` and ``LZMAFile`` take the stream as their first argument (they have no
    ``fileobj`` keyword); gzip's does."""
    stream = io.BytesIO(data)
    try:
        fh: io.BufferedIOBase = (gzip.GzipFile(fileobj=stream) if k == "gzip"
                         else bz2.BZ2File(stream) if k == "bz2" else lzma.LZMAFile(stream))
        with fh:
            body = _read_bounded(fh, limits.member_bytes)
    except (OSError, EOFError, lzma.LZMAError, zlib.error, ValueError) as e:
        return Member("(content)", None, f"{k} not readable ({type(e).__name__})")
    if body is None:
        return Member("(content)", None, f"decompresses to more than {limits.member_bytes} "
                      "bytes")
    return Member("(content)", body)
