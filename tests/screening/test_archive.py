from __future__ import annotations

import io
import zipfile

from tests.screening.docgen import C_HEADER, docx_bytes, tar_bytes, zip_bytes

from camaudit.screening import archive
from camaudit.screening.archive import Limits, members


def test_kinds_from_magic() -> None:
    assert archive.kind(zip_bytes({"a": b"x"})) == "zip"
    assert archive.kind(tar_bytes({"a": b"x"})) == "tar"
    assert archive.kind(tar_bytes({"a": b"x"}, "w:gz")) == "gzip"
    assert archive.kind(tar_bytes({"a": b"x"}, "w:xz")) == "xz"
    assert archive.kind(b"plain") is None
    assert archive.is_office(docx_bytes(["x"])) == "docx"
    assert archive.is_office(zip_bytes({"a": b"x"})) is None


def test_zip_and_compressed_tar_members() -> None:
    z = list(members(zip_bytes({"sdk/a.h": C_HEADER.encode(), "b.txt": b"b"}), Limits()))
    assert [(m.name, m.data) for m in z] == [("sdk/a.h", C_HEADER.encode()), ("b.txt", b"b")]
    t = list(members(tar_bytes({"x/y.h": b"yy"}, "w:bz2"), Limits()))
    assert [(m.name, m.data) for m in t] == [("x/y.h", b"yy")]


def test_zip_bomb_member_is_skipped_by_ratio() -> None:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("bomb.bin", bytes(8 << 20))
        zf.writestr("ok.txt", b"fine")
    got = list(members(buf.getvalue(), Limits()))
    assert got[0].data is None and "ratio" in (got[0].skipped or "")
    assert got[1].data == b"fine"


def test_member_size_count_and_total_limits() -> None:
    data = zip_bytes({f"m{i}": b"x" * 100 for i in range(5)})
    small = list(members(data, Limits(member_bytes=50)))
    assert all(m.data is None and "larger than 50" in (m.skipped or "") for m in small)
    few = list(members(data, Limits(members=2)))
    assert [m.data is not None for m in few] == [True, True, False]
    capped = list(members(data, Limits(archive_bytes=250)))
    assert [m.data is not None for m in capped].count(True) == 2
    tar_small = list(members(tar_bytes({"a": b"y" * 100}), Limits(member_bytes=10)))
    assert tar_small[0].data is None


def test_single_gzip_file_and_broken_archives() -> None:
    import gzip

    [m] = members(gzip.compress(b"hello"), Limits())
    assert (m.name, m.data) == ("(content)", b"hello")
    [bad] = members(b"PK\x03\x04" + b"\x00" * 40, Limits())
    assert bad.data is None and "not readable" in (bad.skipped or "")
    [trunc] = members(gzip.compress(b"x" * 1000)[:20], Limits())
    assert trunc.data is None


# ---------------------------------------------------------------- hostile input (issue 12)
def test_standalone_xz_bz2_and_gzip_files_are_opened() -> None:
    import bz2
    import gzip
    import lzma

    for compress in (bz2.compress, lzma.compress, gzip.compress):
        assert list(members(compress(C_HEADER.encode()), Limits())) == [
            archive.Member("(content)", C_HEADER.encode())]


def test_standalone_compressed_bombs_stop_at_the_member_limit() -> None:
    import bz2
    import lzma

    for compress in (bz2.compress, lzma.compress):
        (m,) = members(compress(b"\0" * (2 << 20)), Limits(member_bytes=1 << 20))
        assert m.data is None and "more than 1048576 bytes" in (m.skipped or "")
    (m,) = members(lzma.compress(b"x" * 1000)[:-20], Limits())
    assert m.data is None and "not readable" in (m.skipped or "")


def test_zip_of_a_version_zipfile_lacks_is_skipped_not_raised() -> None:
    """Found by bench/fuzz.py: zipfile raises NotImplementedError ('zip file version 25.5')."""
    data = bytearray(zip_bytes({"a.txt": b"hello"}))
    data[data.find(b"PK\x01\x02") + 6] = 255  # version needed to extract: 25.5
    got = list(members(bytes(data), Limits()))
    assert [m.data for m in got] == [None] and "not readable" in (got[0].skipped or "")
    assert archive.is_office(bytes(data)) is None
    assert archive.office_size_ok(bytes(data), Limits()) is False


def test_zip_member_with_an_empty_name_is_read() -> None:
    """Found by bench/fuzz.py: ZipInfo.is_dir() raises IndexError on an empty name."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr(zipfile.ZipInfo(""), b"hello")
    assert [(m.name, m.data) for m in members(buf.getvalue(), Limits())] == [("", b"hello")]
