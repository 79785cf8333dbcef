"""Sinks built from the configuration, with their queues in the state directory."""

from __future__ import annotations

from pathlib import Path

import pytest

from camaudit.errors import UsageError
from camaudit.watch.config import SyslogConfig, WatchConfig, WebhookConfig
from camaudit.watch.sinks.build import build_sinks
from camaudit.watch.state import site_slug


def test_stdout_webhook_and_syslog_in_that_order(tmp_path: Path) -> None:
    config = WatchConfig(site="hq", webhook=WebhookConfig("http://127.0.0.1:9/h", b"k"),
                         syslog=SyslogConfig("tcp", "127.0.0.1", 9))
    sinks = build_sinks(config, tmp_path)
    assert [s.name for s in sinks] == ["stdout", "webhook http://127.0.0.1:9",
                                       "syslog tcp://127.0.0.1:9"]
    slug = site_slug("hq")
    assert {p.name for p in tmp_path.glob("*.queue.db")} == {f"{slug}.webhook.queue.db",
                                                             f"{slug}.syslog.queue.db"}
    for s in sinks:
        s.close()


def test_no_stdout_and_udp_syslog_without_a_queue(tmp_path: Path) -> None:
    sinks = build_sinks(WatchConfig(stdout=False, syslog=SyslogConfig("udp", "127.0.0.1", 9)),
                        tmp_path)
    assert [s.name for s in sinks] == ["syslog udp://127.0.0.1:9"]
    assert list(tmp_path.iterdir()) == []
    sinks[0].close()


def test_unusable_tls_files_are_one_line_errors(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="cannot load the TLS files"):
        build_sinks(WatchConfig(syslog=SyslogConfig("tls", "127.0.0.1", 9,
                                                    ca_file=tmp_path / "none.pem")), tmp_path)
    with pytest.raises(UsageError, match="cannot use ca_file"):
        build_sinks(WatchConfig(webhook=WebhookConfig("https://127.0.0.1:9/", b"k",
                                                      ca_file=tmp_path / "none.pem")),
                    tmp_path)
