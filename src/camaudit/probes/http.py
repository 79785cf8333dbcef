"""Read-only HTTP(S) GETs of the pages that tell camera firmware apart.

Paths (facts §4): ``/`` (landing page, headers), ``/doc/page/login.asp`` (Hikvision login page),
``/ISAPI/System/deviceInfo`` (Hikvision ISAPI; a 401 whose realm and namespace fingerprint),
``/ISAPI/Security/sessionLogin/capabilities?username=admin`` (pre-login capabilities, no
password sent), ``/cgi-bin/magicBox.cgi?action=getSystemInfo`` (Dahua CGI; 401 with
``Device_CGI`` realm), ``/Login.htm`` (Xiongmai NETSurveillance) and ``/favicon.ico`` (hashed).
Only GET is ever sent. A port whose ``/`` gives nothing HTTP-like is left alone.

A reply to a vendor path counts only for what it says of its own: a value that echoes the path
camaudit asked for (``Location: https://host/doc/page/login.asp`` from a server that redirects
every path to HTTPS, a 404 page quoting the URL) is dropped, and a reply identical to the one
for ``/`` (a server answering every path alike) adds nothing (``page_observations``).
"""

from __future__ import annotations

from dataclasses import dataclass

from camaudit.model import Observation, ProbeError
from camaudit.net.transport import Exchange, Transport
from camaudit.probes.base import ProbeResult, host_for_url, is_unknown_port
from camaudit.wire import favicon as wire_favicon
from camaudit.wire import http as wire_http
from camaudit.wire.framing import Framer

HTTP_PORTS = frozenset({80, 81, 88, 8080, 8899})
HTTPS_PORTS = frozenset({443, 8443})
PATHS = (
    "/",
    "/doc/page/login.asp",
    "/ISAPI/System/deviceInfo",
    "/ISAPI/Security/sessionLogin/capabilities?username=admin",
    "/cgi-bin/magicBox.cgi?action=getSystemInfo",
    "/Login.htm",
)
FAVICON = "/favicon.ico"
MAX_BYTES = 262144


@dataclass(frozen=True, slots=True)
class HttpProbe:
    """GETs over plain HTTP, or over TLS (``tls=True``, the "https" probe on 443/8443)."""

    tls: bool = False

    @property
    def name(self) -> str:
        return "https" if self.tls else "http"

    def applies_to(self, port: int) -> bool:
        if self.tls:
            return port in HTTPS_PORTS
        return port in HTTP_PORTS or is_unknown_port(port)

    async def run(self, ip: str, port: int, transport: Transport, timeout: float) -> ProbeResult:
        host = host_for_url(ip, port, 443 if self.tls else 80)
        speculative = not self.tls and is_unknown_port(port)

        async def get(path: str) -> Exchange:
            return await transport.exchange(
                ip, port, wire_http.build_get(host, path), tls=self.tls, timeout=timeout,
                max_bytes=MAX_BYTES, complete=Framer("http"))

        observations: list[Observation] = []
        errors: list[ProbeError] = []
        landing: bytes | None = None
        for path in PATHS:
            source = f"tcp/{port} GET {path}"
            ex = await get(path)
            resp = wire_http.parse_response(ex.data)
            if not resp.valid:
                if path == "/" and speculative:
                    return ProbeResult()
                errors.append(ProbeError(source, _failure(ex, resp.problem)))
                if path == "/" or not ex.connected:
                    return ProbeResult(tuple(observations), tuple(errors))
                continue
            if path == "/":
                landing = resp.body
                observations.extend(wire_http.observations(resp, source))
            else:
                observations.extend(page_observations(resp, path, source, landing))
            if ex.error:
                errors.append(ProbeError(source, ex.error))
        source = f"tcp/{port} GET {FAVICON}"
        ex = await get(FAVICON)
        resp = wire_http.parse_response(ex.data)
        if resp.valid and resp.status == 200 and resp.body:
            observations.extend(wire_favicon.observations(resp.body, source))
        elif ex.error:
            errors.append(ProbeError(source, ex.error))
        return ProbeResult(tuple(observations), tuple(errors), self.name)


def page_observations(resp: wire_http.HttpResponse, path: str, source: str,
                      landing: bytes | None) -> list[Observation]:
    """Observations of the reply to ``path`` that are the page's own: none when the reply is the
    landing page again (same non-empty body as ``/``), and never a value that echoes ``path``."""
    if landing and resp.body == landing:
        return []
    bare = path.split("?", 1)[0]
    return [o for o in wire_http.observations(resp, source)
            if o.key in ("http.status", "http.header.layout") or bare not in o.value]


def _failure(ex: Exchange, problem: str) -> str:
    """Why a reply gave no HTTP response: the transport error, silence, or the parser's reason."""
    if ex.error:
        return ex.error
    if not ex.data:
        return "no reply"
    return f"not HTTP: {problem}" if problem else "not HTTP"
