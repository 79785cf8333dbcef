"""The registry of vendor discovery protocols: one module each, read by discovery (probes and
decoding), ``identify`` (the kinds taking pasted replies) and the namespace lab (responders).

To add a protocol: a module here with ``PROTOCOL = Protocol(...)`` (see ``base.py``), listed
below, its codec in ``camaudit.wire``, and its tests (docs/extending.md).
"""

from __future__ import annotations

from camaudit.protocols import dhip, dhlegacy, dvrip, sadp, ssdp, wsd
from camaudit.protocols.base import Protocol, source_label

REGISTRY: dict[str, Protocol] = {p.name: p for p in (
    sadp.PROTOCOL, dhip.PROTOCOL, dhlegacy.PROTOCOL, dvrip.PROTOCOL, wsd.PROTOCOL,
    ssdp.PROTOCOL)}

__all__ = ["REGISTRY", "Protocol", "source_label"]
