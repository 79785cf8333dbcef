"""The cycle and the loop: record, compare, hand on; restarts lose and repeat nothing; a webhook
receiver that is down, then up, gets every event exactly once after dedupe by id."""

from __future__ import annotations

import os
import signal
import threading
from collections.abc import Callable, Sequence
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest

from camaudit.errors import InventoryError
from camaudit.inventory import open_store, record_scan
from camaudit.model import Device
from camaudit.watch.config import Retry, WebhookConfig
from camaudit.watch.events import Event
from camaudit.watch.loop import Watcher, stop_on_signals
from camaudit.watch.sinks.build import webhook_sink

Make = Callable[..., Device]


class Collect:
    """A sink keeping what it was given; ``fail`` makes the next ``emit`` raise."""

    name = "collect"

    def __init__(self) -> None:
        self.events: list[Event] = []
        self.fail = False

    def emit(self, events: Sequence[Event]) -> None:
        if self.fail:
            self.fail = False
            raise RuntimeError("killed while handing on")
        self.events.extend(events)

    def pump(self, now: float) -> float | None:
        return None

    def pending(self) -> int:
        return 0

    def close(self) -> None:
        return None


def kinds(events: Sequence[Event]) -> list[tuple[str, str]]:
    return [(e.kind, e.ip) for e in events]


def watcher(plan: Any, sinks: Sequence[Any], tmp_path: Path, **kw: Any) -> Watcher:
    return Watcher(plan, sinks, db=str(tmp_path / "inv.db"), site="hq",
                   state=tmp_path / "inv.db.watch", **kw)


def test_each_cycle_records_a_scan_and_hands_on_its_changes(
        tmp_path: Path, scripted: Any, device: Make) -> None:
    plan = scripted([device("10.0.0.1", firmware="1"), device("10.0.0.2", "Axis")],
                    [device("10.0.0.1", firmware="2"), device("10.0.0.3", "Dahua")])
    sink = Collect()
    w = watcher(plan, [sink], tmp_path)
    first, second = w.cycle(), w.cycle()
    assert (first.scan_id, first.devices, first.events) == (1, 2, 2)
    assert (second.scan_id, second.events) == (2, 3)
    assert kinds(sink.events) == [("new", "10.0.0.1"), ("new", "10.0.0.2"),
                                  ("changed", "10.0.0.1"), ("vanished", "10.0.0.2"),
                                  ("new", "10.0.0.3")]
    assert {e.scan_id for e in sink.events[2:]} == {2}
    with closing(open_store(str(tmp_path / "inv.db"))) as store:
        assert [(s.id, s.site, s.options["watch"]) for s in store.scans()] == [
            (1, "hq", True), (2, "hq", True)]


def test_a_restarted_watcher_loses_and_repeats_nothing(tmp_path: Path, scripted: Any,
                                                       device: Make) -> None:
    a, b, c = device("10.0.0.1"), device("10.0.0.2"), device("10.0.0.3")
    sink = Collect()
    watcher(scripted([a, b]), [sink], tmp_path).run(once=True)
    again = Collect()
    w = watcher(scripted([a, b, c]), [again], tmp_path)  # a new process, the same inventory
    w.run(once=True)
    assert kinds(again.events) == [("new", "10.0.0.3")]
    assert {e.id for e in sink.events}.isdisjoint({e.id for e in again.events})


def test_a_watcher_killed_before_handing_on_sends_those_events_at_restart(
        tmp_path: Path, scripted: Any, device: Make) -> None:
    sink = Collect()
    plan = scripted([device("10.0.0.1")], [device("10.0.0.1"), device("10.0.0.2")],
                    [device("10.0.0.2")])
    watcher(plan, [sink], tmp_path).cycle()
    sink.fail = True
    with pytest.raises(RuntimeError):  # the scan is recorded, its events never left
        watcher(plan, [sink], tmp_path).cycle()
    restarted = watcher(plan, [sink], tmp_path)
    restarted.run(once=True)  # first what was not handed on, then its own cycle
    assert kinds(sink.events) == [("new", "10.0.0.1"), ("new", "10.0.0.2"),
                                  ("vanished", "10.0.0.1")]
    assert [e.scan_id for e in sink.events] == [1, 2, 3]


