"""The Probe protocol: one module per protocol, all speaking through a ``Transport``.

A probe is read-only (GET, OPTIONS, DESCRIBE, TLS handshakes, reading banners). It turns bytes
into observations with the ``camaudit.wire`` codecs and reports failures as ``ProbeError``
records; it may raise only on bugs, and the pipeline catches those at the probe boundary.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from camaudit.model import Observation, ProbeError
from camaudit.net.transport import Transport


@dataclass(frozen=True, slots=True)
class ProbeResult:
    """What one probe learnt about one port. ``service`` is set when the probe confirmed one."""

    observations: tuple[Observation, ...] = ()
    errors: tuple[ProbeError, ...] = ()
    service: str = ""


class Probe(Protocol):
    @property
    def name(self) -> str: ...

    def applies_to(self, port: int) -> bool:
        """True when this probe should run against an open ``port``."""
        ...

    async def run(self, ip: str, port: int, transport: Transport, timeout: float) -> ProbeResult:
        """Probe ``ip:port``; every network failure ends up in ``ProbeResult.errors``."""
        ...


def host_for_url(ip: str, port: int, default_port: int | None = None) -> str:
    """``ip[:port]`` as it appears in a URL or Host header (IPv6 in brackets)."""
    host = f"[{ip}]" if ":" in ip else ip
    return host if port == default_port else f"{host}:{port}"


# Service names guessed from the port alone (facts §7); probes refine them when they confirm one.
PORT_SERVICES: dict[int, str] = {
    23: "telnet", 80: "http", 81: "http", 88: "http", 443: "https", 554: "rtsp",
    8000: "hik-sdk", 8080: "http", 8443: "https", 8554: "rtsp", 8899: "onvif", 10554: "rtsp",
    34567: "xm-dvrip", 37777: "dahua-sdk",
}


def is_unknown_port(port: int) -> bool:
    """True for ports outside the camera port table: probes that guess run there."""
    return port not in PORT_SERVICES
