"""The operator's own device credentials (``--credentials FILE``, ``--credentials-env``).

camaudit never guesses a password: it logs in only where the operator gave credentials, once per
device per run (``camaudit.depth``). The file is TOML and must be readable by its owner only
(mode 0600 or stricter), or it is refused::

    [[credential]]
    host = "10.20.0.5"            # one address ...
    user = "auditor"
    password = "..."

    [[credential]]
    net = "10.20.0.0/24"          # ... a network ...
    user = "auditor"
    password_env = "SITE_A_PW"    # ... with the password taken from the environment

    [[credential]]
    maker = "Dahua"               # ... or every device of a maker (as identified before login)
    user = "admin"
    password = "..."

``--credentials-env`` adds ``CAMAUDIT_USER`` / ``CAMAUDIT_PASSWORD`` for every device. For a
device the most specific entry wins: host, then the longest network, then maker, then the
environment. ``Credential`` never shows its password in ``repr`` or ``str``; messages name the
entry (``credentials.toml entry 2``), never the secret.
"""

from __future__ import annotations

import dataclasses
import ipaddress
import os
import stat
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from camaudit.errors import UsageError
from camaudit.model import Device
from camaudit.rulefiles.vocab import is_maker

ENV_USER = "CAMAUDIT_USER"
ENV_PASSWORD = "CAMAUDIT_PASSWORD"  # noqa: S105 - the name of a variable, not a secret
MAX_FILE = 1 << 20
MAX_FIELD = 256
_ENTRY_KEYS = {"host", "net", "maker", "user", "password", "password_env"}


@dataclass(frozen=True, slots=True)
class Credential:
    """One user name and password, and which entry gave it (``where``)."""

    user: str
    password: str = field(repr=False)
    where: str = ""

    def __str__(self) -> str:
        return f"{self.user} ({self.where})"


@dataclass(frozen=True, slots=True)
class _Entry:
    credential: Credential
    host: ipaddress.IPv4Address | ipaddress.IPv6Address | None = None
    net: ipaddress.IPv4Network | ipaddress.IPv6Network | None = None
    maker: str | None = None


@dataclass(frozen=True, slots=True)
class CredentialSet:
    """Every credential the operator gave; ``for_device`` picks one."""

    entries: tuple[_Entry, ...] = ()
    default: Credential | None = None

    def __bool__(self) -> bool:
        return bool(self.entries) or self.default is not None

    def for_device(self, ip: str, maker: str | None = None) -> Credential | None:
        """The most specific credential for ``ip`` (a device identified as ``maker``)."""
        try:
            addr = ipaddress.ip_address(ip.partition("/ch")[0])
        except ValueError:
            addr = None
        if addr is not None:
            for e in self.entries:
                if e.host == addr:
                    return e.credential
            nets = [e for e in self.entries if e.net is not None and addr in e.net]
            if nets:
                return max(nets, key=lambda e: e.net.prefixlen if e.net else -1).credential
        if maker is not None:
            for e in self.entries:
                if e.maker is not None and e.maker.lower() == maker.lower():
                    return e.credential
        return self.default

    def secrets(self) -> tuple[str, ...]:
        """Every password, so output can be checked (and scrubbed) for them."""
        out = [e.credential.password for e in self.entries]
        if self.default is not None:
            out.append(self.default.password)
        return tuple(dict.fromkeys(p for p in out if p))


def _text(raw: Mapping[str, object], name: str, where: str) -> str | None:
    value = raw.get(name)
    if value is None:
        return None
    if not isinstance(value, str) or not value or len(value) > MAX_FIELD:
        raise UsageError(f"{where}: '{name}' must be text of 1 to {MAX_FIELD} characters")
    if any(ord(c) < 32 for c in value):
        raise UsageError(f"{where}: '{name}' must not hold control characters")
    return value


