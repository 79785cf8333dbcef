"""The watcher's log lines: text or one JSON object each, redacted, without terminal controls."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator

import pytest

from camaudit.watch.logs import LOGGER, fields, reset, setup


@pytest.fixture
def logger() -> Iterator[logging.Logger]:
    yield logging.getLogger(LOGGER)
    reset()


def test_reset_gives_the_records_back_to_logging(logger: logging.Logger,
                                                  caplog: pytest.LogCaptureFixture) -> None:
    out = io.StringIO()
    setup("json", stream=out)
    reset()
    logger.warning("seen by the root handlers")
    assert out.getvalue() == "" and "seen by the root handlers" in caplog.text


def test_json_lines_carry_time_level_message_and_fields(logger: logging.Logger) -> None:
    out = io.StringIO()
    setup("json", stream=out)
    logger.info("cycle 1 done", extra=fields(scan_id=3, sinks=["stdout", "webhook"]))
    logger.warning("receiver https://u:pw@h.example/ down", extra=fields(url="http://a:b@h/"))
    first, second = (json.loads(line) for line in out.getvalue().splitlines())
    assert first["level"] == "info" and first["message"] == "cycle 1 done"
    assert first["scan_id"] == 3 and first["sinks"] == ["stdout", "webhook"]
    assert first["logger"] == LOGGER and first["time"].endswith("Z")
    assert "pw" not in second["message"] and second["url"] == "http://***@h/"


def test_text_lines_are_one_per_record_and_printable(logger: logging.Logger) -> None:
    out = io.StringIO()
    setup("text", stream=out)
    logger.info("device said \x1b]0;title\x07hi", extra=fields(x=1))
    logger.warning("queue full")
    assert out.getvalue().splitlines() == ["camaudit watch: device said hi",
                                           "camaudit watch: warning: queue full"]


def test_levels_and_replacing_the_handler(logger: logging.Logger) -> None:
    first, second = io.StringIO(), io.StringIO()
    setup("text", logging.WARNING, stream=first)
    logger.info("hidden")
    setup("json", logging.DEBUG, stream=second)
    logger.debug("shown")
    assert first.getvalue() == "" and json.loads(second.getvalue())["level"] == "debug"


def test_an_exception_is_one_field_not_a_traceback(logger: logging.Logger) -> None:
    out = io.StringIO()
    setup("json", stream=out)
    try:
        raise OSError("disk full")
    except OSError:
        logger.exception("cannot queue")
    (line,) = out.getvalue().splitlines()
    assert json.loads(line)["error"] == "OSError: disk full"
