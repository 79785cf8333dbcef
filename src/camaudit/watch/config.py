"""The watcher's settings: one TOML file (``--config``) and the command's flags, flags first.

    targets = ["192.168.1.0/24"]          # top level: what and how often
    interval = 300
    site = "hq"
    [webhook]
    url = "https://siem.example/camaudit"
    secret_env = "CAMAUDIT_WEBHOOK_SECRET"   # or secret_file = "/etc/camaudit/webhook.key"
    [syslog]
    transport = "tls"
    host = "logs.example"
    ca_file = "/etc/camaudit/logs-ca.pem"

docs/watch.md lists every key. Unknown keys and wrong types are errors naming the file and key.
A secret is read from the environment variable or the file named (a file others may read is
refused) and never written in the file itself; no message quotes it.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from camaudit.errors import UsageError
from camaudit.watch.logs import FORMATS
from camaudit.watch.sinks.syslog import DEFAULT_PORT, DEFAULT_SD_ID, FACILITIES, SD_ID, TRANSPORTS
from camaudit.watch.sinks.webhook import check_url, origin

MAX_SECRET = 4096
MIN_INTERVAL = 1.0
MAX_SECONDS = 31 * 86400.0  # every number of seconds in the file (a month)


@dataclass(frozen=True, slots=True)
class Retry:
    """Queue and retry settings of a sink that delivers at least once."""

    queue: Path | None = None  # default: <state dir>/<site>.<sink>.queue.db
    queue_max_events: int = 10000
    queue_max_bytes: int = 64 << 20
    backoff: float = 1.0
    max_backoff: float = 300.0
    timeout: float = 10.0


@dataclass(frozen=True, slots=True)
class WebhookConfig:
    url: str
    secret: bytes = field(repr=False)
    ca_file: Path | None = None
    retry: Retry = Retry()

    @property
    def origin(self) -> str:
        return origin(self.url)


@dataclass(frozen=True, slots=True)
class SyslogConfig:
    transport: str
    host: str
    port: int
    ca_file: Path | None = None
    cert_file: Path | None = None
    key_file: Path | None = None
    server_name: str | None = None
    facility: str = "daemon"
    app_name: str = "camaudit"
    hostname: str | None = None
    sd_id: str = DEFAULT_SD_ID
    retry: Retry = Retry()


@dataclass(frozen=True, slots=True)
class WatchConfig:
    targets: tuple[str, ...] = ()
    interval: float = 300.0
    site: str = ""
    db: str | None = None
    state_dir: Path | None = None
    ports: str | None = None
    log_format: str = "text"
    stdout: bool = True
    webhook: WebhookConfig | None = None
    syslog: SyslogConfig | None = None


@dataclass(frozen=True, slots=True)
class Flags:
    """What the command line gave (None: not given, the file or the default decides)."""

    targets: tuple[str, ...] = ()
    interval: float | None = None
    site: str | None = None
    db: str | None = None
    state_dir: Path | None = None
    ports: str | None = None
    log_format: str | None = None
    stdout: bool | None = None
    webhook: str | None = None
    webhook_secret_env: str | None = None
    webhook_secret_file: Path | None = None
    syslog: str | None = None
    syslog_ca: Path | None = None


class _Table:
    """One TOML table, read key by key with its type checked; ``done`` rejects the rest."""

    def __init__(self, raw: Mapping[str, Any], where: str) -> None:
        self.raw, self.where, self.seen = raw, where, set[str]()

    def get(self, key: str, kind: type, default: Any = None) -> Any:
        self.seen.add(key)
        if key not in self.raw:
            return default
        value: Any = self.raw[key]
        if kind is float and isinstance(value, int) and not isinstance(value, bool):
            value = float(value)
        if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
            raise UsageError(f"{self.where}: '{key}' must be {_NAMES[kind]}")
        number: Any = value
        if kind is float and not 0 < number <= MAX_SECONDS:
            raise UsageError(f"{self.where}: '{key}' must be above 0 and at most "
                             f"{MAX_SECONDS:g} (seconds)")
        if kind is int and number < 1:
            raise UsageError(f"{self.where}: '{key}' must be 1 or more")
        return value

    def path(self, key: str) -> Path | None:
        value = self.get(key, str)
        return None if value is None else Path(value).expanduser()

    def done(self) -> None:
        unknown = sorted(set(self.raw) - self.seen)
        if unknown:
            raise UsageError(f"{self.where}: unknown key '{unknown[0]}'")


_NAMES: dict[type, str] = {str: "text", int: "a whole number", float: "a number",
                           bool: "true or false", list: "a list", dict: "a table"}


def _retry(t: _Table) -> Retry:
    r = Retry()
    return Retry(t.path("queue"), t.get("queue_max_events", int, r.queue_max_events),
                 max(t.get("queue_max_bytes", int, r.queue_max_bytes), 65536),
                 t.get("backoff", float, r.backoff), t.get("max_backoff", float, r.max_backoff),
                 t.get("timeout", float, r.timeout))


def read_secret(env: str | None, path: Path | None, what: str,
                environ: Mapping[str, str] | None = None) -> bytes:
    """The secret from the variable ``env`` or the file ``path`` (owner-only), never shown."""
    if (env is None) == (path is None):
        raise UsageError(f"{what}: needs exactly one of secret_env and secret_file (or "
                         "--webhook-secret-env, --webhook-secret-file)")
    if env is not None:
        value = (os.environ if environ is None else environ).get(env, "")
        if not value:
            raise UsageError(f"{what}: the secret's environment variable {env} is not set "
                             "or empty")
        return value.encode()
    assert path is not None
    from camaudit.credentials import read_private

    data = read_private(str(path), f"{what}: secret file", MAX_SECRET)
    secret = data.rstrip(b"\r\n")
    if not secret or len(data) > MAX_SECRET:
        raise UsageError(f"{what}: the secret file '{path}' must hold 1 to {MAX_SECRET} "
                         "bytes")
    return secret


def _webhook(raw: Mapping[str, Any] | None, flags: Flags, where: str) -> WebhookConfig | None:
    t = _Table(raw or {}, f"{where} [webhook]")
    if "secret" in t.raw:
        raise UsageError(f"{t.where}: a secret is not written in the file: use secret_env or "
                         "secret_file")
    url = t.get("url", str)
    env, path = t.get("secret_env", str), t.path("secret_file")
    ca_file, retry = t.path("ca_file"), _retry(t)
    t.done()
    url = flags.webhook or url
    if flags.webhook_secret_env or flags.webhook_secret_file:
        env, path = flags.webhook_secret_env, flags.webhook_secret_file
    if url is None:
        if raw is not None or env or path:
            raise UsageError(f"{t.where}: no url (give url or --webhook URL)")
        return None
    try:
        check_url(url)
    except UsageError as e:
        raise UsageError(f"{t.where}: {e}") from None
    return WebhookConfig(url, read_secret(env, path, t.where), ca_file, retry)


def parse_syslog_url(url: str) -> tuple[str, str, int]:
    """``udp://host[:port]``, ``tcp://...`` or ``tls://...`` -> (transport, host, port)."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise UsageError(f"bad syslog address '{url}'") from None
    if parts.scheme not in TRANSPORTS or not parts.hostname:
        raise UsageError(f"bad syslog address '{url}': use udp://, tcp:// or tls://HOST[:PORT]")
    return parts.scheme, parts.hostname, port or DEFAULT_PORT[parts.scheme]


