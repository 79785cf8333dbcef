"""Evidence files opened once: a pipe, a FIFO or ``/dev/stdin`` is read a single time, so the
bytes the format was recognised from are the bytes that are read (``open_source``); gzip is
undone here for every reader. Text lines are read with a bound (``lines``): a line longer than
``MAX_LINE`` is skipped as damage without being held in memory, and a read error part-way (a
corrupt gzip stream, an I/O error) ends the file as damage, keeping what came before.

Every failure to open or to read the start of a file is a ``UsageError`` naming the file.
"""

from __future__ import annotations

import gzip
import io
import os
import stat
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from camaudit.egress.flows import Capture
from camaudit.errors import UsageError

HEAD = 64 * 1024  # bytes read to recognise a format (Zeek headers, a first JSON line ...)
MAX_LINE = 1 << 20  # bytes of one text line (Zeek row, JSON line, nfdump CSV line)
BLOCK = 1 << 20  # bytes read at a time for text formats
# What reading a file part-way can raise: I/O errors, a corrupt or truncated gzip stream.
READ_ERRORS = (OSError, EOFError, zlib.error)


class _Prefixed(io.RawIOBase):
    """``head`` (already read from ``rest``), then what ``rest`` still has: a stream that cannot
    seek back is read once and still starts at its first byte."""

    def __init__(self, head: bytes, rest: BinaryIO) -> None:
        self._head = memoryview(head)
        self._rest = rest

    def readable(self) -> bool:
        return True

    def readinto(self, b: bytearray | memoryview) -> int:  # type: ignore[override]
        if self._head:
            n = min(len(b), len(self._head))
            b[:n] = self._head[:n]
            self._head = self._head[n:]
            return n
        data = self._rest.read(len(b))
        b[:len(data)] = data
        return len(data)

    def close(self) -> None:
        self._rest.close()
        super().close()


@dataclass
class Source:
    """One evidence file, open: ``stream`` gives its (decompressed) bytes from the first one,
    ``head`` is their start. ``regular`` is True for a regular file, which another reader
    (DuckDB) may open again by ``path``."""

    path: Path
    name: str
    stream: BinaryIO
    head: bytes
    regular: bool
    raw: BinaryIO | None = None  # the file under a gzip stream (GzipFile leaves it open)

    def close(self) -> None:
        self.stream.close()
        if self.raw is not None:
            self.raw.close()


def _read_head(f: BinaryIO, size: int = HEAD) -> bytes:
    head = f.read(size)
    # a first line of JSON longer than HEAD: read on to its end (at most MAX_LINE)
    if head.lstrip()[:1] == b"{" and b"\n" not in head:
        more = [head]
        total = len(head)
        while total < MAX_LINE:
            chunk = f.read(min(HEAD, MAX_LINE - total))
            if not chunk:
                break
            more.append(chunk)
            total += len(chunk)
            if b"\n" in chunk:
                break
        head = b"".join(more)
    return head


def open_source(path: Path) -> Source:
    """Open ``path`` once and read its head (decompressed when it is gzip)."""
    name = str(path)
    try:
        f: BinaryIO = path.open("rb")
    except OSError as e:
        raise UsageError(f"cannot read '{name}': {e.strerror or e}") from e
    try:
        try:
            mode = os.fstat(f.fileno()).st_mode
            regular = stat.S_ISREG(mode)
            if stat.S_ISDIR(mode):
                raise UsageError(f"{name}: is a directory")
            first = f.read(HEAD)
        except OSError as e:
            raise UsageError(f"cannot read '{name}': {e.strerror or e}") from e
        if first[:2] != b"\x1f\x8b":
            if regular:
                f.seek(0)
                head = _read_head(f)
                f.seek(0)
                return Source(path, name, f, head, True)
            rest = f.read(MAX_LINE) if first.lstrip()[:1] == b"{" and b"\n" not in first \
                else b""
            head = first + rest
            stream = io.BufferedReader(_Prefixed(head, f), buffer_size=1 << 16)
            return Source(path, name, stream, _read_head(io.BytesIO(head)), False)
        if regular:
            f.seek(0)
            raw: BinaryIO = f
        else:
            raw = io.BufferedReader(_Prefixed(first, f), buffer_size=1 << 16)
        g: BinaryIO = gzip.GzipFile(fileobj=raw, mode="rb")  # type: ignore[assignment]
        try:
            head = _read_head(g)
        except READ_ERRORS as e:
            raise UsageError(f"{name}: offset 0: corrupt gzip data: {e}") from e
        if regular:
            g.seek(0)
            return Source(path, name, g, head, True, raw)
        stream = io.BufferedReader(_Prefixed(head, g), buffer_size=1 << 16)
        return Source(path, name, stream, head, False, raw)
    except BaseException:
        f.close()
        raise


def lines(src: Source, cap: Capture) -> Iterator[tuple[int, bytes | None]]:
    """(byte offset, line without its newline) for each line of ``src``, read in blocks; a
    line longer than ``MAX_LINE`` comes as (offset, None), skipped without being held. A read
    error ends the file as damage at the offset reached."""
    f = src.stream
    off = 0  # file offset of buf[0]
    buf = b""  # the start of a line whose end is not read yet (at most MAX_LINE bytes)
    skip = -1  # offset of the over-long line being skipped, or -1
    while True:
        try:
            data = f.read(BLOCK)
        except READ_ERRORS as e:
            cap.note(src.name, off + len(buf), f"unreadable from here on: {e}")
            return
        if not data:
            if skip >= 0:
                yield skip, None
            elif buf:
                yield off, buf
            return
        if skip >= 0:
            nl = data.find(b"\n")
            if nl < 0:
                off += len(data)
                continue
            yield skip, None
            skip = -1
            off += nl + 1
            data = data[nl + 1:]
        buf = buf + data if buf else data
        parts = buf.split(b"\n")
        buf = parts.pop()
        for line in parts:
            yield off, (line if len(line) <= MAX_LINE else None)
            off += len(line) + 1
        if len(buf) > MAX_LINE:
            skip = off
            off += len(buf)
            buf = b""