def _entry(raw: object, where: str, environ: Mapping[str, str]) -> _Entry:
    if not isinstance(raw, dict):
        raise UsageError(f"{where}: must be a table with host, net or maker, user and password")
    unknown = sorted(set(raw) - _ENTRY_KEYS)
    if unknown:
        raise UsageError(f"{where}: unknown field '{unknown[0]}' (fields: "
                         f"{', '.join(sorted(_ENTRY_KEYS))})")
    scopes = [k for k in ("host", "net", "maker") if k in raw]
    if len(scopes) != 1:
        raise UsageError(f"{where}: give exactly one of host, net or maker")
    user = _text(raw, "user", where)
    if user is None:
        raise UsageError(f"{where}: 'user' is missing")
    password = _text(raw, "password", where)
    variable = _text(raw, "password_env", where)
    if (password is None) == (variable is None):
        raise UsageError(f"{where}: give exactly one of 'password' or 'password_env'")
    if variable is not None:
        password = environ.get(variable)
        if not password:
            raise UsageError(f"{where}: environment variable {variable} is not set or empty")
    assert password is not None
    scope = scopes[0]
    value = _text(raw, scope, where)
    assert value is not None
    cred = Credential(user, password, f"{where} ({scope} {value})")
    try:
        if scope == "host":
            return _Entry(cred, host=ipaddress.ip_address(value))
        if scope == "net":
            return _Entry(cred, net=ipaddress.ip_network(value, strict=False))
    except ValueError:
        raise UsageError(f"{where}: bad {scope} '{value}'") from None
    if not is_maker(value):
        raise UsageError(f"{where}: unknown maker '{value}' (see camaudit rules list)")
    return _Entry(cred, maker=value)


def parse(text: str, name: str, environ: Mapping[str, str]) -> tuple[_Entry, ...]:
    """The entries of a credentials file's ``text``; ``UsageError`` naming ``name`` and entry."""
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise UsageError(f"credentials file '{name}': not TOML: {e}") from None
    unknown = sorted(set(doc) - {"credential"})
    if unknown:
        raise UsageError(f"credentials file '{name}': unknown table '{unknown[0]}' "
                         "(entries are [[credential]] tables)")
    raw = doc.get("credential", [])
    if not isinstance(raw, list) or not raw:
        raise UsageError(f"credentials file '{name}': no [[credential]] entries")
    return tuple(_entry(r, f"credentials file '{name}' entry {i}", environ)
                 for i, r in enumerate(raw, 1))


def read_private(path: str, name: str, limit: int) -> bytes:
    """At most ``limit`` + 1 bytes of the file at ``path``, which must be a regular file that
    only its owner may read (not followed through a symbolic link); ``UsageError`` otherwise.
    ``name`` says what the file is in messages (``credentials file``)."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
    except OSError as e:
        raise UsageError(f"cannot read {name} '{path}': "
                         f"{e.strerror or type(e).__name__}") from None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise UsageError(f"{name} '{path}' is not a regular file")
        if st.st_mode & 0o077:
            raise UsageError(f"{name} '{path}' may be read by others (mode "
                             f"{stat.S_IMODE(st.st_mode):04o}); refused: chmod 600 it")
        return os.read(fd, limit + 1)
    finally:
        os.close(fd)


def read_file(path: str) -> str:
    """The text of a credentials file that only its owner may read; ``UsageError`` otherwise."""
    data = read_private(path, "credentials file", MAX_FILE)
    if len(data) > MAX_FILE:
        raise UsageError(f"credentials file '{path}' is over {MAX_FILE} bytes")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise UsageError(f"credentials file '{path}' is not UTF-8 text") from None


def load(path: str | None = None, use_env: bool = False,
         environ: Mapping[str, str] | None = None) -> CredentialSet:
    """The credentials from ``path`` (a file) and, with ``use_env``, the environment."""
    env = os.environ if environ is None else environ
    entries: Sequence[_Entry] = ()
    if path is not None:
        entries = parse(read_file(path), path, env)
    default: Credential | None = None
    if use_env:
        user, password = env.get(ENV_USER), env.get(ENV_PASSWORD)
        if not user or not password:
            raise UsageError(f"--credentials-env needs {ENV_USER} and {ENV_PASSWORD} set")
        default = Credential(user, password, f"environment ({ENV_USER})")
    return CredentialSet(tuple(entries), default)


def _clean(text: str, secrets: Sequence[str]) -> str:
    for secret in secrets:
        if secret and secret in text:
            text = text.replace(secret, "***")
    return text


def scrub(device: Device, secrets: Sequence[str]) -> Device:
    """``device`` with any of ``secrets`` that a device echoed into what it said (observations,
    evidence, errors) replaced by ``***``: a password must never reach a record."""
    if not secrets:
        return device
    return dataclasses.replace(
        device,
        observations=tuple(dataclasses.replace(o, value=_clean(o.value, secrets),
                                               source=_clean(o.source, secrets))
                           for o in device.observations),
        evidence=tuple(dataclasses.replace(e, value=_clean(e.value, secrets))
                       for e in device.evidence),
        errors=tuple(dataclasses.replace(e, message=_clean(e.message, secrets))
                     for e in device.errors))
