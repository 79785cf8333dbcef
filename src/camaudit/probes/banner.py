"""Connect and read what the service says unprompted; send nothing.

Telnet login prompts (``192.0.0.64 login:`` on Hikvision, facts §4.1) and vendor SDK ports
(8000 Hikvision, 34567 Xiongmai, 37777 Dahua) are told apart by their first bytes.
"""

from __future__ import annotations

from dataclasses import dataclass

from camaudit.model import ProbeError
from camaudit.net.transport import Transport
from camaudit.probes.base import ProbeResult, is_unknown_port
from camaudit.wire import banner as wire_banner

BANNER_PORTS = frozenset({23, 8000, 34567, 37777})
MAX_BYTES = 4096


@dataclass(frozen=True, slots=True)
class BannerProbe:
    """``wait`` bounds how long to wait for unprompted bytes (silence is not an error)."""

    wait: float = 1.0
    name: str = "banner"

    def applies_to(self, port: int) -> bool:
        return port in BANNER_PORTS or is_unknown_port(port)

    async def run(self, ip: str, port: int, transport: Transport, timeout: float) -> ProbeResult:
        source = f"tcp/{port} banner"
        ex = await transport.exchange(ip, port, None, timeout=timeout, max_bytes=MAX_BYTES,
                                      read_banner=self.wait)
        if not ex.connected:
            return ProbeResult(errors=(ProbeError(source, ex.error or "not connected"),))
        if not ex.data:
            return ProbeResult()
        observations = tuple(wire_banner.observations(port, ex.data, source))
        service = "telnet" if any(o.key.startswith("telnet.") for o in observations) else ""
        return ProbeResult(observations, service=service)
