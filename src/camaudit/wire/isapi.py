"""Hikvision ISAPI XML (DeviceInfo, SessionLoginCap, ResponseStatus ...): namespace, root, identity.

The namespace alone fingerprints the firmware family (hikvision.com, std-cgi.com, isapi.org);
DeviceInfo adds model, firmware (with its ``firmwareReleasedDate`` build, as SADP writes it:
``V5.5.6 build 180326``), serial, MAC and device type.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from camaudit.model import Observation
from camaudit.wire.xmldoc import child_texts, local, namespace, parse_xml

# DeviceInfo child element -> observation key.
FIELDS = {
    "model": "isapi.model",
    "firmwareVersion": "isapi.firmware",
    "serialNumber": "isapi.serial",
    "macAddress": "isapi.mac",
    "deviceType": "isapi.device_type",
}


@dataclass(frozen=True, slots=True)
class IsapiDocument:
    root: str
    namespace: str
    fields: tuple[tuple[str, str], ...]  # direct children of the root: (local name, text)
    valid: bool
    problem: str = ""

    def get(self, name: str) -> str | None:
        return next((v for k, v in self.fields if k == name), None)


# The first element's start tag, for a document cut short (a truncated paste, a capture that
# stopped mid-reply): its name and xmlns still tell the firmware family.
# (bounded runs only: a cut document may hold anything, and nested open-ended runs backtrack)
_FIRST_TAG = re.compile(r"<([A-Za-z_][\w.-]{0,80})((?:\s{1,20}[\w:.-]{1,40}\s{0,20}=\s{0,20}"
                        r"(?:\"[^\"<]{0,300}\"|'[^'<]{0,300}')){0,32})\s{0,20}/?>")
_XMLNS = re.compile(r"""\sxmlns\s{0,20}=\s{0,20}["']\s{0,20}([^"'<]{1,300}?)\s{0,20}["']""")
_LEAF = re.compile(r"<([A-Za-z_][\w.-]{0,80})(?:\s[^<>]{0,300})?>([^<>]{1,300})</\1>")


def _lenient(data: bytes | str) -> IsapiDocument:
    """Root name, namespace and complete leaf elements of a document the XML parser refused."""
    text = data.decode("utf-8", "replace") if isinstance(data, bytes) else data
    text = text[:MAX_LENIENT]
    body = re.sub(r"<\?.*?\?>|<!--.*?-->|<!DOCTYPE[^>]*>", "", text, flags=re.DOTALL)
    m = _FIRST_TAG.search(body)
    if m is None:
        return IsapiDocument("", "", (), False, "no element")
    ns = _XMLNS.search(m.group(2) or "")
    leaves = tuple((name, value.strip()) for name, value in _LEAF.findall(body[m.end():])
                   if value.strip())[:256]
    return IsapiDocument(m.group(1), ns.group(1).strip() if ns else "", leaves, True,
                         "read leniently: not well-formed XML")


MAX_LENIENT = 64 * 1024


def parse(data: bytes | str) -> IsapiDocument:
    """Any ISAPI/PSIA document. Well-formed XML is parsed; a document that is not (cut short,
    pasted in part) is read leniently for its root, namespace and complete leaf elements. An
    XML construct the safe parser forbids (entities, DTDs) is never read leniently."""
    root, problem = parse_xml(data)
    if root is None:
        if problem.startswith("forbidden") or not problem.startswith("bad XML"):
            return IsapiDocument("", "", (), False, problem)
        return _lenient(data)
    return IsapiDocument(local(root.tag), namespace(root.tag).strip(),
                         child_texts(root)[:256], True)


def observations(doc: IsapiDocument, source: str) -> list[Observation]:
    if not doc.valid:
        return []
    obs = []
    if doc.namespace:
        obs.append(Observation("isapi.namespace", doc.namespace, source))
    obs.append(Observation("isapi.root", doc.root, source))
    if doc.root == "DeviceInfo":
        for name, key in FIELDS.items():
            value = doc.get(name)
            if value and name == "firmwareVersion":
                value = _with_build(value, doc.get("firmwareReleasedDate"))
            if value:
                obs.append(Observation(key, value, source))
    return obs


_BUILD = re.compile(r"^\s*build\s*(\d{6})\s*$", re.IGNORECASE)


def _with_build(version: str, released: str | None) -> str:
    """``V5.5.6`` and ``build 180326`` as one firmware string, ``V5.5.6 build 180326``: the
    form SADP and the known-vulnerability ranges use (the build tells releases apart)."""
    m = _BUILD.match(released or "")
    if m is None or "build" in version.lower():
        return version
    return f"{version} build {m.group(1)}"
