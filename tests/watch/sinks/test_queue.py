"""The on-disk queue: order, dedupe by id, bounds that drop the oldest, survival of a reopen."""

from __future__ import annotations

from pathlib import Path

import pytest

from camaudit.errors import UsageError
from camaudit.watch.sinks.queue import DiskQueue


def test_events_leave_in_order_and_survive_a_reopen(tmp_path: Path) -> None:
    q = DiskQueue(tmp_path / "q" / "queue.db")
    assert q.put([("a", b"1"), ("b", b"2")]) == []
    assert q.put([("a", b"1"), ("c", b"3")]) == []  # "a" already queued: not twice
    q.close()
    q = DiskQueue(tmp_path / "q" / "queue.db")
    assert [(i.id, i.body) for i in q.peek(10)] == [("a", b"1"), ("b", b"2"), ("c", b"3")]
    first = q.peek()[0]
    q.attempted(first.seq)
    assert q.peek()[0].attempts == 1
    q.remove(first.seq)
    assert len(q) == 2 and q.peek()[0].id == "b"
    q.close()


def test_a_full_queue_drops_the_oldest_by_count(tmp_path: Path) -> None:
    q = DiskQueue(tmp_path / "queue.db", max_events=3)
    q.put([(f"e{n}", b"x") for n in range(3)])
    assert q.put([("e3", b"x"), ("e4", b"x")]) == ["e0", "e1"]
    assert [i.id for i in q.peek(10)] == ["e2", "e3", "e4"]
    q.close()


def test_a_full_queue_drops_the_oldest_by_bytes(tmp_path: Path) -> None:
    q = DiskQueue(tmp_path / "queue.db", max_bytes=250)
    assert q.put([("a", b"x" * 100), ("b", b"x" * 100)]) == []
    assert q.put([("c", b"x" * 100)]) == ["a"]
    assert [i.id for i in q.peek(10)] == ["b", "c"]
    q.close()


def test_an_unusable_queue_file_is_a_one_line_error(tmp_path: Path) -> None:
    (tmp_path / "dir.db").mkdir()
    with pytest.raises(UsageError, match="cannot open event queue"):
        DiskQueue(tmp_path / "dir.db")
