"""Events as JSON lines on a text stream."""

from __future__ import annotations

import io
import json

from camaudit.watch.events import Event
from camaudit.watch.sinks.stdout import JsonLines


def test_one_json_object_per_line_flushed_at_once() -> None:
    out = io.StringIO()
    sink = JsonLines(out)
    events = [Event("new", "a" * 32, "2025-01-31T12:00:00Z", "hq", "10.0.0.1", 2, None),
              Event("vanished", "b" * 32, "2025-01-31T12:00:00Z", "hq", "10.0.0.2", 2, 1,
                    {"maker": "Dahua\n"}, {"last_seen": "2025-01-30T12:00:00Z"})]
    sink.emit(events)
    lines = out.getvalue().splitlines()
    assert [json.loads(line) for line in lines] == [e.to_json() for e in events]
    assert (sink.pending(), sink.pump(0.0)) == (0, None)
    sink.close()
