"""OCSF "Device Inventory Info" events (class 5001, category 5 Discovery), one per device.

The output is JSON Lines: one event per line, the form SIEMs and data lakes ingest. Each event is
activity 2 "Collect" (camaudit probed the network itself). The mapping (docs/formats.md):

* ``device``: ``ip`` (when the record's address is one; a camera read from a recorder's channel
  list is named ``<recorder>/ch<n>``), ``name``, ``hostname``, ``mac``, ``vendor_name`` (the
  firmware's maker), ``model``, ``hw_info.serial_number``, ``os`` (the firmware: name and
  version), ``type_id`` (cameras, recorders and the like are 7 IOT), ``desc``, first and last
  seen, and ``is_compliant`` (false when a policy covers the device, true when every policy
  found it not covered);
* ``severity_id``: 4 High for a covered device, 3 Medium for a ``possible`` or ``exposed``
  verdict, a high-severity exposure or a vulnerability in CISA's KEV catalogue that the device
  is affected by, 2 Low for any other exposure or affecting vulnerability, else 1
  Informational;
* ``observables``: the address, MAC and host name;
* ``unmapped.camaudit``: the whole device record (docs/records.md), so nothing is lost.

Validated in the tests against the class's JSON Schema for the OCSF version written.
"""

from __future__ import annotations

import ipaddress
import json
import re
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from camaudit import __version__
from camaudit.model import Device

OCSF_VERSION = "1.5.0"
CLASS_UID, CLASS_NAME = 5001, "Device Inventory Info"
CATEGORY_UID, CATEGORY_NAME = 5, "Discovery"
ACTIVITY_ID, ACTIVITY_NAME = 2, "Collect"
SEVERITIES = {1: "Informational", 2: "Low", 3: "Medium", 4: "High"}

# OCSF device type_id and its caption, by camaudit device type (rules/vocab/device_types.txt).
DEVICE_TYPES: dict[str | None, tuple[int, str]] = {
    **dict.fromkeys(("ip-camera", "nvr", "dvr", "xvr", "video-encoder", "thermal-camera",
                     "doorbell", "intercom", "access-control", "smart-home", "media-player"),
                    (7, "IOT")),
    **dict.fromkeys(("web-server", "media-server", "nas", "server"), (1, "Server")),
    "router": (12, "Router"),
    "switch": (10, "Switch"),
    None: (0, "Unknown"),
}
OTHER_TYPE = (99, "Other")

_MAC = re.compile(r"^([0-9A-Fa-f]{2}[:-]){5}[0-9A-Fa-f]{2}$")


def _millis(iso: str | None) -> int | None:
    if not iso:
        return None
    try:
        when = datetime.fromisoformat(iso.replace("Z", "+00:00"))
    except ValueError:
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return int(when.timestamp() * 1000)


def _ip(text: str) -> str | None:
    try:
        return str(ipaddress.ip_address(text))
    except ValueError:
        return None


def severity_id(d: Device) -> int:
    statuses = {v.status for v in d.verdicts}
    if "covered" in statuses:
        return 4
    if (statuses & {"possible", "exposed"} or any(x.severity == "high" for x in d.exposures)
            or any(r.kev and r.status == "affected" for r in d.risks)):
        return 3
    if d.exposures or any(r.status == "affected" for r in d.risks):
        return 2
    return 1


def describe(d: Device) -> str:
    """One line for people: maker and type, label, and the policies that cover it."""
    kind = (d.device_type or "device").replace("-", " ")
    text = f"{d.maker or 'Unknown maker'} {kind} at {d.ip}"
    if d.brand and d.brand != d.maker:
        text += f", labelled {d.brand}"
    elif d.relabeled:
        text += ", brand-neutral OEM build"
    covered = [v.policy for v in d.verdicts if v.status == "covered"]
    if covered:
        text += f"; covered by {', '.join(covered)}"
    return text


def _device(d: Device) -> dict[str, Any]:
    type_id, type_name = DEVICE_TYPES.get(d.device_type, OTHER_TYPE)
    out: dict[str, Any] = {"type_id": type_id, "type": type_name, "name": d.ip,
                           "desc": describe(d)}
    ip = _ip(d.ip) or (_ip(d.segment_ip) if d.segment_ip else None)
    if ip:
        out["ip"] = ip
    if d.hostnames:
        out["hostname"] = d.hostnames[0]
    if d.mac and _MAC.match(d.mac):
        out["mac"] = d.mac
    if d.maker:
        out["vendor_name"] = d.maker
    if d.model:
        out["model"] = d.model
    if d.serial or d.maker:
        out["hw_info"] = {k: v for k, v in (("serial_number", d.serial),
                                            ("vendor_name", d.maker)) if v}
    if d.firmware:
        out["os"] = {"name": f"{d.maker or 'Unknown'} firmware", "type_id": 99,
                     "type": "Other", "version": d.firmware}
    for name, when in (("first_seen_time", d.first_seen), ("last_seen_time", d.last_seen)):
        if (ms := _millis(when)) is not None:
            out[name] = ms
    statuses = {v.status for v in d.verdicts}
    if "covered" in statuses:
        out["is_compliant"] = False
    elif statuses == {"not-covered"}:
        out["is_compliant"] = True
    return out


def _observables(d: Device, device: dict[str, Any]) -> list[dict[str, Any]]:
    found = [("device.ip", 2, "IP Address", device.get("ip")),
             ("device.mac", 3, "MAC Address", device.get("mac")),
             ("device.hostname", 1, "Hostname", device.get("hostname"))]
    return [{"name": n, "type_id": t, "type": caption, "value": v}
            for n, t, caption, v in found if v]


def event(d: Device, meta: dict[str, Any]) -> dict[str, Any]:
    """The Device Inventory Info event for one device record."""
    sev = severity_id(d)
    time = (_millis(d.last_seen) or _millis(meta.get("time"))
            or int(datetime.now(UTC).timestamp() * 1000))
    device = _device(d)
    return {
        "activity_id": ACTIVITY_ID, "activity_name": ACTIVITY_NAME,
        "category_uid": CATEGORY_UID, "category_name": CATEGORY_NAME,
        "class_uid": CLASS_UID, "class_name": CLASS_NAME,
        "type_uid": CLASS_UID * 100 + ACTIVITY_ID,
        "type_name": f"{CLASS_NAME}: {ACTIVITY_NAME}",
        "severity_id": sev, "severity": SEVERITIES[sev],
        "time": time,
        "message": describe(d),
        "metadata": {"version": OCSF_VERSION, "log_name": "camaudit",
                     "product": {"name": "camaudit", "vendor_name": "camaudit",
                                 "version": __version__}},
        "device": device,
        "observables": _observables(d, device),
        "unmapped": {"camaudit": d.to_json()},
    }


def render(devices: Sequence[Device], meta: dict[str, Any]) -> str:
    """One OCSF event per device, as JSON Lines."""
    return "".join(json.dumps(event(d, meta), ensure_ascii=False) + "\n" for d in devices)
