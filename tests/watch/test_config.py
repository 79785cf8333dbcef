"""The TOML file and the flags: flags win, unknown keys and bad types are errors naming the
file and key, secrets come from the environment or an owner-only file and are never shown."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from camaudit.errors import UsageError
from camaudit.watch.config import Flags, load, parse_syslog_url, read_secret

FULL = """
targets = ["10.0.0.0/24", "10.0.1.5"]
interval = 600
site = "hq"
db = "/var/lib/camaudit/inventory.db"
state_dir = "/var/lib/camaudit/watch"
ports = "80,554"
log_format = "json"
stdout = false

[webhook]
url = "https://siem.example/hook/T0K3N"
secret_env = "HOOK_SECRET"
ca_file = "/etc/camaudit/ca.pem"
timeout = 5
backoff = 2.5
max_backoff = 120
queue = "/var/lib/camaudit/hook.db"
queue_max_events = 500
queue_max_bytes = 1048576

[syslog]
transport = "tls"
host = "logs.example"
ca_file = "/etc/camaudit/logs-ca.pem"
cert_file = "/etc/camaudit/me.pem"
key_file = "/etc/camaudit/me.key"
server_name = "collector.example"
facility = "local3"
app_name = "camaudit-hq"
hostname = "watcher-1"
sd_id = "cam@99999"
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "watch.toml"
    path.write_text(text)
    return path


def test_every_key_of_the_file_is_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOOK_SECRET", "hunter2")
    c = load(write(tmp_path, FULL), Flags())
    assert (c.targets, c.interval, c.site, c.db, c.ports, c.log_format, c.stdout) == (
        ("10.0.0.0/24", "10.0.1.5"), 600.0, "hq", "/var/lib/camaudit/inventory.db", "80,554",
        "json", False)
    assert c.state_dir == Path("/var/lib/camaudit/watch")
    assert c.webhook is not None and c.webhook.secret == b"hunter2"
    assert c.webhook.origin == "https://siem.example:443"
    assert (c.webhook.retry.timeout, c.webhook.retry.backoff, c.webhook.retry.max_backoff,
            c.webhook.retry.queue_max_events, c.webhook.retry.queue_max_bytes) == (
        5.0, 2.5, 120.0, 500, 1048576)
    assert "hunter2" not in repr(c)
    s = c.syslog
    assert s is not None and (s.transport, s.host, s.port, s.facility, s.app_name, s.hostname,
                              s.sd_id, s.server_name) == (
        "tls", "logs.example", 6514, "local3", "camaudit-hq", "watcher-1", "cam@99999",
        "collector.example")
    assert s.key_file == Path("/etc/camaudit/me.key")


def test_flags_win_over_the_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOOK_SECRET", "a")
    monkeypatch.setenv("OTHER", "b")
    c = load(write(tmp_path, FULL), Flags(
        targets=("127.0.0.1",), interval=60, site="", ports="8000", log_format="text",
        stdout=True, webhook="http://127.0.0.1:9/x", webhook_secret_env="OTHER",
        syslog="udp://127.0.0.1", syslog_ca=Path("/x.pem")))
    assert (c.targets, c.interval, c.site, c.ports, c.log_format, c.stdout) == (
        ("127.0.0.1",), 60, "", "8000", "text", True)
    assert c.webhook is not None and (c.webhook.url, c.webhook.secret) == (
        "http://127.0.0.1:9/x", b"b")
    assert c.syslog is not None and (c.syslog.transport, c.syslog.port, c.syslog.ca_file) == (
        "udp", 514, Path("/x.pem"))


def test_defaults_without_a_file() -> None:
    c = load(None, Flags(targets=("127.0.0.1",)))
    assert (c.interval, c.site, c.log_format, c.stdout, c.webhook, c.syslog) == (
        300.0, "", "text", True, None, None)


