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
