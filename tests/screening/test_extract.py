from __future__ import annotations

import codecs

import pytest
from tests.screening.docgen import (
    ADMISSION_FORM,
    SPEC_PAGE_1,
    SPEC_PAGE_2,
    docx_bytes,
    pdf_bytes,
    xlsx_bytes,
)

from camaudit.screening import extract


@pytest.mark.parametrize(("data", "enc", "base"), [
    ("民族 人脸".encode(), "utf-8", 0),
    (codecs.BOM_UTF8 + "民族".encode(), "utf-8", 3),
    (codecs.BOM_UTF16_LE + "民族".encode("utf-16-le"), "utf-16-le", 2),
    (codecs.BOM_UTF16_BE + "民族".encode("utf-16-be"), "utf-16-be", 2),
    ("just ascii text, mostly".encode("utf-16-le"), "utf-16-le", 0),
    ("身份证号码 民族 籍贯".encode("gbk"), "gb18030", 0),
])
def test_decode_text_detects_boms_and_encodings(data: bytes, enc: str, base: int) -> None:
    decoded = extract.decode_text(data)
    assert decoded is not None and decoded[1:] == (enc, base)


def test_binary_is_not_text() -> None:
    assert extract.decode_text(bytes(range(256)) * 4) is None
    assert extract.plain(b"\x01\x02\x03\x00\x05").problem is not None


def test_byte_offsets_map_back_through_encoding_and_bom() -> None:
    data = codecs.BOM_UTF16_LE + "ab维族".encode("utf-16-le")
    [seg] = extract.plain(data).segments
    assert seg.byte_offset(seg.text.index("维")) == 2 + 4


def test_markup_keeps_offsets_and_decodes_entities() -> None:
    text = '<p class="x">人脸&#x5c5e;性</p><script>var a="维族";</script>'
    stripped = extract.strip_markup(text)
    assert len(stripped) == len(text)
    assert "维族" not in stripped and stripped.index("人脸") == text.index("人脸")
    assert "属" in stripped


def test_pdf_text_per_page() -> None:
    got = extract.pdf(pdf_bytes([SPEC_PAGE_1, SPEC_PAGE_2]))
    assert got.problem is None and [s.page for s in got.segments] == [1, 2]
    assert "种族属性" in got.segments[1].text.replace(" ", "")


def test_broken_pdf_docx_xlsx_report_a_problem() -> None:
    assert extract.pdf(b"%PDF-1.4\n garbage").problem is not None
    assert extract.docx(b"PK\x03\x04broken").problem is not None
    assert extract.xlsx(b"PK\x03\x04broken").problem is not None


def test_docx_paragraphs_and_tables_are_marked() -> None:
    got = extract.docx(docx_bytes(["标题", ADMISSION_FORM], [["参数", "人脸属性 种族"]]))
    [seg] = got.segments
    assert seg.where(seg.text.index("种族")) == "table 1 row 1"
    assert seg.where(seg.text.index("民族")) == "paragraph 2"


def test_xlsx_rows_are_marked_per_sheet() -> None:
    got = extract.xlsx(xlsx_bytes({"报价": [["型号", "功能"], ["X1", "维族识别预警"]]}))
    [seg] = got.segments
    assert seg.where(seg.text.index("维族")) == "sheet 报价 row 2"


def test_xml_elements_become_lines_with_paths_and_split_names() -> None:
    data = (b'<?xml version="1.0"?><SmartCap xmlns="urn:x"><faceAttribute>'
            b'<isSupportRace>true</isSupportRace></faceAttribute></SmartCap>')
    [seg] = extract.xml_document(data).segments
    assert "is Support Race" in seg.text and "face Attribute" in seg.text
    assert seg.where(seg.text.index("Race")) == "/SmartCap/faceAttribute/isSupportRace"


def test_xml_bomb_is_refused_and_read_as_markup() -> None:
    bomb = (b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "aaaaaaaaaa">'
            b'<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">]><r>&b;</r>')
    got = extract.xml_document(bomb)
    assert got.kind == "xml" and all("aaaaaaaaaaaaaaaaaaaa" not in s.text for s in got.segments)


# ---------------------------------------------------------------- hostile input (issue 12)
@pytest.mark.parametrize("flood", ["<", "<!--", "<script", "<style x", "<!-- <script"])
def test_markup_floods_strip_in_linear_time(flood: str) -> None:
    import time

    text = flood * ((256 << 10) // len(flood)) + "&amp; race"
    start = time.perf_counter()
    out = extract.strip_markup(text)
    assert time.perf_counter() - start < 1.0  # <[^>]*> and <!--.*?--> were quadratic
    assert len(out) == len(text) and out.endswith("&     race")


def test_markup_stripping_blanks_whole_constructs() -> None:
    text = "a<!-- x -->b<SCRIPT>race</script >c<p class=x>d<e"
    assert extract.strip_markup(text) == ("a" + " " * 10 + "b" + " " * 22 + "c" + " " * 11
                                          + "d<e")


def test_byte_offsets_of_many_hits_use_one_map() -> None:
    import time

    text = "民族 é " * 100_000
    seg = extract.Segment(text, encoding="utf-8", byte_base=3)
    points = range(0, len(text), 37)
    start = time.perf_counter()
    got = [seg.byte_offset(i) for i in points]
    assert time.perf_counter() - start < 1.0  # re-encoding the prefix per hit was quadratic
    assert got[:50] == [3 + len(text[:i].encode()) for i in list(points)[:50]]
    assert got[-1] == 3 + len(text[:points[-1]].encode())
    marks = extract.Segment("abc", marks=((0, "p1"), (2, "p2")))
    assert (marks.where(0), marks.where(1), marks.where(2)) == ("p1", "p1", "p2")


def test_pdf_without_pages_is_a_problem_so_its_raw_bytes_are_scanned() -> None:
    """Found by the property tests: a PDF whose page tree is empty (``/Kids []``) gave no text
    and no problem, so the caller did not fall back to the byte scanner: a false clean."""
    import io

    import pypdf

    from camaudit.screening.scan import Screener

    buf = io.BytesIO()
    pypdf.PdfWriter().write(buf)
    data = buf.getvalue() + b"\n% ethnicity detection alarm\n"
    assert extract.pdf(data).problem == "PDF has no readable pages"
    report = Screener().screen_bytes("empty.pdf", data)
    assert [f.matched for f in report.findings] == ["ethnicity"]
