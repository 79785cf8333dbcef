"""Dahua's legacy binary search on UDP 5050, broadcast only (facts §2.2). No ``identify`` kind:
the DESIGN kind list is fixed."""

from __future__ import annotations

from camaudit.model import Observation
from camaudit.protocols.base import LabDevice, Protocol
from camaudit.wire import dahua_legacy

# Section 2 model, 16-byte device type, section 3 lines (facts §2.2); the Name default follows
# DHIP's MachineName (= serial in the AMP-Research sample).
_DEFAULTS = {"Model": "{model}", "DeviceType": "", "Name": "{serial}", "Device": "",
             "SerialNo": "{serial}", "Port": "37777"}


def decode(data: bytes, source: str) -> list[Observation]:
    return dahua_legacy.observations(dahua_legacy.parse(data), source)


def _link_local(mac: str) -> str:
    """EUI-64 link-local address of ``mac``, as in the DHIP sample (§2.1)."""
    octets = bytes.fromhex(mac.replace(":", ""))
    eui = bytes([octets[0] ^ 0x02]) + octets[1:3] + b"\xff\xfe" + octets[3:]
    groups = [f"{int.from_bytes(eui[i: i + 2], 'big'):x}" for i in range(0, 8, 2)]
    return "fe80::" + ":".join(groups) + "/64"


def respond(device: LabDevice, data: bytes) -> bytes | None:
    if not dahua_legacy.is_search(data):
        return None
    spec = {**_DEFAULTS, **device.spec()}

    def field(name: str) -> str:
        return device.render(spec.get(name, ""))

    info = tuple((name, value) for name, value in
                 (("Name", field("Name")), ("Device", field("Device")),
                  ("IPv6Addr", _link_local(device.mac)), ("SerialNo", field("SerialNo")))
                 if value)
    port = field("Port")
    return dahua_legacy.build_reply(
        mac=device.mac, model=field("Model"), device_type=field("DeviceType"), ip=device.ip,
        tcp_port=int(port) if port.isdigit() and len(port) < 6 else 0, info=info)


PROTOCOL = Protocol("dhlegacy", dahua_legacy.PORT, None, True, dahua_legacy.PORT,
                    lambda: [dahua_legacy.build_search()], decode, respond, unicast=False)
