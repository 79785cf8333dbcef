"""Test fixtures made on the fly: PDF, DOCX, XLSX, C header, firmware blob, zip and tar.

Nothing is downloaded and no binary fixture is checked in. The positive texts quote the terms
of ../shared/facts/compliance-attribution.md section 7; the negatives are ordinary forms.
"""

from __future__ import annotations

import io
import tarfile
import zipfile
from dataclasses import dataclass

# Hikvision DS-2CD7A2XYZ-JM/RX product page as quoted by IPVM 2019-11-11 (facts §7).
SPEC_PAGE_2 = "人脸属性：性别、年龄、种族属性(如维族、汉族)、人种肤色属性(如白人、黄种人、黑人)"
SPEC_PAGE_1 = "DS-2CD7A2XYZ-JM/RX 深度智能人脸抓拍摄像机 产品规格书"
PLAIN_SPEC = "DS-2CD2T87G2-L 800万 全彩摄像机 人脸抓拍 越界侦测 区域入侵 告警联动"
ADMISSION_FORM = ("某某市第一中学新生入学登记表\n"
                  "姓名：张三  性别：男  民族：汉族  出生年月：2010年5月\n"
                  "籍贯：浙江杭州  家庭住址：某某路1号  联系电话：0571-00000000")
TENDER = ["智慧校园建设项目招标文件", "第三章 技术要求",
          "3.2 学生画像：根据就餐记录分析斋月期间疑似封斋学生并预警。",
          "Assisted Analysis Of Ethnic Minority Students"]
C_HEADER = """\
// NetSDK excerpt (shape as in facts section 7)
typedef enum tagEM_NATION_TYPE
{
    EM_NATION_TYPE_UNKNOWN,
    EM_NATION_TYPE_UYGUR,          // 维族(新疆)
    EM_NATION_TYPE_OTHER,
} EM_NATION_TYPE;

typedef struct tagNET_FACE_INFO
{
    EM_NATION_TYPE  emNation;     // 民族
} NET_FACE_INFO;
"""


def pdf_bytes(pages: list[str]) -> bytes:
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=A4, invariant=1)
    for text in pages:
        c.setFont("STSong-Light", 11)
        for i, line in enumerate(text.splitlines()):
            c.drawString(40, 780 - 16 * i, line)
        c.showPage()
    c.save()
    return buf.getvalue()


def docx_bytes(paragraphs: list[str], table: list[list[str]] | None = None) -> bytes:
    import docx

    d = docx.Document()
    for p in paragraphs:
        d.add_paragraph(p)
    if table:
        t = d.add_table(rows=len(table), cols=len(table[0]))
        for r, row in enumerate(table):
            for c, value in enumerate(row):
                t.cell(r, c).text = value
    buf = io.BytesIO()
    d.save(buf)
    return buf.getvalue()


def xlsx_bytes(sheets: dict[str, list[list[str]]]) -> bytes:
    import openpyxl

    book = openpyxl.Workbook()
    book.remove(book.active)
    for name, rows in sheets.items():
        ws = book.create_sheet(name)
        for row in rows:
            ws.append(row)
    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()


@dataclass(frozen=True)
class Blob:
    data: bytes
    offsets: dict[str, int]  # what was planted -> byte offset of its term


def firmware_blob(size: int = 1 << 20) -> Blob:
    """Pseudo-random bytes with terms planted in UTF-16LE, GBK, UTF-16BE and ASCII."""
    import random

    rng = random.Random(20261126)
    data = bytearray(rng.randbytes(size))
    plants = {
        "utf-16-le": (0x1000, "人脸属性 维族 预警", "维族"),
        "gbk": (0x8000, "告警 少数民族 识别", "少数民族"),
        "utf-16-be": (0x20000, "人脸识别：种族", "种族"),
        "ascii": (0x40001, "\x00EM_RACE_TYPE_BLACK\x00", "EM_RACE_TYPE_BLACK"),
        "utf-16-le-ascii": (0x60000, "face attributes: race", "race"),
    }
    offsets: dict[str, int] = {}
    for enc, (at, text, term) in plants.items():
        codec = enc.removesuffix("-ascii")
        raw = b"\x00\x00" + text.encode(codec) + b"\x00\x00"
        data[at:at + len(raw)] = raw
        offsets[enc] = at + 2 + len(text[:text.index(term)].encode(codec))
    return Blob(bytes(data), offsets)


def zip_bytes(members: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return buf.getvalue()


def tar_bytes(members: dict[str, bytes], mode: str = "w") -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode=mode) as tf:  # type: ignore[call-overload]
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            info.mtime = 1700000000
            tf.addfile(info, io.BytesIO(data))
    return buf.getvalue()