@pytest.mark.parametrize(("text", "message"), [
    ("intervall = 5", "unknown key 'intervall'"),
    ("interval = 'often'", "'interval' must be a number"),
    ("interval = 0.5", "'interval' must be at least 1 second"),
    ("interval = inf", "'interval' must be above 0 and at most"),
    ("targets = '10.0.0.1'", "'targets' must be a list"),
    ("targets = [1]", "'targets' must be a list of text"),
    ("log_format = 'xml'", "log_format must be one of text, json"),
    ("[webhook]\nurl = 'ftp://x'\nsecret_env = 'E'", "must be http:// or https://"),
    ("[webhook]\nsecret_env = 'E'", "[webhook]: no url"),
    ("[webhook]\nurl = 'https://h/'\nsecret = 'inline'", "a secret is not written in the file"),
    ("[webhook]\nurl = 'https://h/'", "needs exactly one of secret_env and secret_file"),
    ("[webhook]\nurl = 'https://h/'\nsecret_env = 'E'\nqueue_max_events = 0",
     "'queue_max_events' must be 1 or more"),
    ("[webhook]\nurl = 'https://h/'\nsecret_env = 'E'\nretries = 3", "unknown key 'retries'"),
    ("[syslog]\ntransport = 'tcp'", "[syslog]: no host"),
    ("[syslog]\nhost = 'h'\ntransport = 'relp'", "transport must be one of udp, tcp, tls"),
    ("[syslog]\nhost = 'h'\nfacility = 'local9'", "unknown facility 'local9'"),
    ("[syslog]\nhost = 'h'\nport = 70000", "port must be 1-65535"),
    ("[syslog]\nhost = 'h'\nsd_id = 'a b'", "sd_id must be"),
    ("[syslog]\nhost = 'h'\nstdout = true", "unknown key 'stdout'"),
    ("not toml [", "not TOML"),
])
def test_mistakes_name_the_file_and_key(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                        text: str, message: str) -> None:
    monkeypatch.setenv("E", "x")
    path = write(tmp_path, text)
    with pytest.raises(UsageError) as e:
        load(path, Flags())
    assert message in str(e.value) and str(path) in str(e.value)


def test_a_missing_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="cannot read config"):
        load(tmp_path / "nope.toml", Flags())


def test_secrets_from_the_environment_and_an_owner_only_file(tmp_path: Path) -> None:
    assert read_secret("S", None, "webhook", {"S": "v"}) == b"v"
    with pytest.raises(UsageError, match="environment variable S is not set") as e:
        read_secret("S", None, "webhook", {})
    key = tmp_path / "key"
    key.write_bytes(b"file-secret\n")
    key.chmod(0o644)
    with pytest.raises(UsageError, match="may be read by others") as e:
        read_secret(None, key, "webhook")
    assert "file-secret" not in str(e.value)
    key.chmod(0o600)
    assert read_secret(None, key, "webhook") == b"file-secret"
    key.write_bytes(b"\n")
    with pytest.raises(UsageError, match="must hold 1 to 4096 bytes"):
        read_secret(None, key, "webhook")
    with pytest.raises(UsageError, match="cannot read"):
        read_secret(None, tmp_path / "missing", "webhook")
    with pytest.raises(UsageError, match="not a regular file"):
        read_secret(None, tmp_path, "webhook")


def test_a_webhook_url_with_a_password_is_refused_without_showing_it() -> None:
    with pytest.raises(UsageError) as e:
        load(None, Flags(webhook="https://user:pa55word@h.example/x",
                         webhook_secret_env="PATH"))
    assert "pa55word" not in str(e.value) and "https://h.example:443" in str(e.value)


def test_a_webhook_secret_file_from_the_flags(tmp_path: Path) -> None:
    key = tmp_path / "key"
    key.write_text("k")
    os.chmod(key, 0o600)
    c = load(None, Flags(webhook="http://127.0.0.1:8080/", webhook_secret_file=key))
    assert c.webhook is not None and c.webhook.secret == b"k"


@pytest.mark.parametrize(("url", "expected"), [
    ("udp://127.0.0.1", ("udp", "127.0.0.1", 514)),
    ("tcp://logs.example:1514", ("tcp", "logs.example", 1514)),
    ("tls://[::1]", ("tls", "::1", 6514)),
])
def test_syslog_urls(url: str, expected: tuple[str, str, int]) -> None:
    assert parse_syslog_url(url) == expected


@pytest.mark.parametrize("url", ["syslog://h", "udp://", "tcp://h:99999", "h:514"])
def test_bad_syslog_urls(url: str) -> None:
    with pytest.raises(UsageError, match="bad syslog address"):
        parse_syslog_url(url)
