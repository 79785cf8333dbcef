"""The sinks a ``WatchConfig`` names: stdout (unless turned off), the webhook and syslog.

Queues default to ``<state dir>/<site>.webhook.queue.db`` and ``<site>.syslog.queue.db``.
"""

from __future__ import annotations

import socket
import ssl
from pathlib import Path
from typing import TextIO

from camaudit.errors import UsageError
from camaudit.watch.config import Retry, SyslogConfig, WatchConfig, WebhookConfig
from camaudit.watch.sinks import Sink
from camaudit.watch.sinks.delivery import QueuedSink
from camaudit.watch.sinks.queue import DiskQueue
from camaudit.watch.sinks.stdout import JsonLines
from camaudit.watch.sinks.syslog import StreamSender, UdpSyslog
from camaudit.watch.sinks.webhook import WebhookPoster
from camaudit.watch.state import site_slug


def _queue(retry: Retry, directory: Path, site: str, sink: str) -> DiskQueue:
    path = retry.queue or directory / f"{site_slug(site)}.{sink}.queue.db"
    return DiskQueue(path, max_events=retry.queue_max_events, max_bytes=retry.queue_max_bytes)


def webhook_sink(config: WebhookConfig, directory: Path, site: str) -> QueuedSink:
    try:
        poster = WebhookPoster(config.url, config.secret, timeout=config.retry.timeout,
                               ca_file=config.ca_file)
    except (OSError, ssl.SSLError) as e:
        raise UsageError(f"webhook {config.origin}: cannot use ca_file {config.ca_file}: "
                         f"{e.strerror or e}") from None
    return QueuedSink(f"webhook {config.origin}", poster,
                      _queue(config.retry, directory, site, "webhook"),
                      backoff=config.retry.backoff, max_backoff=config.retry.max_backoff,
                      close=poster.close)


def syslog_sink(config: SyslogConfig, directory: Path, site: str) -> Sink:
    options = {"facility": config.facility, "hostname": config.hostname,
               "app_name": config.app_name, "sd_id": config.sd_id}
    where = f"syslog {config.transport}://{config.host}:{config.port}"
    try:
        if config.transport == "udp":
            return UdpSyslog(config.host, config.port, **options)
        sender = StreamSender(config.transport, config.host, config.port,
                              timeout=config.retry.timeout, ca_file=config.ca_file,
                              cert_file=config.cert_file, key_file=config.key_file,
                              server_name=config.server_name, **options)
    except socket.gaierror as e:
        raise UsageError(f"{where}: cannot resolve {config.host}: {e.strerror}") from None
    except (OSError, ssl.SSLError) as e:
        raise UsageError(f"{where}: cannot load the TLS files: {e.strerror or e}") from None
    return QueuedSink(sender.name, sender, _queue(config.retry, directory, site, "syslog"),
                      backoff=config.retry.backoff, max_backoff=config.retry.max_backoff,
                      close=sender.close)


def build_sinks(config: WatchConfig, directory: Path,
                stdout: TextIO | None = None) -> list[Sink]:
    """The configured sinks, stdout first; ``directory`` is the watcher's state directory."""
    sinks: list[Sink] = [JsonLines(stdout)] if config.stdout else []
    try:
        if config.webhook is not None:
            sinks.append(webhook_sink(config.webhook, directory, config.site))
        if config.syslog is not None:
            sinks.append(syslog_sink(config.syslog, directory, config.site))
    except BaseException:
        for sink in sinks:
            sink.close()
        raise
    return sinks
