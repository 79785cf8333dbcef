"""The cameras on a recorder's channels, as the recorder lists them (sans-I/O).

    isapi_channels(body)   Hikvision ``/ISAPI/ContentMgmt/InputProxy/channels`` and
                           ``.../channels/status`` documents -> [Channel]
    dahua_cameras(text)    Dahua ``LogicDeviceManager.cgi?action=getCameraAll`` and
                           ``configManager.cgi?action=getConfig&name=RemoteDevice`` -> [Channel]
    merge(a, b)            one Channel per number, fields of ``b`` filling gaps of ``a``

A recorder's list is read leniently: element and key names are matched wherever they sit in a
channel's subtree, since firmware versions nest them differently. User names and passwords that
some recorders put in these lists are never read into a ``Channel``.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from camaudit.wire.xmldoc import local, parse_xml, text_of

MAX_CHANNELS = 512
MAX_VALUE = 120

# element (ISAPI) or key (Dahua) name, lower case -> Channel field
_FIELDS = {
    "ipaddress": "address", "hostname": "address", "address": "address",
    "proxyprotocol": "protocol", "protocoltype": "protocol",
    "manufacturer": "manufacturer", "vendor": "manufacturer",
    "model": "model", "devicetype": "model",
    "serialnumber": "serial", "serialno": "serial",
    "firmwareversion": "firmware", "version": "firmware",
    "macaddress": "mac", "mac": "mac",
    "name": "name", "channelname": "name", "machinename": "name",
    "online": "online",
}
_SECRET = re.compile(r"(?i)pass|pwd|user|secret|token|key")
_DAHUA_LINE = re.compile(
    r"^(?:camera\[(\d{1,4})\]|table\.RemoteDevice\.([\w:.-]{1,80}?))\.([\w.\[\]]{1,120})=(.*)$")


@dataclass(frozen=True, slots=True)
class Channel:
    """One camera on a recorder channel. ``number`` counts from 1 as the recorder's UI does."""

    number: int
    address: str | None = None
    protocol: str | None = None
    manufacturer: str | None = None
    model: str | None = None
    serial: str | None = None
    firmware: str | None = None
    mac: str | None = None
    name: str | None = None
    online: bool | None = None


def _clean(value: str) -> str | None:
    value = " ".join(value.split())[:MAX_VALUE]
    return value or None


def _build(number: int, pairs: Iterable[tuple[str, str]]) -> Channel:
    values: dict[str, object] = {}
    for name, raw in pairs:
        field = _FIELDS.get(name.lower())
        if field is None or field in values or _SECRET.search(name):
            continue
        if field == "online":
            text = raw.strip().lower()
            if text in ("true", "1", "online"):
                values[field] = True
            elif text in ("false", "0", "offline"):
                values[field] = False
            continue
        value = _clean(raw)
        if value is not None and value not in ("0.0.0.0", "N/A"):  # noqa: S104 - a value read
            values[field] = value
    return Channel(number, **values)  # type: ignore[arg-type]


def isapi_channels(body: bytes) -> list[Channel]:
    """Channels of an ISAPI InputProxy channel list or status list ([] if it is neither)."""
    root, _ = parse_xml(body)
    if root is None:
        return []
    out: list[Channel] = []
    for elem in root.iter():
        if local(elem.tag) not in ("InputProxyChannel", "InputProxyChannelStatus"):
            continue
        ident = next((text_of(c) for c in elem if local(c.tag) == "id"), "")
        if not ident.strip().isdigit() or len(ident.strip()) > 4:
            continue
        pairs = [(local(e.tag), text_of(e)) for e in elem.iter()
                 if e is not elem and len(e) == 0 and local(e.tag) != "id"]
        out.append(_build(int(ident.strip()), pairs))
        if len(out) >= MAX_CHANNELS:
            break
    return out


def dahua_cameras(text: str) -> list[Channel]:
    """Channels of a Dahua ``getCameraAll`` or ``RemoteDevice`` reply (key=value lines).

    ``camera[N].Channel`` (0-based) gives the channel when present, else ``N``; RemoteDevice
    entries are numbered in the order they come.
    """
    groups: dict[str, list[tuple[str, str]]] = {}
    for line in text.splitlines()[:MAX_CHANNELS * 64]:
        m = _DAHUA_LINE.match(line.strip())
        if m is None:
            continue
        group = m.group(1) if m.group(1) is not None else f"r:{m.group(2)}"
        if group not in groups and len(groups) >= MAX_CHANNELS:
            continue
        path, value = m.group(3), m.group(4)
        groups.setdefault(group, []).append((path.rsplit(".", 1)[-1], value))
    out: list[Channel] = []
    for i, (group, pairs) in enumerate(groups.items()):
        channel = next((v for k, v in pairs if k == "Channel"), None)
        if channel is not None and channel.strip().isdigit() and len(channel.strip()) <= 4:
            number = int(channel.strip()) + 1
        elif group.isdigit():
            number = int(group) + 1
        else:
            number = i + 1
        enable = next((v for k, v in pairs if k == "Enable"), None)
        if enable is not None and enable.strip().lower() == "false":
            continue
        built = _build(number, [(k, v) for k, v in pairs if k != "Channel"])
        if built.address or built.model or built.serial:
            out.append(built)
    return out


def merge(*lists: Sequence[Channel]) -> list[Channel]:
    """One Channel per number, in number order: later lists fill fields earlier ones lack."""
    by_number: dict[int, Channel] = {}
    for channels in lists:
        for ch in channels:
            old = by_number.get(ch.number)
            if old is None:
                by_number[ch.number] = ch
                continue
            fill = {f.name: getattr(ch, f.name) for f in dataclasses.fields(Channel)
                    if getattr(old, f.name) is None and getattr(ch, f.name) is not None}
            by_number[ch.number] = dataclasses.replace(old, **fill)
    return [by_number[n] for n in sorted(by_number)]
