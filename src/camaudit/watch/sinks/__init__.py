"""Where events go: every sink takes a cycle's events with ``emit`` and is given time to deliver
what waits with ``pump`` (between cycles, while the watcher sleeps).

    stdout.JsonLines        one JSON object per line on stdout, written and flushed at once
    webhook (delivery)      HTTP POST per event, signed, queued on disk, retried with backoff
    syslog                  RFC 5424 over UDP (sent at once), TCP or TLS (queued, retried)

``sinks.build.build_sinks`` builds them from a ``config.WatchConfig``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from camaudit.watch.events import Event


class Sink(Protocol):
    name: str

    def emit(self, events: Sequence[Event]) -> None:
        """Take a cycle's events; when this returns they are written, sent or queued on disk."""
        ...

    def pump(self, now: float) -> float | None:
        """Deliver what is due at ``now`` (``time.monotonic``); return when to be called again,
        or None when nothing waits."""
        ...

    def pending(self) -> int:
        """How many events wait for delivery."""
        ...

    def close(self) -> None:
        ...
