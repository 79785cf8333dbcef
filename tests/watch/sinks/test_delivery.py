"""At-least-once delivery from the queue: order, exponential backoff, refusals, recovery."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from camaudit.watch.events import Event
from camaudit.watch.sinks.delivery import Outcome, QueuedSink, describe
from camaudit.watch.sinks.queue import DiskQueue, Item


def ev(n: int) -> Event:
    return Event("new", f"id{n}", "2025-01-31T12:00:00Z", "hq", f"10.0.0.{n}", 1, None)


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


class Receiver:
    """A ``send`` answering from a script (True: delivered), recording what it was given."""

    def __init__(self, *answers: Outcome) -> None:
        self.answers = list(answers)
        self.got: list[str] = []

    def __call__(self, item: Item) -> Outcome:
        self.got.append(item.id)
        return self.answers.pop(0) if self.answers else Outcome.delivered()


def sink(tmp_path: Path, send: Receiver, clock: Clock, **kw: object) -> QueuedSink:
    return QueuedSink("test", send, DiskQueue(tmp_path / "q.db", **kw),  # type: ignore[arg-type]
                      backoff=1.0, max_backoff=5.0, clock=clock)


def test_emitted_events_are_delivered_at_once_in_order(tmp_path: Path) -> None:
    send, clock = Receiver(), Clock()
    s = sink(tmp_path, send, clock)
    s.emit([ev(1), ev(2)])
    assert send.got == ["id1", "id2"] and s.pending() == 0 and s.pump(clock()) is None
    s.close()


def test_failures_back_off_exponentially_and_keep_everything_queued(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    down = Outcome(False, "connection refused")
    send, clock = Receiver(down, down, down, down), Clock()
    s = sink(tmp_path, send, clock)
    with caplog.at_level(logging.DEBUG, "camaudit.watch"):
        s.emit([ev(1), ev(2)])
        delays = []
        for _ in range(4):
            due = s.pump(clock())
            assert due is not None and s.pump(clock()) == due  # not due yet: nothing sent
            delays.append(due - clock.now)
            clock.now = due
        assert s.pump(clock()) is None  # up again: both delivered, in order
    assert delays == [1.0, 2.0, 4.0, 5.0]
    assert send.got == ["id1"] * 4 + ["id1", "id2"] and s.pending() == 0
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert warnings == ["test: delivery failed, events stay queued: connection refused"]
    assert "test: delivering again" in [r.getMessage() for r in caplog.records]
    s.close()


def test_retry_after_is_honoured_up_to_the_maximum(tmp_path: Path) -> None:
    send, clock = Receiver(Outcome(False, "503", retry_after=3.0),
                           Outcome(False, "503", retry_after=60.0)), Clock()
    s = sink(tmp_path, send, clock)
    s.emit([ev(1)])
    assert s.due - clock.now == 3.0
    clock.now = s.due
    assert s.pump(clock()) == clock.now + 5.0  # capped by max_backoff
    s.close()


def test_a_refusal_for_good_drops_that_event_only(tmp_path: Path,
                                                   caplog: pytest.LogCaptureFixture) -> None:
    send, clock = Receiver(Outcome(False, "HTTP 413", retry=False)), Clock()
    s = sink(tmp_path, send, clock)
    with caplog.at_level(logging.WARNING, "camaudit.watch"):
        s.emit([ev(1), ev(2)])
    assert send.got == ["id1", "id2"] and s.pending() == 0
    assert "refused event id1, dropped: HTTP 413" in caplog.text
    s.close()


def test_a_full_queue_says_which_events_it_dropped(tmp_path: Path,
                                                   caplog: pytest.LogCaptureFixture) -> None:
    send, clock = Receiver(*[Outcome(False, "down")] * 3), Clock()
    s = sink(tmp_path, send, clock, max_events=2)
    with caplog.at_level(logging.WARNING, "camaudit.watch"):
        s.emit([ev(1), ev(2), ev(3)])
    assert "queue full, dropped the 1 oldest event(s)" in caplog.text
    assert caplog.records[0].camaudit_fields["dropped"] == ["id1"]  # type: ignore[attr-defined]
    assert [i.id for i in s.queue.peek(5)] == ["id2", "id3"]
    s.close()


def test_a_long_queue_is_sent_in_batches(tmp_path: Path) -> None:
    send, clock = Receiver(), Clock()
    s = QueuedSink("test", send, DiskQueue(tmp_path / "q.db"), batch=2, clock=clock)
    s.queue.put([(f"id{n}", b"{}") for n in range(5)])
    assert s.pump(clock()) == clock.now and s.pending() == 3
    assert s.pump(clock()) == clock.now and s.pump(clock()) is None and s.pending() == 0
    s.close()


def test_network_failures_are_described_in_one_line() -> None:
    assert describe(ConnectionRefusedError(111, "Connection refused"), 2) == \
        "connection refused"
    assert describe(TimeoutError(), 2.5) == "timeout after 2.5s"
    assert describe(OSError(113, "No route to host"), 2) == "No route to host"
