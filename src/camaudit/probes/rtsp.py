"""RTSP OPTIONS then DESCRIBE of ``rtsp://<ip>:<port>/``, without credentials.

The replies carry the ``Server`` header, the realm of a 401 (``Login to <serial>`` on Dahua,
``IP Camera(C1214)`` on Hikvision), the ``Public`` list and ``Date`` spelling (facts §4.1, §4.2).
"""

from __future__ import annotations

from dataclasses import dataclass

from camaudit.model import Observation, ProbeError
from camaudit.net.transport import Transport
from camaudit.probes.base import ProbeResult, host_for_url
from camaudit.wire import rtsp as wire_rtsp
from camaudit.wire.framing import Framer

RTSP_PORTS = frozenset({554, 8554, 10554})
METHODS = ("OPTIONS", "DESCRIBE")
MAX_BYTES = 65536


@dataclass(frozen=True, slots=True)
class RtspProbe:
    name: str = "rtsp"

    def applies_to(self, port: int) -> bool:
        return port in RTSP_PORTS

    async def run(self, ip: str, port: int, transport: Transport, timeout: float) -> ProbeResult:
        url = f"rtsp://{host_for_url(ip, port)}/"
        observations: list[Observation] = []
        errors: list[ProbeError] = []
        for cseq, method in enumerate(METHODS, 1):
            source = f"tcp/{port} RTSP {method}"
            ex = await transport.exchange(
                ip, port, wire_rtsp.build_request(method, url, cseq), timeout=timeout,
                max_bytes=MAX_BYTES, complete=Framer("rtsp"))
            resp = wire_rtsp.parse_response(ex.data)
            if not resp.valid:
                if ex.error:
                    reason = ex.error
                elif not ex.data:
                    reason = "no reply"
                else:
                    reason = f"not RTSP: {resp.problem}" if resp.problem else "not RTSP"
                errors.append(ProbeError(source, reason))
                break
            observations.extend(wire_rtsp.observations(resp, source))
            if ex.error:
                errors.append(ProbeError(source, ex.error))
        service = self.name if observations else ""
        return ProbeResult(tuple(observations), tuple(errors), service)
