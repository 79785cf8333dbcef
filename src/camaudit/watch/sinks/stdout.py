"""Events as JSON lines on stdout (or any text stream): written and flushed when emitted."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import TextIO

from camaudit.watch.events import Event, encode


class JsonLines:
    name = "stdout"

    def __init__(self, stream: TextIO | None = None) -> None:
        self.stream = stream if stream is not None else sys.stdout

    def emit(self, events: Sequence[Event]) -> None:
        for e in events:
            self.stream.write(encode(e).decode("ascii") + "\n")
        self.stream.flush()

    def pump(self, now: float) -> float | None:
        return None

    def pending(self) -> int:
        return 0

    def close(self) -> None:
        self.stream.flush()
