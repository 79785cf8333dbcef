from __future__ import annotations

from pathlib import Path

import pytest
from tests.screening.docgen import (
    ADMISSION_FORM,
    C_HEADER,
    PLAIN_SPEC,
    SPEC_PAGE_1,
    SPEC_PAGE_2,
    TENDER,
    docx_bytes,
    firmware_blob,
    pdf_bytes,
    tar_bytes,
    xlsx_bytes,
    zip_bytes,
)

from camaudit.errors import UsageError
from camaudit.screening.archive import Limits
from camaudit.screening.scan import Screener, collect_files

SCREENER = Screener(workers=1)


def _fixtures(root: Path) -> dict[str, bytes]:
    files = {
        "spec.pdf": pdf_bytes([SPEC_PAGE_1, SPEC_PAGE_2]),
        "plain-spec.pdf": pdf_bytes([PLAIN_SPEC, "第二页 安装说明"]),
        "tender.docx": docx_bytes(TENDER),
        "form.docx": docx_bytes([ADMISSION_FORM]),
        "form-gbk.txt": ADMISSION_FORM.encode("gbk"),
        "form.pdf": pdf_bytes([ADMISSION_FORM]),
        "form.xlsx": xlsx_bytes({"登记": [["姓名", "民族", "籍贯"], ["张三", "汉族", "杭州"]]}),
        "dhnetsdk.h": C_HEADER.encode(),
        "fw.bin": firmware_blob().data,
    }
    for name, data in files.items():
        (root / name).write_bytes(data)
    return files


def test_every_positive_found_at_its_page_or_offset_and_negatives_clean(tmp_path: Path) -> None:
    _fixtures(tmp_path)
    report = SCREENER.screen_paths([tmp_path])
    by_file: dict[str, set[tuple[object, ...]]] = {}
    for f in report.findings:
        by_file.setdefault(Path(f.path).name, set()).add((f.rule, f.page, f.offset))
    assert set(by_file) == {"spec.pdf", "tender.docx", "dhnetsdk.h", "fw.bin"}
    assert ("uyghur-face-analytics", 2, None) in by_file["spec.pdf"]
    assert ("skin-colour-classes-face-attribute", 2, None) in by_file["spec.pdf"]
    assert {p for _, p, _ in by_file["spec.pdf"]} == {2}
    assert {r for r, _, _ in by_file["tender.docx"]} >= {"minority-student-monitoring"}
    header = C_HEADER.encode()
    assert ("dahua-netsdk-nation-enum", None, header.index(b"EM_NATION_TYPE_UYGUR")) in \
        by_file["dhnetsdk.h"]
    assert ("dahua-netsdk-nation-field", None, header.index(b"emNation")) in by_file["dhnetsdk.h"]
    blob = firmware_blob()
    assert {o for _, _, o in by_file["fw.bin"]} == set(blob.offsets.values())
    assert report.files == 9 and report.skipped == ()


def test_docx_finding_names_paragraph(tmp_path: Path) -> None:
    report = SCREENER.screen_bytes("t.docx", docx_bytes(TENDER))
    wheres = {f.where for f in report.findings}
    assert "paragraph 3" in wheres and "paragraph 4" in wheres


def test_archives_hold_the_same_findings_under_member_names(tmp_path: Path) -> None:
    files = _fixtures(tmp_path)
    inner = zip_bytes({"docs/spec.pdf": files["spec.pdf"], "docs/form.docx": files["form.docx"]})
    outer = tar_bytes({"sdk/dhnetsdk.h": files["dhnetsdk.h"], "bundle.zip": inner,
                       "fw.bin": files["fw.bin"]}, "w:gz")
    report = SCREENER.screen_bytes("vendor.tgz", outer)
    got = {(f.path, f.rule, f.page, f.offset) for f in report.findings}
    assert ("vendor.tgz!bundle.zip!docs/spec.pdf", "uyghur-face-analytics", 2, None) in got
    assert ("vendor.tgz!sdk/dhnetsdk.h", "dahua-netsdk-nation-field", None,
            C_HEADER.encode().index(b"emNation")) in got
    blob = firmware_blob()
    assert {o for p, _, _, o in got if p == "vendor.tgz!fw.bin"} == set(blob.offsets.values())
    assert not any("form.docx" in p for p, _, _, _ in got)


def test_archive_depth_limit_is_reported_not_raised() -> None:
    nested = zip_bytes({"a.h": C_HEADER.encode()})
    for _ in range(3):
        nested = zip_bytes({"n.zip": nested})
    report = Screener(limits=Limits(depth=2), workers=1).screen_bytes("deep.zip", nested)
    assert report.findings == ()
    assert [s.reason for s in report.skipped] == ["archive nested deeper than 2"]


def test_broken_pdf_falls_back_to_raw_bytes_and_is_noted() -> None:
    data = b"%PDF-1.4\n" + b"EM_RACE_TYPE_WHITE" + b"\n%%EOF"
    report = SCREENER.screen_bytes("broken.pdf", data)
    assert [f.rule for f in report.findings] == ["dahua-netsdk-race-enum"]
    assert report.findings[0].offset == 9
    assert "raw bytes scanned" in report.skipped[0].reason


def test_text_in_utf16_and_html_has_byte_offsets() -> None:
    data = "\ufeff告警：识别维族".encode("utf-16-le")
    [f] = SCREENER.screen_bytes("a.txt", data).findings
    assert (f.rule, f.offset, f.encoding) == ("uyghur-face-analytics", 2 + 10, "utf-16-le")
    html = "<html><body><b>人脸</b>识别 维族</body></html>".encode()
    [h] = SCREENER.screen_bytes("a.html", html).findings
    assert h.offset == html.index("维族".encode())


def test_missing_path_is_a_usage_error(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="no such file or folder: '.*nope'"):
        collect_files([tmp_path / "nope"])


# ---------------------------------------------------------------- hostile input (issue 12)
def test_folders_yield_regular_files_only(tmp_path: Path) -> None:
    import os

    (tmp_path / "a.h").write_text(C_HEADER, encoding="utf-8")
    (tmp_path / "zero").symlink_to("/dev/zero")
    os.mkfifo(tmp_path / "fifo")
    report = Screener(workers=1).screen_paths([tmp_path])  # used to hang or run out of memory
    assert report.files == 1 and report.findings
    assert {Path(s.path).name for s in report.skipped} == {"zero", "fifo"}
    assert all("not a regular file" in s.reason for s in report.skipped)


def test_a_device_named_explicitly_is_read_up_to_its_cap(
        monkeypatch: pytest.MonkeyPatch) -> None:
    from camaudit.screening import scan

    monkeypatch.setattr(scan, "STREAM_BYTES", 1 << 20)
    report = Screener(workers=1).screen_paths([Path("/dev/zero")])
    assert report.files == 1 and report.bytes == 1 << 20
    assert "read stopped at 1048576 bytes (not a regular file)" in report.skipped[0].reason


def test_standalone_xz_file_is_screened(tmp_path: Path) -> None:
    import lzma

    (tmp_path / "fw.bin.xz").write_bytes(lzma.compress(C_HEADER.encode()))
    report = Screener(workers=1).screen_paths([tmp_path / "fw.bin.xz"])
    assert report.findings and report.findings[0].path.endswith("fw.bin.xz!(content)")
