"""Probe registry: every built-in probe, listed explicitly (mitmproxy ``default_addons``)."""

from __future__ import annotations

from camaudit.probes.banner import BannerProbe
from camaudit.probes.base import Probe, ProbeResult
from camaudit.probes.http import HttpProbe
from camaudit.probes.rtsp import RtspProbe
from camaudit.probes.tls import TlsProbe

__all__ = ["PROBES", "Probe", "ProbeResult", "default_probes"]


def default_probes(*, banner_wait: float = 1.0) -> dict[str, Probe]:
    """The built-in probes by name, in the order their confirmed services take precedence."""
    probes: list[Probe] = [
        HttpProbe(),
        HttpProbe(tls=True),
        TlsProbe(),
        RtspProbe(),
        BannerProbe(wait=banner_wait),
    ]
    return {p.name: p for p in probes}


PROBES: dict[str, Probe] = default_probes()
