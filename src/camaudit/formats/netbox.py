"""CSV in the columns of NetBox's device bulk import (DCIM > Devices > Import).

NetBox matches ``role``, ``manufacturer``, ``device_type`` (by model, among that manufacturer's
device types) and ``site`` by name against objects that must already exist, and requires
``status``. camaudit writes (docs/formats.md):

* ``name``: the first host name, else the address;
* ``role``: from the device type (``IP camera``, ``NVR``, ``DVR`` ...; ``Surveillance device``
  when camaudit could not tell);
* ``manufacturer``: the firmware's maker (``Unknown`` when no rule named one): an inventory of
  relabeled equipment is kept by who made it, the label is in the comments;
* ``device_type``: the model, else ``Unknown``;
* ``site``: the site the scan was recorded under (``--site``), else empty for you to fill;
* ``status``: ``active`` (the device answered); ``serial``; ``description``: one line;
* ``comments``: Markdown with the address, MAC, brand, firmware, confidence, verdicts,
  exposures, known vulnerabilities and the rules that named the maker.

Every cell a device controls is defused against spreadsheet formulas (``reports.text``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from camaudit.model import Device

COLUMNS = ("name", "role", "manufacturer", "device_type", "site", "status", "serial",
           "description", "comments")
ROLES = {
    "ip-camera": "IP camera", "thermal-camera": "IP camera", "nvr": "NVR", "dvr": "DVR",
    "xvr": "DVR", "video-encoder": "Video encoder", "doorbell": "Doorbell",
    "intercom": "Intercom", "access-control": "Access control", "router": "Router",
    "switch": "Switch", "access-point": "Access point", "modem": "Modem",
    "web-server": "Server", "media-server": "Server", "server": "Server", "nas": "NAS",
    "printer": "Printer",
}
DEFAULT_ROLE = "Surveillance device"
MAX_DESCRIPTION = 200  # NetBox's limit on a device description
MAX_RULES = 8


def description(d: Device) -> str:
    kind = (d.device_type or "device").replace("-", " ")
    text = f"{kind} with {d.maker or 'unknown'} firmware"
    if d.brand and d.brand != d.maker:
        text += f", labelled {d.brand}"
    covered = [v.policy for v in d.verdicts if v.status == "covered"]
    if covered:
        text += f"; covered by {', '.join(covered)}"
    return text[:MAX_DESCRIPTION]


def comments(d: Device) -> str:
    """Markdown, one bullet a fact, for the device's comments field."""
    lines = ["camaudit found this device:", f"- address: {d.ip}"]
    facts = (("MAC", d.mac), ("brand on the label", d.brand), ("firmware", d.firmware),
             ("device type", d.device_type))
    lines += [f"- {name}: {value}" for name, value in facts if value]
    lines.append(f"- maker confidence: {d.confidence:.2f}"
                 + (" (relabeled)" if d.relabeled else ""))
    lines += [f"- {v.policy}: {v.status} ({v.reason})" for v in d.verdicts]
    lines += [f"- exposure {x.id} ({x.severity}): {x.basis}" for x in d.exposures]
    lines += [f"- {r.cve}: {r.status}" + (f", in CISA KEV since {r.kev}" if r.kev else "")
              for r in d.risks]
    rules = list(dict.fromkeys(e.rule for e in d.evidence if e.rule))
    if rules:
        more = f" and {len(rules) - MAX_RULES} more" if len(rules) > MAX_RULES else ""
        lines.append(f"- rules: {', '.join(rules[:MAX_RULES])}{more}")
    return "\n".join(lines)


def row(d: Device, site: str) -> list[object]:
    values: dict[str, object] = {
        "name": d.hostnames[0] if d.hostnames else d.ip,
        "role": ROLES.get(d.device_type or "", DEFAULT_ROLE),
        "manufacturer": d.maker or "Unknown", "device_type": d.model or "Unknown",
        "site": site, "status": "active", "serial": d.serial, "description": description(d),
        "comments": comments(d),
    }
    return [values[c] for c in COLUMNS]


def render(devices: Sequence[Device], meta: dict[str, Any]) -> str:
    # imported here: the reporters' registry (camaudit.reports) imports this module
    from camaudit.reports.text import csv_text

    site = str(meta.get("site") or "")
    return csv_text((row(d, site) for d in devices), COLUMNS)
