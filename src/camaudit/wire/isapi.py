"""Hikvision ISAPI XML (DeviceInfo, SessionLoginCap, ResponseStatus ...): namespace, root, identity.

The namespace alone fingerprints the firmware family (hikvision.com, std-cgi.com, isapi.org);
DeviceInfo adds model, firmware, serial, MAC and device type.
"""

from __future__ import annotations

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


def parse(data: bytes | str) -> IsapiDocument:
    root, problem = parse_xml(data)
    if root is None:
        return IsapiDocument("", "", (), False, problem)
    return IsapiDocument(local(root.tag), namespace(root.tag), child_texts(root)[:256], True)


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
            if value:
                obs.append(Observation(key, value, source))
    return obs
