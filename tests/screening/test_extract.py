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
