"""Events as syslog messages (RFC 5424) over UDP (RFC 5426), TCP (RFC 6587, octet counting)
or TLS (RFC 5425, the same framing inside TLS).

    <PRI>1 TIMESTAMP HOSTNAME camaudit PROCID MSGID [camaudit@32473 id=".." event=".." site=".."
    ip=".." scan_id=".."] {"event":"new",...}

MSGID is the event kind, TIMESTAMP the event's time, the structured data repeats what a
collector filters on, and MSG is the event's JSON (ASCII, so no BOM). The severity is
``warning`` for ``covered``, ``exposure`` and ``egress`` events and ``notice`` for the others.
``camaudit@32473`` uses the enterprise number RFC 5612 reserves for documentation (camaudit has
none of its own); ``sd_id`` in the configuration names another.

Python's ``logging.handlers.SysLogHandler`` is not used: it writes RFC 3164 lines (no version,
timestamp or structured data) and frames TCP without octet counting.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import re
import select
import socket
import ssl
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from camaudit.watch.events import Event, encode
from camaudit.watch.logs import fields
from camaudit.watch.sinks.delivery import Outcome, describe
from camaudit.watch.sinks.queue import Item

log = logging.getLogger("camaudit.watch")

FACILITIES = {"kern": 0, "user": 1, "mail": 2, "daemon": 3, "auth": 4, "syslog": 5, "lpr": 6,
              "news": 7, "uucp": 8, "cron": 9, "authpriv": 10, "ftp": 11,
              **{f"local{n}": 16 + n for n in range(8)}}
WARNING, NOTICE = 4, 5
SEVERITY = {"covered": WARNING, "exposure": WARNING, "egress": WARNING}
TRANSPORTS = ("udp", "tcp", "tls")
DEFAULT_PORT = {"udp": 514, "tcp": 514, "tls": 6514}
DEFAULT_SD_ID = "camaudit@32473"
SD_ID = re.compile(r"^[!#-<>-\\^-~]{1,32}$")  # printable ASCII but space, =, ] and "


def _header_field(value: str | None, limit: int) -> str:
    """A HEADER field: printable ASCII without spaces, at most ``limit`` long, else "-"."""
    text = "".join(c for c in (value or "") if "!" <= c <= "~")[:limit]
    return text or "-"


def _param(value: object) -> str:
    return re.sub(r'(["\\\]])', r"\\\1", "" if value is None else str(value))


def format_message(event: Mapping[str, Any], body: bytes, *, facility: str = "daemon",
                   hostname: str | None = None, app_name: str = "camaudit",
                   procid: str | None = None, sd_id: str = DEFAULT_SD_ID) -> bytes:
    """One RFC 5424 message for ``event`` (its JSON object) whose encoded form is ``body``."""
    kind = str(event.get("event", ""))
    pri = FACILITIES[facility] * 8 + SEVERITY.get(kind, NOTICE)
    head = " ".join((f"<{pri}>1", _header_field(str(event.get("time", "")), 64),
                     _header_field(hostname or socket.gethostname(), 255),
                     _header_field(app_name, 48), _header_field(procid or str(os.getpid()), 128),
                     _header_field(kind, 32)))
    params = " ".join(f'{name}="{_param(event.get(key))}"'
                      for name, key in (("id", "id"), ("event", "event"), ("site", "site"),
                                        ("ip", "ip"), ("scan_id", "scan_id")))
    return f"{head} [{sd_id} {params}] ".encode() + body


def octet_counted(message: bytes) -> bytes:
    """RFC 6587 octet-counting frame: ``MSG-LEN SP SYSLOG-MSG``."""
    return f"{len(message)} ".encode() + message


class _Formatter:
    def __init__(self, options: Mapping[str, Any]) -> None:
        self.options = dict(options)

    def message(self, body: bytes) -> bytes:
        return format_message(json.loads(body), body, **self.options)


class UdpSyslog:
    """A sink sending one datagram per event at once (UDP tells no sender of a loss)."""

    def __init__(self, host: str, port: int, **options: Any) -> None:
        self.name = f"syslog udp://{host}:{port}"
        self.address = (host, port)
        self._format = _Formatter(options)
        info = socket.getaddrinfo(host, port, type=socket.SOCK_DGRAM)[0]
        self._sock = socket.socket(info[0], socket.SOCK_DGRAM)
        self._target = info[4]

    def emit(self, events: Sequence[Event]) -> None:
        for e in events:
            try:
                self._sock.sendto(self._format.message(encode(e)), self._target)
            except OSError as err:
                log.warning(f"{self.name}: cannot send event {e.id}: {err.strerror or err}",
                            extra=fields(sink=self.name, event_id=e.id))

    def pump(self, now: float) -> float | None:
        return None

    def pending(self) -> int:
        return 0

    def close(self) -> None:
        self._sock.close()


class StreamSender:
    """The ``send`` of a TCP or TLS syslog ``QueuedSink``: one connection, kept open, opened
    again when the collector closed it."""

    def __init__(self, transport: str, host: str, port: int, *, timeout: float = 10.0,
                 ca_file: Path | None = None, cert_file: Path | None = None,
                 key_file: Path | None = None, server_name: str | None = None,
                 **options: Any) -> None:
        self.transport = transport
        self.host, self.port, self.timeout = host, port, timeout
        self.name = f"syslog {transport}://{host}:{port}"
        self.server_name = server_name or host
        self._format = _Formatter(options)
        self._tls: ssl.SSLContext | None = None
        if transport == "tls":
            self._tls = ssl.create_default_context(cafile=str(ca_file) if ca_file else None)
            if cert_file is not None:
                self._tls.load_cert_chain(str(cert_file), str(key_file) if key_file else None)
        self._sock: socket.socket | None = None

    def _connect(self) -> socket.socket:
        if self._sock is not None and select.select([self._sock], [], [], 0)[0]:
            self.close()  # a collector sends nothing: readable means it closed or failed
        if self._sock is None:
            sock = socket.create_connection((self.host, self.port), timeout=self.timeout)
            if self._tls is not None:
                try:
                    sock = self._tls.wrap_socket(sock, server_hostname=self.server_name)
                except (OSError, ValueError):
                    sock.close()
                    raise
            self._sock = sock
        return self._sock

    def __call__(self, item: Item) -> Outcome:
        try:
            self._connect().sendall(octet_counted(self._format.message(item.body)))
        except OSError as e:
            self.close()
            return Outcome(False, f"{self.name}: {describe(e, self.timeout)}")
        return Outcome.delivered()

    def close(self) -> None:
        sock, self._sock = self._sock, None
        if sock is None:
            return
        if isinstance(sock, ssl.SSLSocket):
            with contextlib.suppress(OSError, ValueError):
                sock.settimeout(1.0)
                sock.unwrap()  # close_notify, so the collector sees a clean end
        sock.close()

