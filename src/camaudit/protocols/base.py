"""What a vendor discovery protocol is to camaudit, declared once in its own module.

A ``Protocol`` says where the probe goes (port, multicast group, broadcast), where replies come
back, the probe bytes, how one datagram becomes observations (``decode``), which ``identify
--as`` kind takes a pasted reply (``identify``), and how an emulated lab device answers a probe
(``respond``) and announces itself (``announce``). ``scan --iface``, ``discover``,
``identify`` and the namespace lab all read the registry in ``protocols/__init__.py``, so a new
protocol is one module there, its data and its tests (docs/extending.md).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol as Interface

from camaudit.model import Observation

MAX_DATAGRAM = 65535


class LabDevice(Interface):
    """What a protocol's lab responder may read of the emulated device (lab/responders.py)."""

    ip: str
    mac: str

    def field(self, name: str, default: str = "") -> str:
        """This protocol's profile field ``name``, rendered for the device (``{serial}`` ...)."""
        ...

    def spec(self) -> dict[str, str]:
        """This protocol's profile fields as written (templates not yet rendered)."""
        ...

    def render(self, template: str) -> str:
        """``template`` with the device's values filled in."""
        ...


Respond = Callable[[LabDevice, bytes], "bytes | None"]
Announce = Callable[[LabDevice], "bytes | None"]


@dataclass(frozen=True, slots=True)
class Protocol:
    """One discovery protocol (see the module doc)."""

    name: str
    port: int  # the device's port
    group: str | None  # multicast group the probe goes to
    broadcast: bool  # also sent to the interface's broadcast addresses
    listen_port: int  # local port replies arrive on (0: any)
    probes: Callable[[], list[bytes]]
    decode: Callable[[bytes, str], list[Observation]]  # one datagram -> observations
    respond: Respond  # the lab's reply to a probe (None: stay silent)
    identify: Callable[[bytes], list[Observation]] | None = None  # pasted reply -> observations
    kind: str | None = None  # the identify --as kind taking ``identify``
    unicast: bool = True  # worth sending to a routed target's address
    announce: Announce | None = None  # the lab's unsolicited message (Hello, NOTIFY)
    announces_on: tuple[int, str] | None = None  # (port, group) announcements arrive on


def source_label(proto: str, port: int, passive: bool = False) -> str:
    return f"udp/{port} {proto}{' announcement' if passive else ''}"


def int_or_text(value: str) -> int | str:
    return int(value) if value.isdigit() and len(value) < 10 else value