def test_a_scan_recorded_meanwhile_by_camaudit_scan_gets_its_events_too(
        tmp_path: Path, scripted: Any, device: Make) -> None:
    from camaudit.clock import now_iso

    db = str(tmp_path / "inv.db")
    sink = Collect()
    watcher(scripted([device("10.0.0.1")]), [sink], tmp_path).cycle()
    record_scan(db, now_iso(), ["10.0.0.0/24"], {}, "hq",
                [device("10.0.0.1"), device("10.0.0.9")])
    record_scan(db, now_iso(), ["10.0.0.5"], {"partial": True}, "hq",
                [device("10.0.0.5")])  # partial (screen --device): never compared
    record_scan(db, now_iso(), ["10.0.0.0/24"], {}, "branch", [device("10.0.0.7")])
    watcher(scripted([device("10.0.0.1")]), [sink], tmp_path).run(once=True)
    assert [(e.kind, e.ip, e.scan_id) for e in sink.events] == [
        ("new", "10.0.0.1", 1), ("new", "10.0.0.9", 2), ("vanished", "10.0.0.9", 5)]


def test_a_stop_during_a_scan_lets_the_cycle_finish(tmp_path: Path, scripted: Any,
                                                    device: Make) -> None:
    stop = threading.Event()
    plan = scripted([device("10.0.0.1")], [device("10.0.0.2")],
                    during=lambda n: stop.set() if n == 1 else None)
    sink = Collect()
    w = watcher(plan, [sink], tmp_path, interval=0.01, stop=stop)
    assert w.run() == 0
    assert plan.runs == [0, 1] and kinds(sink.events)[-1] == ("new", "10.0.0.2")
    with closing(open_store(str(tmp_path / "inv.db"))) as store:
        assert [s.device_count for s in store.scans()] == [1, 1]


def test_a_second_signal_while_recording_leaves_no_half_scan(
        tmp_path: Path, scripted: Any, device: Make) -> None:
    from dataclasses import dataclass

    @dataclass(frozen=True, slots=True)
    class Interrupting(Device):
        """A device whose record raises what a second SIGTERM raises, while it is saved
        (after the scan's row and the first device went into the transaction)."""

        def to_json(self) -> dict[str, Any]:
            raise KeyboardInterrupt

    sink = Collect()
    w = watcher(scripted([device("10.0.0.1")], [device("10.0.0.2"), Interrupting("10.0.0.3")]),
                [sink], tmp_path)
    w.cycle()
    with pytest.raises(KeyboardInterrupt):
        w.cycle()
    with closing(open_store(str(tmp_path / "inv.db"))) as store:
        assert [s.device_count for s in store.scans()] == [1]  # the whole scan, or none of it
        assert [d.ip for d in store.scan_devices(1)] == ["10.0.0.1"]
    assert kinds(sink.events) == [("new", "10.0.0.1")]


def test_an_inventory_failure_skips_a_cycle_but_stops_a_single_run(
        tmp_path: Path, scripted: Any, device: Make, monkeypatch: pytest.MonkeyPatch,
        caplog: pytest.LogCaptureFixture) -> None:
    from camaudit.watch import loop

    calls: list[int] = []

    def flaky(*args: Any) -> int:
        calls.append(1)
        if len(calls) == 1:
            raise InventoryError("inventory x: database is locked")
        return record_scan(*args)

    monkeypatch.setattr(loop, "record_scan", flaky)
    stop = threading.Event()
    plan = scripted([device("10.0.0.1")], during=lambda n: stop.set() if n == 1 else None)
    sink = Collect()
    watcher(plan, [sink], tmp_path, interval=0.01, stop=stop).run()
    assert "database is locked; trying again next cycle" in caplog.text
    assert kinds(sink.events) == [("new", "10.0.0.1")]
    calls.clear()
    with pytest.raises(InventoryError):
        watcher(plan, [sink], tmp_path).run(once=True)


