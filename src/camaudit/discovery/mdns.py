"""mDNS through the ``zeroconf`` library (no hand-written DNS codec): host names by address.

Every A record heard on the interface during the window is kept (``_AddressListener``), so
announcements count as well as answers. Actively, ``ServiceBrowser`` asks for the service
types cameras and recorders advertise; passively nothing is sent. The result maps each IPv4
address to the ``.local`` names it announced; names carry no maker claim and go into the
device record's ``hostnames``.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterable

from zeroconf import (
    RecordUpdate,
    RecordUpdateListener,
    ServiceBrowser,
    ServiceListener,
    Zeroconf,
)
from zeroconf._dns import DNSAddress

log = logging.getLogger(__name__)

SERVICE_TYPES = ("_http._tcp.local.", "_rtsp._tcp.local.", "_onvif._tcp.local.")
MAX_NAMES = 64


def hostname(name: str) -> str | None:
    """``cam-1.local.`` -> ``cam-1.local``; None for empty or over-long names."""
    text = name.strip().rstrip(".")
    if not text or len(text) > 253 or any(ord(c) < 33 or ord(c) == 127 for c in text):
        return None
    return text


def names_by_address(records: Iterable[tuple[str, bytes]]) -> dict[str, tuple[str, ...]]:
    """(record name, packed IPv4 address) pairs -> {ip: (host names, first heard first)}."""
    out: dict[str, list[str]] = {}
    for name, packed in records:
        host = hostname(name)
        if host is None or len(packed) != 4:
            continue
        names = out.setdefault(".".join(str(b) for b in packed), [])
        if host not in names and len(names) < MAX_NAMES:
            names.append(host)
    return {ip: tuple(names) for ip, names in out.items()}


class _AddressListener(RecordUpdateListener):
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.seen: list[tuple[str, bytes]] = []

    def async_update_records(self, zc: Zeroconf, now: float,
                             records: list[RecordUpdate]) -> None:
        with self.lock:
            for update in records:
                record = update.new
                if isinstance(record, DNSAddress) and len(self.seen) < 4096:
                    self.seen.append((record.name, record.address))


class _Ignore(ServiceListener):
    def add_service(self, zc: Zeroconf, type_: str, name: str) -> None:
        """Answers reach ``_AddressListener``; the browser only asks."""

    def remove_service(self, zc: Zeroconf, type_: str, name: str) -> None:
        """Goodbyes are not needed for an inventory."""

    def update_service(self, zc: Zeroconf, type_: str, name: str) -> None:
        """Updates arrive as records too."""


def browse(address: str, seconds: float, *, active: bool = True) -> dict[str, tuple[str, ...]]:
    """Listen on the interface with ``address`` for ``seconds``; {ip: host names}."""
    if seconds <= 0:
        return {}
    try:
        zc = Zeroconf(interfaces=[address])
    except OSError as e:
        log.warning("mDNS: cannot listen on %s: %s", address, e.strerror or e)
        return {}
    listener = _AddressListener()
    browsers: list[ServiceBrowser] = []
    try:
        zc.add_listener(listener, None)
        if active:
            browsers = [ServiceBrowser(zc, t, _Ignore()) for t in SERVICE_TYPES]
        time.sleep(seconds)
    finally:
        for b in browsers:
            b.cancel()
        zc.close()
    with listener.lock:
        return names_by_address(listener.seen)
