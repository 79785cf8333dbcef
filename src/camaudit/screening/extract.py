"""Text out of documents, per format: PDF pages, DOCX, XLSX, HTML/XML, plain text in any encoding.

Every extractor takes bytes and returns an ``Extracted`` (never raises on hostile bytes: a
document that cannot be read comes back with a ``problem`` and no segments, and the caller
falls back to the binary scanner). A ``Segment`` is a run of text plus what is needed to say
where a match is: the PDF page, the byte offset for plain text (encoding and BOM length), or
labelled marks (DOCX paragraph, XLSX sheet and row, XML element path).
"""

from __future__ import annotations

import bisect
import codecs
import html
import io
import re
import warnings
from dataclasses import dataclass
from functools import cached_property

MAX_PAGES = 5000
MAX_CHARS = 64 << 20  # characters of text kept per document
MAX_ROWS = 200_000

BOMS = ((codecs.BOM_UTF32_LE, "utf-32-le"), (codecs.BOM_UTF32_BE, "utf-32-be"),
        (codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16-le"),
        (codecs.BOM_UTF16_BE, "utf-16-be"))


OFFSET_STEP = 4096  # characters between the checkpoints of a segment's byte-offset map


@dataclass(frozen=True)
class Segment:
    text: str
    page: int | None = None
    encoding: str | None = None  # set when character offsets map back to bytes
    byte_base: int = 0  # bytes before text[0] (a BOM)
    marks: tuple[tuple[int, str], ...] = ()  # (character offset, label), ascending

    @cached_property
    def _checkpoints(self) -> list[int]:
        """Byte offset of every ``OFFSET_STEP``-th character: built once, in one pass."""
        enc = self.encoding or "utf-8"
        out = [self.byte_base]
        for i in range(0, len(self.text), OFFSET_STEP):
            out.append(out[-1] + len(self.text[i:i + OFFSET_STEP].encode(enc, "replace")))
        return out

    @cached_property
    def _mark_offsets(self) -> list[int]:
        return [m[0] for m in self.marks]

    def byte_offset(self, start: int) -> int | None:
        """Byte offset of character ``start``: a checkpoint plus at most one step encoded."""
        if self.encoding is None:
            return None
        block = start // OFFSET_STEP
        base = self._checkpoints[min(block, len(self._checkpoints) - 1)]
        rest = self.text[block * OFFSET_STEP:start]
        return base + len(rest.encode(self.encoding, "replace"))

    def where(self, start: int) -> str | None:
        if not self.marks:
            return None
        i = bisect.bisect_right(self._mark_offsets, start) - 1
        return self.marks[max(0, i)][1]


@dataclass(frozen=True)
class Extracted:
    kind: str  # pdf, docx, xlsx, html, xml, text
    segments: tuple[Segment, ...] = ()
    problem: str | None = None


def decode_text(data: bytes) -> tuple[str, str, int] | None:
    """(text, encoding, BOM length) for text in UTF-8/16/32 or GBK/GB18030; None for binary."""
    for bom, enc in BOMS:
        if data.startswith(bom):
            try:
                return data[len(bom):].decode(enc), enc, len(bom)
            except UnicodeDecodeError:
                return None
    sample = data[:65536]
    if sample.count(0) > len(sample) // 4 and len(sample) >= 4:
        even, odd = sample[0::2].count(0), sample[1::2].count(0)
        enc = "utf-16-le" if odd > even else "utf-16-be"
        if not _textual(sample[:len(sample) - len(sample) % 2].decode(enc, "replace")):
            return None
        try:
            text = data[:len(data) - len(data) % 2].decode(enc)
        except UnicodeDecodeError:
            return None
        return (text, enc, 0) if _textual(text) else None
    if b"\x00" in sample:
        return None
    for enc in ("utf-8", "gb18030"):
        if not _textual(sample.decode(enc, "ignore")):
            return None
        try:
            text = data.decode(enc)
        except UnicodeDecodeError:
            continue
        return (text, enc, 0) if _textual(text) else None
    return None


def _textual(text: str) -> bool:
    sample = text[:8192]
    bad = sum(1 for ch in sample if ch < " " and ch not in "\t\r\n\f\v")
    return bad * 100 <= len(sample)


def plain(data: bytes) -> Extracted:
    decoded = decode_text(data)
    if decoded is None:
        return Extracted("text", problem="not text in UTF-8, UTF-16, UTF-32, GBK or GB18030")
    text, enc, base = decoded
    return Extracted("text", (Segment(text[:MAX_CHARS], encoding=enc, byte_base=base),))


_RAW_TEXT = re.compile(r"<(script|style)\b", re.I)
_RAW_END = {"script": re.compile(r"</script\s*>", re.I), "style": re.compile(r"</style\s*>", re.I)}
_ENTITY = re.compile(r"&(?:#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});")


def _tag_end(text: str, at: int, missing: dict[str, int]) -> int:
    """End of the comment, script/style element or tag opening at ``at``; -1 when it never
    closes. ``missing`` remembers from where a closer is known to be absent, so every search
    runs over each character at most once (linear in a flood of ``<`` or ``<!--``)."""
    if text.startswith("<!--", at) and at < missing.get("-->", len(text) + 1):
        end = text.find("-->", at + 4)
        if end >= 0:
            return end + 3
        missing["-->"] = at
    raw = _RAW_TEXT.match(text, at)
    if raw is not None:
        name = raw.group(1).lower()
        if at < missing.get(name, len(text) + 1):
            close = _RAW_END[name].search(text, raw.end())
            if close is not None:
                return close.end()
            missing[name] = at
    if at >= missing.get(">", len(text) + 1):
        return -1
    end = text.find(">", at + 1)
    if end < 0:
        missing[">"] = at
        return -1
    return end + 1


def strip_markup(text: str) -> str:
    """Tags as spaces and entities decoded, padded so every character keeps its offset."""
    parts: list[str] = []
    missing: dict[str, int] = {}
    i = 0
    while True:
        at = text.find("<", i)
        if at < 0:
            parts.append(text[i:])
            break
        end = _tag_end(text, at, missing)
        if end < 0:
            parts.append(text[i:at + 1])
            i = at + 1
            continue
        parts.append(text[i:at])
        parts.append(" " * (end - at))
        i = end
    text = "".join(parts)
    return _ENTITY.sub(lambda m: html.unescape(m.group(0)).ljust(len(m.group(0)))[
        :len(m.group(0))], text)


def markup(data: bytes, kind: str = "html") -> Extracted:
    decoded = decode_text(data)
    if decoded is None:
        return Extracted(kind, problem="markup is not text in a known encoding")
    text, enc, base = decoded
    return Extracted(kind, (Segment(strip_markup(text[:MAX_CHARS]), encoding=enc,
                                    byte_base=base),))


_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")


def split_camel(name: str) -> str:
    """``isSupportRace`` -> ``is Support Race`` so element names read as words."""
    return _CAMEL.sub(" ", name)


def xml_document(data: bytes) -> Extracted:
    """Each element as a line ``path: text attributes`` (names also split at camel humps)."""
    from xml.etree.ElementTree import Element

    import defusedxml.ElementTree as DET

    try:
        root = DET.fromstring(data)
    except Exception as e:  # noqa: BLE001 - hostile XML of any shape; fall back to markup
        got = markup(data, "xml")
        reason = f"XML not parsed ({type(e).__name__}); read as markup"
        return Extracted("xml", got.segments, None if got.segments else reason)
    lines: list[str] = []
    marks: list[tuple[int, str]] = []
    size = 0

    def walk(el: Element, parents: tuple[str, ...]) -> None:
        nonlocal size
        if size > MAX_CHARS:
            return
        tag = el.tag.rsplit("}", 1)[-1] if isinstance(el.tag, str) else "?"
        path = (*parents, tag)
        attrs = " ".join(f"{k.rsplit('}', 1)[-1]}={v}" for k, v in el.attrib.items())
        body = (el.text or "").strip()
        line = f"{'/'.join(path)}: {body} {attrs}".rstrip()
        words = " ".join(split_camel(p) for p in path[-3:])
        marks.append((size, "/" + "/".join(path)))
        lines.append(f"{line} ({words})")
        size += len(lines[-1]) + 1
        for child in el:
            walk(child, path)

    try:
        walk(root, ())
    except RecursionError:
        return Extracted("xml", problem="XML nested too deeply")
    return Extracted("xml", (Segment("\n".join(lines), marks=tuple(marks)),))


def pdf(data: bytes) -> Extracted:
    import pypdf

    segments: list[Segment] = []
    bad: list[int] = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            reader = pypdf.PdfReader(io.BytesIO(data))
            if reader.is_encrypted and not reader.decrypt(""):
                return Extracted("pdf", problem="PDF is encrypted")
            pages = reader.pages
            count = min(len(pages), MAX_PAGES)
        except Exception as e:  # noqa: BLE001 - pypdf raises many types on hostile files
            return Extracted("pdf", problem=f"PDF not readable ({type(e).__name__})")
        for n in range(count):
            try:
                text = pages[n].extract_text() or ""
            except Exception:  # noqa: BLE001 - one bad page does not end the document
                bad.append(n + 1)
                text = ""
            segments.append(Segment(text[:MAX_CHARS], page=n + 1))
    problem = f"PDF page(s) {', '.join(map(str, bad[:10]))} not readable" if bad else None
    if not count:  # a broken or empty page tree hides the text: the raw bytes are scanned
        problem = "PDF has no readable pages"
    return Extracted("pdf", tuple(segments), problem)


def docx(data: bytes) -> Extracted:
    import docx as python_docx

    try:
        document = python_docx.Document(io.BytesIO(data))
    except Exception as e:  # noqa: BLE001 - hostile or broken package
        return Extracted("docx", problem=f"DOCX not readable ({type(e).__name__})")
    parts: list[str] = []
    marks: list[tuple[int, str]] = []
    size = 0
    for i, para in enumerate(document.paragraphs, 1):
        marks.append((size, f"paragraph {i}"))
        parts.append(para.text)
        size += len(para.text) + 1
    for t, table in enumerate(document.tables, 1):
        for r, row in enumerate(table.rows, 1):
            text = " | ".join(cell.text for cell in row.cells)
            marks.append((size, f"table {t} row {r}"))
            parts.append(text)
            size += len(text) + 1
            if size > MAX_CHARS:
                break
    return Extracted("docx", (Segment("\n".join(parts), marks=tuple(marks)),))


def xlsx(data: bytes) -> Extracted:
    import openpyxl  # type: ignore[import-untyped]

    try:
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as e:  # noqa: BLE001 - hostile or broken package
        return Extracted("xlsx", problem=f"XLSX not readable ({type(e).__name__})")
    segments: list[Segment] = []
    try:
        for sheet in book.worksheets:
            parts: list[str] = []
            marks: list[tuple[int, str]] = []
            size = 0
            for r, row in enumerate(sheet.iter_rows(values_only=True), 1):
                if r > MAX_ROWS or size > MAX_CHARS:
                    break
                text = " | ".join("" if v is None else str(v) for v in row)
                marks.append((size, f"sheet {sheet.title} row {r}"))
                parts.append(text)
                size += len(text) + 1
            segments.append(Segment("\n".join(parts), marks=tuple(marks)))
    except Exception as e:  # noqa: BLE001 - a broken sheet part
        return Extracted("xlsx", tuple(segments), f"XLSX partly read ({type(e).__name__})")
    finally:
        book.close()
    return Extracted("xlsx", tuple(segments))