def test_a_stopped_watcher_gives_queued_events_a_few_seconds_only(
        tmp_path: Path, scripted: Any, device: Make) -> None:
    from camaudit.watch.loop import STOP_GRACE

    class Down(Collect):
        def pending(self) -> int:
            return 1

        def pump(self, now: float) -> float | None:
            return now + 1.0

    now = [0.0]
    stop = threading.Event()
    stop.set()
    w = watcher(scripted([device("10.0.0.1")]), [Down()], tmp_path, flush_timeout=1000.0,
                stop=stop, clock=lambda: now[0],
                sleep=lambda s: now.__setitem__(0, now[0] + s))
    assert w.run(once=True) == 1
    assert STOP_GRACE <= now[0] <= STOP_GRACE + 1.0


def test_signals_stop_after_the_cycle_then_abort(tmp_path: Path) -> None:
    stop = threading.Event()
    before = signal.getsignal(signal.SIGTERM)
    with stop_on_signals(stop):
        os.kill(os.getpid(), signal.SIGTERM)
        assert stop.wait(5)
        with pytest.raises(KeyboardInterrupt):
            os.kill(os.getpid(), signal.SIGINT)
            threading.Event().wait(5)
    assert signal.getsignal(signal.SIGTERM) is before


def _webhook(receiver: Any, tmp_path: Path) -> Any:
    config = WebhookConfig(receiver.url, receiver.secret,
                           retry=Retry(backoff=0.02, max_backoff=0.1, timeout=2.0))
    return webhook_sink(config, tmp_path / "inv.db.watch", "hq")


def test_a_webhook_receiver_down_then_up_gets_every_event_exactly_once(
        tmp_path: Path, scripted: Any, device: Make, receiver: Any) -> None:
    scans = [[device("10.0.0.1", covered=["ndaa-889"]), device("10.0.0.2", "Axis")],
             [device("10.0.0.1", covered=["ndaa-889"], firmware="2"),
              device("10.0.0.3", exposures=["telnet-open"])],
             [device("10.0.0.3", exposures=["telnet-open", "rtsp-open"])],
             [device("10.0.0.3", exposures=["telnet-open", "rtsp-open"]), device("10.0.0.4")]]
    copy = Collect()  # what was handed on, to compare with what arrived

    def run(plan_scans: list[list[Device]], cycles: int) -> int:
        """A watcher process: ``cycles`` cycles, then stopped (its queue stays on disk);
        returns how many events it left queued."""
        stop = threading.Event()
        hook = _webhook(receiver, tmp_path)
        plan = scripted(*plan_scans, during=lambda n: stop.set() if n == cycles - 1 else None)
        w = watcher(plan, [copy, hook], tmp_path, interval=0.01, flush_timeout=0.2, stop=stop)
        left = w.run()
        hook.close()
        assert w.cycles == cycles
        return left

    # the receiver is down (connection refused) while two watcher processes run in turn
    assert run(scans[:2], 2) == 7
    assert run(scans[1:3], 2) == 9  # restarted: the queue waited on disk
    assert len(copy.events) == 9 and receiver.seen == []
    receiver.script += [503, "drop"]  # up, but first busy, then the answer is lost
    receiver.start()
    hook = _webhook(receiver, tmp_path)
    third = watcher(scripted(scans[3]), [copy, hook], tmp_path, flush_timeout=10)
    assert third.run(once=True) == 0 and hook.pending() == 0
    hook.close()
    handed_on = [e.id for e in copy.events]
    assert len(handed_on) == len(set(handed_on)) == 10
    assert receiver.bad == []
    assert receiver.delivered == handed_on  # every event, once each after dedupe, in order
    assert len(receiver.seen) == 11  # the event whose answer was lost came twice
    assert kinds(copy.events) == [
        ("new", "10.0.0.1"), ("covered", "10.0.0.1"), ("new", "10.0.0.2"),
        ("changed", "10.0.0.1"), ("vanished", "10.0.0.2"), ("new", "10.0.0.3"),
        ("exposure", "10.0.0.3"), ("vanished", "10.0.0.1"), ("exposure", "10.0.0.3"),
        ("new", "10.0.0.4")]