def _syslog(raw: Mapping[str, Any] | None, flags: Flags, where: str) -> SyslogConfig | None:
    t = _Table(raw or {}, f"{where} [syslog]")
    transport = t.get("transport", str, "udp")
    host, port = t.get("host", str), t.get("port", int)
    if flags.syslog:
        transport, host, port = parse_syslog_url(flags.syslog)
    if transport not in TRANSPORTS:
        raise UsageError(f"{t.where}: transport must be one of {', '.join(TRANSPORTS)}")
    ca_file = t.path("ca_file")
    ca_file = flags.syslog_ca or ca_file
    facility = t.get("facility", str, "daemon")
    if facility not in FACILITIES:
        raise UsageError(f"{t.where}: unknown facility '{facility}'")
    sd_id = t.get("sd_id", str, DEFAULT_SD_ID)
    if not SD_ID.match(sd_id):
        raise UsageError(f"{t.where}: sd_id must be 1-32 printable ASCII characters without "
                         "space, =, ] or \"")
    config = SyslogConfig(transport, host or "", port or DEFAULT_PORT[transport], ca_file,
                          t.path("cert_file"), t.path("key_file"), t.get("server_name", str),
                          facility, t.get("app_name", str, "camaudit"), t.get("hostname", str),
                          sd_id, _retry(t))
    t.done()
    if host is None:
        if raw is not None:
            raise UsageError(f"{t.where}: no host (give host or --syslog URL)")
        return None
    if not 0 < config.port < 65536:
        raise UsageError(f"{t.where}: port must be 1-65535")
    return config


def load(path: Path | None, flags: Flags) -> WatchConfig:
    """The settings of the file ``path`` (optional) with ``flags`` over them."""
    raw: dict[str, Any] = {}
    where = "command line"
    if path is not None:
        where = f"config {path}"
        try:
            raw = tomllib.loads(path.read_text(encoding="utf-8"))
        except OSError as e:
            raise UsageError(f"cannot read config '{path}': {e.strerror or e}") from None
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as e:
            raise UsageError(f"{where}: not TOML: {e}") from None
    top = _Table(raw, where)
    targets = top.get("targets", list, [])
    if not all(isinstance(x, str) for x in targets):
        raise UsageError(f"{where}: 'targets' must be a list of text")
    interval = top.get("interval", float, 300.0)
    interval = flags.interval or interval
    if interval < MIN_INTERVAL:
        raise UsageError(f"{where}: 'interval' must be at least {MIN_INTERVAL:g} second")
    log_format = top.get("log_format", str, "text")
    log_format = flags.log_format or log_format
    if log_format not in FORMATS:
        raise UsageError(f"{where}: log_format must be one of {', '.join(FORMATS)}")
    site, db, state, ports, stdout = (top.get("site", str, ""), top.get("db", str),
                                      top.path("state_dir"), top.get("ports", str),
                                      top.get("stdout", bool, True))
    webhook = _webhook(top.get("webhook", dict), flags, where)
    syslog = _syslog(top.get("syslog", dict), flags, where)
    top.done()
    return WatchConfig(
        targets=flags.targets or tuple(targets), interval=interval,
        site=flags.site if flags.site is not None else site, db=flags.db or db,
        state_dir=flags.state_dir or state, ports=flags.ports or ports, log_format=log_format,
        stdout=stdout if flags.stdout is None else flags.stdout, webhook=webhook,
        syslog=syslog)
