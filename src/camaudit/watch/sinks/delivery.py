"""At-least-once delivery through a ``DiskQueue``: the sink shape of the webhook and of syslog
over TCP and TLS.

``emit`` queues the events on disk (one transaction) and tries to deliver at once. Each event
is handed to ``send`` in queue order; on success it leaves the queue. A failure the receiver may
get over (connection refused, timeout, 5xx, 429 ...) keeps the event and every later one queued
and waits ``backoff * 2**(failures-1)`` seconds, at most ``max_backoff`` (longer when the
receiver asked with ``Retry-After``), before the next try. A refusal that will not change (an
HTTP 400, 413, 415 or 422 for this event) drops that event with a warning naming its id.
An event is removed only after the receiver took it, so a crash in between sends it again:
receivers dedupe by the event id.
"""

from __future__ import annotations

import logging
import ssl
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from camaudit.watch.events import Event, encode
from camaudit.watch.logs import fields
from camaudit.watch.sinks.queue import DiskQueue, Item

log = logging.getLogger("camaudit.watch")


@dataclass(frozen=True, slots=True)
class Outcome:
    """What one delivery attempt gave."""

    ok: bool
    reason: str = ""
    retry: bool = True  # for a failure: worth trying again later
    retry_after: float | None = None  # seconds the receiver asked us to wait

    @classmethod
    def delivered(cls) -> Outcome:
        return cls(True)


Send = Callable[[Item], Outcome]


def describe(e: OSError, timeout: float) -> str:
    """One line for a network failure (it never quotes what was being sent)."""
    if isinstance(e, ConnectionRefusedError):
        return "connection refused"
    if isinstance(e, TimeoutError):
        return f"timeout after {timeout}s"
    if isinstance(e, ssl.SSLCertVerificationError):
        return f"TLS certificate not trusted: {e.verify_message}"
    if isinstance(e, ssl.SSLError):
        return f"TLS: {e.reason or e}"
    return e.strerror or type(e).__name__


class QueuedSink:
    """A sink named ``name`` delivering through ``send`` from ``queue``."""

    def __init__(self, name: str, send: Send, queue: DiskQueue, *, backoff: float = 1.0,
                 max_backoff: float = 300.0, batch: int = 500,
                 clock: Callable[[], float] = time.monotonic,
                 close: Callable[[], None] | None = None) -> None:
        self.name = name
        self.send = send
        self.queue = queue
        self.backoff = backoff
        self.max_backoff = max_backoff
        self.batch = batch
        self.clock = clock
        self.failures = 0
        self.due = 0.0
        self._down_since: float | None = None
        self._close = close

    def emit(self, events: Sequence[Event]) -> None:
        dropped = self.queue.put([(e.id, encode(e)) for e in events])
        if dropped:
            log.warning(f"{self.name}: queue full, dropped the {len(dropped)} oldest event(s)",
                        extra=fields(sink=self.name, dropped=dropped[:20],
                                     queue=str(self.queue.path)))
        self.pump(self.clock())

    def pending(self) -> int:
        return len(self.queue)

    def pump(self, now: float) -> float | None:
        if now < self.due:
            return self.due
        for _ in range(self.batch):
            items = self.queue.peek(1)
            if not items:
                return None
            item = items[0]
            outcome = self.send(item)
            if outcome.ok:
                self.queue.remove(item.seq)
                self._recovered()
                continue
            if not outcome.retry:
                self.queue.remove(item.seq)
                log.warning(f"{self.name}: the receiver refused event {item.id}, dropped: "
                            f"{outcome.reason}", extra=fields(sink=self.name, event_id=item.id))
                continue
            self.queue.attempted(item.seq)
            return self._wait(outcome)
        return self.clock()

    def _wait(self, outcome: Outcome) -> float:
        self.failures += 1
        delay = min(self.max_backoff, self.backoff * 2 ** min(self.failures - 1, 32))
        if outcome.retry_after is not None:
            delay = max(delay, min(outcome.retry_after, self.max_backoff))
        now = self.clock()
        self.due = now + delay
        info = fields(sink=self.name, pending=len(self.queue), retry_in=round(delay, 3),
                      failures=self.failures)
        if self._down_since is None:
            self._down_since = now
            log.warning(f"{self.name}: delivery failed, events stay queued: {outcome.reason}",
                        extra=info)
        else:
            log.debug(f"{self.name}: delivery failed again: {outcome.reason}", extra=info)
        return self.due

    def _recovered(self) -> None:
        if self._down_since is not None:
            log.info(f"{self.name}: delivering again",
                     extra=fields(sink=self.name, failures=self.failures,
                                  down_for=round(self.clock() - self._down_since, 3)))
        self.failures = 0
        self._down_since = None
        self.due = 0.0

    def close(self) -> None:
        if self._close is not None:
            self._close()
        self.queue.close()
