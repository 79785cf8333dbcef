"""The watcher's log on stderr: one line per record, as text or as one JSON object.

    log = logging.getLogger("camaudit.watch")
    log.info("cycle done", extra=fields(scan_id=12, events=3))

``text``: ``camaudit watch: cycle done`` (the message alone), without terminal controls.
``json``: ``{"time": "2025-01-31T12:00:00.123Z", "level": "info", "logger": "camaudit.watch",
"message": "cycle done", "scan_id": 12, "events": 3}``. Every message and field value goes
through ``redact`` (no password in a URL reaches the log); secrets are never passed to a log.
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from typing import Any, TextIO

from camaudit.redact import redact
from camaudit.reports.text import printable

LOGGER = "camaudit.watch"
FORMATS = ("text", "json")
_FIELDS = "camaudit_fields"


def fields(**values: Any) -> dict[str, Any]:
    """The ``extra`` of a log call carrying structured fields."""
    return {_FIELDS: values}


def _fields_of(record: logging.LogRecord) -> dict[str, Any]:
    values = getattr(record, _FIELDS, None)
    return dict(values) if isinstance(values, dict) else {}


def _clean(value: Any) -> Any:
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, list | tuple):
        return [_clean(v) for v in value]
    return value


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        when = datetime.fromtimestamp(record.created, UTC)
        doc: dict[str, Any] = {
            "time": when.strftime("%Y-%m-%dT%H:%M:%S.") + f"{when.microsecond // 1000:03d}Z",
            "level": record.levelname.lower(), "logger": record.name,
            "message": redact(record.getMessage())}
        for key, value in _fields_of(record).items():
            doc.setdefault(key, _clean(value))
        if record.exc_info and record.exc_info[1] is not None:
            doc.setdefault("error", redact(f"{type(record.exc_info[1]).__name__}: "
                                           f"{record.exc_info[1]}"))
        return json.dumps(doc, ensure_ascii=True, default=str)


class TextFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        level = "" if record.levelno == logging.INFO else f"{record.levelname.lower()}: "
        return printable(redact(f"camaudit watch: {level}{record.getMessage()}"))


class _Handler(logging.StreamHandler[TextIO]):
    """The handler ``setup`` installs (and replaces on the next call)."""


def setup(fmt: str = "text", level: int = logging.INFO,
          stream: TextIO | None = None) -> logging.Logger:
    """Send the ``camaudit.watch`` logger's records to ``stream`` (default stderr) in ``fmt``;
    replaces the handler an earlier call installed (``reset`` removes it)."""
    import sys

    logger = reset()
    handler = _Handler(stream if stream is not None else sys.stderr)
    handler.setFormatter(JsonFormatter() if fmt == "json" else TextFormatter())
    logger.addHandler(handler)
    logger.setLevel(level)
    logger.propagate = False
    return logger


def reset() -> logging.Logger:
    """Undo ``setup``: the logger's records go where Python's logging sends them by default."""
    logger = logging.getLogger(LOGGER)
    for old in [h for h in logger.handlers if isinstance(h, _Handler)]:
        logger.removeHandler(old)
        old.close()
    logger.setLevel(logging.NOTSET)
    logger.propagate = True
    return logger
