"""A TLS handshake (no verification, no request) whose peer certificate becomes observations.

Default certificates name their maker: ``CN=www.hikvision.com,OU=DVRNVR,O=HIKVISION,...``,
``CN=Dahua Device NVR CA, O=Zhejiang Dahua Technology Co.,Ltd.`` as issuer (facts §4.1, §4.2).
The certificate's dates, signature hash, key and self-signature become observations too
(``wire.tls``), for ``exposure`` to judge (expired, weak, self-signed).
"""

from __future__ import annotations

from dataclasses import dataclass

from camaudit.model import ProbeError
from camaudit.net.transport import Transport
from camaudit.probes.base import ProbeResult
from camaudit.wire import tls as wire_tls

TLS_PORTS = frozenset({443, 8443})


@dataclass(frozen=True, slots=True)
class TlsProbe:
    name: str = "tls"

    def applies_to(self, port: int) -> bool:
        return port in TLS_PORTS

    async def run(self, ip: str, port: int, transport: Transport, timeout: float) -> ProbeResult:
        source = f"tcp/{port} TLS"
        ex = await transport.exchange(ip, port, None, tls=True, timeout=timeout, max_bytes=1)
        if ex.error:
            return ProbeResult(errors=(ProbeError(source, ex.error),))
        if not ex.peer_cert_der:
            return ProbeResult(errors=(ProbeError(source, "no peer certificate"),))
        return ProbeResult(tuple(wire_tls.cert_observations(ex.peer_cert_der, source)))
