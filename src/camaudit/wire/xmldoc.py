"""Hostile-XML helpers shared by the ISAPI, SADP and WS-Discovery codecs.

Every parse goes through ``defusedxml``: entity declarations (billion laughs), external
references and oversized documents are refused, never expanded.
"""

from __future__ import annotations

import re
from xml.etree.ElementTree import Element, ParseError

import defusedxml.ElementTree as SafeET
from defusedxml import DefusedXmlException

MAX_XML = 256 * 1024

# What defusedxml/expat can raise on hostile bytes (unknown encodings give LookupError).
XML_ERRORS = (DefusedXmlException, ParseError, ValueError, LookupError, RecursionError,
              UnicodeError, TypeError)


def parse_xml(data: bytes | str) -> tuple[Element | None, str]:
    """Root element and "" on success, or None and a short problem."""
    if len(data) > MAX_XML:
        return None, "XML larger than 256 KiB"
    if not data.strip():
        return None, "empty"
    try:
        root = SafeET.fromstring(data)
    except DefusedXmlException as exc:
        return None, f"forbidden XML construct: {type(exc).__name__}"
    except XML_ERRORS as exc:
        return None, f"bad XML: {str(exc)[:80]}"
    if not isinstance(root, Element):
        return None, "bad XML: no root element"
    return root, ""


_FIRST_ELEMENT = re.compile(rb"<[?A-Za-z]")


def pasted_xml(data: bytes) -> bytes:
    """An XML paste from its first tag on: surrounding blanks, a BOM and whatever precedes the
    first tag (a multipart boundary and part headers of an event stream, a log prefix) go."""
    data = data.strip().lstrip(b"\xef\xbb\xbf")
    m = _FIRST_ELEMENT.search(data[:4096])
    return data[m.start():] if m else data


def local(tag: object) -> str:
    """``{ns}Name`` -> ``Name`` (comments and processing instructions give "")."""
    if not isinstance(tag, str):
        return ""
    return tag.rsplit("}", 1)[-1]


def namespace(tag: object) -> str:
    """``{ns}Name`` -> ``ns``; "" when the tag has no namespace."""
    if isinstance(tag, str) and tag.startswith("{") and "}" in tag:
        return tag[1:tag.index("}")]
    return ""


def text_of(elem: Element) -> str:
    """All text inside ``elem`` (children included), stripped."""
    return "".join(elem.itertext()).strip()


def find_all(root: Element, name: str) -> list[Element]:
    """Descendants (and root) whose local name is ``name``, in document order."""
    return [e for e in root.iter() if local(e.tag) == name]


def find_text(root: Element, name: str) -> str | None:
    """Stripped text of the first element named ``name`` anywhere under root, or None."""
    for e in root.iter():
        if local(e.tag) == name:
            return text_of(e)
    return None


def child_texts(elem: Element) -> tuple[tuple[str, str], ...]:
    """(local name, stripped text) of the direct children of ``elem``, in order."""
    return tuple((local(c.tag), text_of(c)) for c in elem if local(c.tag))
