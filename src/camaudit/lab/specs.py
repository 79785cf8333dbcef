"""The depth parts of a lab profile: a recorder's cameras, the ONVIF service, DVRIP login.

These are the sections a credentialed client reads (docs/lab.md "Depth"):

* ``recorder:`` the cameras behind a recorder (``channels``, each an existing lab profile) on
  the recorder's own ``segment``, and ``per_channel`` templates that the recorder's channel
  documents repeat once per camera (``{isapi_channels}`` in a body expands to every channel's
  rendering, in channel order);
* ``onvif:`` which HTTP port answers the ONVIF device and media services (lab/onvif.py), the
  ``manufacturer`` and ``hardware_id`` GetDeviceInformation reports, and whether that call is
  answered without credentials (``open_device_information``, an exposure case);
* a ``dvrip`` service's ``credentials``, ``login_reply`` and ``system_info`` fields
  (lab/dvrip_service.py).

Credentials default to the lab's (``LAB_USER``, ``LAB_PASSWORD``).
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field
from typing import Any

from camaudit.lab import LAB_PASSWORD, LAB_USER
from camaudit.lab.render import DEVICE_NAMES
from camaudit.lab.yamldoc import Doc

# Values a per-channel template may use: the channel's place on the recorder and the camera's
# own ground truth (the camera is a lab device of another profile, lab/plan.py).
CHANNEL_NAMES = frozenset({"channel", "index", "channel_pad", "segment_ip", "protocol", "port",
                           "maker", "brand"}) | DEVICE_NAMES - {"ip"}
MAX_CHANNELS = 64
_RECORDER_KEYS = {"segment", "protocol", "port", "channels", "per_channel"}
_CHANNEL_KEYS = {"profile", "protocol", "port"}
_ONVIF_KEYS = {"port", "manufacturer", "hardware_id", "open_device_information", "user",
               "password"}
_CREDENTIAL_KEYS = {"user", "password"}


@dataclass(frozen=True, slots=True)
class ChannelSpec:
    """One camera behind a recorder: its lab profile and how the recorder reaches it."""

    profile: str
    protocol: str
    port: int


@dataclass(frozen=True, slots=True)
class RecorderSpec:
    """The cameras behind a recorder, on its own segment (``segment``, e.g. PoE ports)."""

    segment: str
    channels: tuple[ChannelSpec, ...]
    per_channel: tuple[tuple[str, str], ...]  # (template name, text repeated per channel)
    line: int = 0  # of ``recorder:`` in its file, for cross-profile errors

    def segment_ip(self, channel: int) -> str:
        """The address of channel ``channel`` (1-based): the segment's host ``channel + 1``
        (host 1 is the recorder's own port on it)."""
        return str(ipaddress.IPv4Network(self.segment)[channel + 1])


@dataclass(frozen=True, slots=True)
class OnvifSpec:
    """The ONVIF device and media services of a profile (lab/onvif.py)."""

    port: int
    manufacturer: str
    hardware_id: str
    open_device_information: bool = False
    user: str = LAB_USER
    password: str = field(default=LAB_PASSWORD, repr=False)


@dataclass(frozen=True, slots=True)
class DvripSpec:
    """What a DVRIP port (TCP 34567) accepts and answers (lab/dvrip_service.py)."""

    login_reply: tuple[tuple[str, str], ...]
    system_info: tuple[tuple[str, str], ...]
    user: str = LAB_USER
    password: str = field(default=LAB_PASSWORD, repr=False)


def parse_recorder(doc: Doc, node: dict[str, Any]) -> RecorderSpec | None:
    """The profile's ``recorder:`` section, or None."""
    if node.get("recorder") is None:
        return None
    raw = doc.keys(node["recorder"], _RECORDER_KEYS, "recorder.")
    segment = str(doc.get(raw, "segment", "recorder.", str))
    try:
        net = ipaddress.ip_network(segment, strict=True)
    except ValueError as e:
        doc.fail(raw, "recorder.segment", f"not a network: {e}")
    if not isinstance(net, ipaddress.IPv4Network) or net.num_addresses < 4:
        doc.fail(raw, "recorder.segment", "expected an IPv4 network with room for cameras")
    protocol = str(doc.get(raw, "protocol", "recorder.", str))
    port = doc.get(raw, "port", "recorder.", int)
    channels: list[ChannelSpec] = []
    items = doc.get(raw, "channels", "recorder.", list)
    if not items or len(items) > min(MAX_CHANNELS, net.num_addresses - 3):
        doc.fail(raw, "recorder.channels", "expected 1 to 64 channels that fit the segment")
    for i, item in enumerate(items):
        where = f"recorder.channels[{i}]."
        cnode = doc.keys(item, _CHANNEL_KEYS, where)
        channels.append(ChannelSpec(str(doc.get(cnode, "profile", where, str)),
                                    str(doc.get(cnode, "protocol", where, str, required=False,
                                                default=protocol)),
                                    doc.get(cnode, "port", where, int, required=False,
                                            default=port)))
    per_channel = doc.fields(raw, "per_channel", "recorder.", set(CHANNEL_NAMES))
    if not per_channel:
        doc.fail(raw, "recorder.per_channel", "expected at least one channel template")
    return RecorderSpec(segment, tuple(channels), per_channel,
                        node.get("__lines__", {}).get("recorder", 0))


def parse_onvif(doc: Doc, node: dict[str, Any], names: set[str]) -> OnvifSpec | None:
    """The profile's ``onvif:`` section, or None."""
    if node.get("onvif") is None:
        return None
    raw = doc.keys(node["onvif"], _ONVIF_KEYS, "onvif.")
    return OnvifSpec(doc.get(raw, "port", "onvif.", int),
                     doc.text(raw, str(doc.get(raw, "manufacturer", "onvif.", str)),
                              "onvif.manufacturer", names),
                     doc.text(raw, str(doc.get(raw, "hardware_id", "onvif.", (str, int))),
                              "onvif.hardware_id", names),
                     doc.get(raw, "open_device_information", "onvif.", bool, required=False,
                             default=False),
                     str(doc.get(raw, "user", "onvif.", str, required=False, default=LAB_USER)),
                     str(doc.get(raw, "password", "onvif.", str, required=False,
                                 default=LAB_PASSWORD)))


def parse_dvrip(doc: Doc, node: dict[str, Any], field_: str, names: set[str]) -> DvripSpec:
    """A ``dvrip`` service's ``credentials``, ``login_reply`` and ``system_info``."""
    creds = doc.keys(doc.get(node, "credentials", field_ + ".", dict, required=False,
                             default={}), _CREDENTIAL_KEYS, f"{field_}.credentials.")
    system_info = doc.fields(node, "system_info", field_ + ".", names)
    if not system_info:
        doc.fail(node, f"{field_}.system_info", "expected the SystemInfo fields")
    return DvripSpec(doc.fields(node, "login_reply", field_ + ".", names), system_info,
                     str(creds.get("user", LAB_USER)), str(creds.get("password", LAB_PASSWORD)))
