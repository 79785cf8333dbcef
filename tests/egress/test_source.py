"""Evidence files opened once (pipes, FIFOs, stdin; gzip undone) and read in bounded lines."""

from __future__ import annotations

import gzip
import io
import os
import threading
from pathlib import Path

import pytest
from tests.egress.pcapgen import cameras, pcap_bytes

from camaudit.egress.flows import Capture
from camaudit.egress.load import load
from camaudit.egress.source import MAX_LINE, Source, lines, open_source
from camaudit.errors import UsageError

HEADER = ("#separator \\x09\n#path\tconn\n#fields\tts\tid.orig_h\tid.orig_p\tid.resp_h\t"
          "id.resp_p\tproto\tduration\torig_ip_bytes\tresp_ip_bytes\torig_pkts\tresp_pkts\n")
GOOD = "1700000000.0\t192.168.1.20\t40000\t47.88.1.1\t443\ttcp\t1.0\t100\t200\t1\t2\n"


def _feed(fifo: Path, data: bytes) -> threading.Thread:
    def run() -> None:
        with fifo.open("wb") as f:
            f.write(data)

    t = threading.Thread(target=run, daemon=True)
    t.start()
    return t


def test_a_fifo_is_read_once(tmp_path: Path) -> None:
    fifo = tmp_path / "conn.fifo"
    os.mkfifo(fifo)
    t = _feed(fifo, (HEADER + GOOD * 3).encode())
    cap = load([fifo])
    t.join(5)
    assert cap.records == 3 and not cap.damage


def test_a_gzip_fifo_is_read_once(tmp_path: Path) -> None:
    fifo = tmp_path / "cap.fifo"
    os.mkfifo(fifo)
    t = _feed(fifo, gzip.compress(pcap_bytes(cameras().packets)))
    cap = load([fifo])
    t.join(5)
    assert cap.records == len(cameras().packets) and not cap.damage


def test_head_and_stream_start_at_the_first_byte(tmp_path: Path) -> None:
    p = tmp_path / "a.gz"
    p.write_bytes(gzip.compress(b"hello\nworld\n"))
    src = open_source(p)
    try:
        assert src.head == b"hello\nworld\n" and src.regular
        assert src.stream.read() == b"hello\nworld\n"
    finally:
        src.close()
    with pytest.raises(UsageError, match="cannot read"):
        open_source(tmp_path / "missing")


def _src(data: bytes) -> Source:
    return Source(Path("x"), "x", io.BufferedReader(io.BytesIO(data)), data[:10], False)


def test_lines_give_offsets_and_skip_over_long_lines_unheld() -> None:
    long = b"y" * (MAX_LINE * 3 + 5)
    cap = Capture()
    got = list(lines(_src(b"a\n" + long + b"\nbb\r\n" + b"z" * (MAX_LINE + 1) + b"\nlast"),
                     cap))
    assert got == [(0, b"a"), (2, None), (3 + len(long), b"bb\r"), (7 + len(long), None),
                   (9 + len(long) + MAX_LINE, b"last")]
    assert not cap.damage


def test_a_read_error_part_way_is_damage_at_the_offset_reached() -> None:
    class Broken(io.RawIOBase):
        def __init__(self) -> None:
            self.sent = False

        def readable(self) -> bool:
            return True

        def readinto(self, b: bytearray | memoryview) -> int:  # type: ignore[override]
            if self.sent:
                raise OSError(5, "Input/output error")
            self.sent = True
            b[:4] = b"ok\nx"
            return 4

    cap = Capture()
    src = Source(Path("x"), "x", Broken(), b"", False)  # type: ignore[arg-type]
    assert list(lines(src, cap)) == [(0, b"ok")]
    assert [(d.offset, d.message.split(":")[0]) for d in cap.damage] == [
        (4, "unreadable from here on")]
