"""HTTP authentication of lab routes: Digest (RFC 7616/2617, MD5, ``qop=auth``) and Basic.

A lab route (or a whole HTTP service) may declare ``auth: {scheme, realm, user, password}``.
A request without a valid ``Authorization`` header then gets ``401`` with the matching
``WWW-Authenticate`` challenge. Sans-I/O and total: nothing here raises on what a client sends
(headers are bounded, malformed ones are simply not authorised), and nothing here logs or
returns a credential.

A spec may give the vendor's ``challenge`` layout (``Digest realm="{realm}", nonce="{nonce}",
stale="FALSE"``: templates ``{realm}``, ``{nonce}``, ``{opaque}``, ``{stale}``) so a guarded route
challenges exactly as the emulated firmware does; its realm may hold device templates
(``IP Camera({camera_code})``), rendered by the caller (``AuthSpec.for_device``). A challenge
without ``qop`` accepts RFC 2069 responses (no ``nc``/``cnonce``); one without ``{opaque}`` does
not require ``opaque`` back.

Digest nonces are ``<hex time><8 random hex>.<HMAC-SHA256 of both>`` under a per-``Guard``
random key:
the lab keeps no table of issued nonces, a nonce it did not issue fails its MAC, and a nonce
older than ``NONCE_TTL`` gets a fresh challenge with ``stale=true``. Nonce counts must grow
per nonce (a replayed ``nc`` is refused); the last count of up to ``MAX_TRACKED`` nonces is kept.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import re
import secrets
import time
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass, field, replace

SCHEMES = ("digest", "basic")
NONCE_TTL = 300.0
MAX_TRACKED = 1024
MAX_HEADER = 4096  # Authorization values longer than this are refused unread
MAX_PARAMS = 32
MAX_CREDENTIAL = 128  # user, password, realm in a profile

_PRINTABLE = re.compile(r"^[\x20-\x7e]+$")
_TOKEN = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")
_HEX32 = re.compile(r"^[0-9a-f]{32}$")
_NC = re.compile(r"^[0-9a-fA-F]{8}$")
_CHALLENGE_FIELDS = re.compile(r"\{([a-z][a-z0-9_]*)\}")
CHALLENGE_NAMES = frozenset({"realm", "nonce", "opaque", "stale"})


class SpecError(ValueError):
    """A bad ``auth`` mapping in a profile: ``field`` (``scheme``, ``user`` ...) and problem."""

    def __init__(self, field: str, problem: str) -> None:
        super().__init__(f"{field}: {problem}")
        self.field = field
        self.problem = problem


@dataclass(frozen=True, slots=True)
class AuthSpec:
    """What a protected route wants. The password never appears in ``repr``."""

    scheme: str
    realm: str
    user: str
    password: str = field(repr=False)
    challenge: str | None = None  # vendor layout of WWW-Authenticate (None: the lab's own)

    def for_device(self, values: Mapping[str, str]) -> AuthSpec:
        """This spec with the realm's device templates (``{camera_code}`` ...) filled in."""
        if "{" not in self.realm:
            return self
        realm = _CHALLENGE_FIELDS.sub(lambda m: values.get(m.group(1), m.group(0)), self.realm)
        return replace(self, realm=realm)

    @property
    def wants_opaque(self) -> bool:
        return self.challenge is None or "{opaque}" in self.challenge

    @property
    def allows_rfc2069(self) -> bool:
        """A vendor challenge without ``qop``: clients answer the RFC 2069 way."""
        return self.challenge is not None and "qop" not in self.challenge


def spec_from_yaml(raw: object) -> AuthSpec:
    """An ``AuthSpec`` from a profile's ``auth`` mapping; ``SpecError`` naming the bad field.

    Realm, user and password are printable ASCII of at most ``MAX_CREDENTIAL`` characters; the
    realm holds no ``"`` or ``\\`` (it is sent in a quoted challenge as written), and ``{`` and
    ``}`` only around device template names; a Basic user holds no ``:``. ``challenge`` (Digest
    only) is the vendor's WWW-Authenticate layout with ``{realm}`` and ``{nonce}``.
    """
    if not isinstance(raw, dict):
        raise SpecError("auth", "expected a mapping {scheme, realm, user, password}")
    unknown = sorted(str(k) for k in raw
                     if k not in ("scheme", "realm", "user", "password", "challenge",
                                  "__line__", "__lines__"))
    if unknown:
        raise SpecError(unknown[0], "unknown field")
    scheme = raw.get("scheme")
    if scheme not in SCHEMES:
        raise SpecError("scheme", f"must be one of {', '.join(SCHEMES)}")
    values: dict[str, str] = {}
    for name in ("realm", "user", "password"):
        value = raw.get(name)
        if not isinstance(value, str) or not _PRINTABLE.match(value) \
                or len(value) > MAX_CREDENTIAL:
            raise SpecError(name, f"expected printable ASCII text of 1..{MAX_CREDENTIAL} "
                                  "characters")
        values[name] = value
    if set(values["realm"]) & set('"\\') or \
            set(_CHALLENGE_FIELDS.sub("", values["realm"])) & set("{}"):
        raise SpecError("realm", 'must not hold ", \\ or a { } other than a template name')
    if scheme == "basic" and ":" in values["user"]:
        raise SpecError("user", "a Basic user name must not hold ':'")
    challenge = raw.get("challenge")
    if challenge is not None:
        if scheme != "digest" or not isinstance(challenge, str) \
                or not _PRINTABLE.match(challenge) or len(challenge) > 512:
            raise SpecError("challenge", "a Digest challenge layout of printable ASCII")
        names = set(_CHALLENGE_FIELDS.findall(challenge))
        if not challenge.startswith("Digest ") or not {"realm", "nonce"} <= names \
                or names - CHALLENGE_NAMES:
            raise SpecError("challenge", "must start 'Digest ', hold {realm} and {nonce}, and "
                                         "no template but {realm} {nonce} {opaque} {stale}")
    return AuthSpec(str(scheme), values["realm"], values["user"], values["password"],
                    None if challenge is None else str(challenge))


def parse_params(text: str) -> dict[str, str] | None:
    """``name=token`` / ``name="quoted \\"string\\""`` pairs separated by commas (RFC 7235
    auth-param); names lower-cased. None when malformed, too long, too many or repeated."""
    if len(text) > MAX_HEADER:
        return None
    out: dict[str, str] = {}
    pos, end = 0, len(text)
    while True:
        while pos < end and text[pos] in " \t,":
            pos += 1
        if pos >= end:
            return out
        name = _TOKEN.match(text, pos)
        if name is None:
            return None
        pos = name.end()
        while pos < end and text[pos] in " \t":
            pos += 1
        if pos >= end or text[pos] != "=":
            return None
        pos += 1
        while pos < end and text[pos] in " \t":
            pos += 1
        if pos < end and text[pos] == '"':
            value, pos = _quoted(text, pos + 1)
            if value is None:
                return None
        else:
            token = _TOKEN.match(text, pos)
            if token is None:
                return None
            value, pos = token.group(), token.end()
        key = name.group().lower()
        if key in out or len(out) >= MAX_PARAMS:
            return None
        out[key] = value
        while pos < end and text[pos] in " \t":
            pos += 1
        if pos < end and text[pos] != ",":
            return None


def _quoted(text: str, pos: int) -> tuple[str | None, int]:
    """The quoted-string starting after its opening quote, and the index after its end."""
    chars: list[str] = []
    while pos < len(text):
        ch = text[pos]
        if ch == '"':
            return "".join(chars), pos + 1
        if ch == "\\":
            pos += 1
            if pos >= len(text):
                return None, pos
            ch = text[pos]
        chars.append(ch)
        pos += 1
    return None, pos


def _md5(text: str) -> str:
    return hashlib.md5(text.encode("utf-8"), usedforsecurity=False).hexdigest()


def digest_response(spec: AuthSpec, method: str, uri: str, nonce: str, nc: str,
                    cnonce: str) -> str:
    """The ``response`` a client with the right password sends (RFC 2617 §3.2.2, qop=auth)."""
    ha1 = _md5(f"{spec.user}:{spec.realm}:{spec.password}")
    ha2 = _md5(f"{method}:{uri}")
    return _md5(f"{ha1}:{nonce}:{nc}:{cnonce}:auth:{ha2}")


def rfc2069_response(spec: AuthSpec, method: str, uri: str, nonce: str) -> str:
    """The ``response`` of a client answering a challenge without ``qop`` (RFC 2069)."""
    ha1 = _md5(f"{spec.user}:{spec.realm}:{spec.password}")
    return _md5(f"{ha1}:{nonce}:{_md5(f'{method}:{uri}')}")


class Guard:
    """Issues challenges and checks ``Authorization`` headers for one listening port."""

    def __init__(self, key: bytes | None = None) -> None:
        self._key = key or secrets.token_bytes(32)
        self.opaque = secrets.token_hex(16)
        self._counts: OrderedDict[str, int] = OrderedDict()

    def nonce(self, now: float | None = None) -> str:
        """A fresh nonce: issue time and 32 random bits in hex, a dot, their HMAC. Each
        challenge gets its own, so a client's nonce count restarts on a new nonce."""
        stamp = f"{int(time.time() if now is None else now):x}{secrets.token_hex(4)}"
        return f"{stamp}.{self._mac(stamp)}"

    def _mac(self, stamp: str) -> str:
        return hmac.new(self._key, stamp.encode(), hashlib.sha256).hexdigest()[:32]

    def _nonce_state(self, nonce: str, now: float) -> str:
        """``fresh``, ``stale`` (ours but expired) or ``bad`` (not issued here)."""
        stamp, sep, mac = nonce.partition(".")
        if not sep or not 8 < len(stamp) <= 24 or not hmac.compare_digest(
                mac.encode("utf-8", "replace"), self._mac(stamp).encode()):
            return "bad"
        try:
            issued = int(stamp[:-8], 16)
        except ValueError:
            return "bad"
        return "fresh" if -1 <= now - issued <= NONCE_TTL else "stale"

    def challenge(self, spec: AuthSpec, *, stale: bool = False, now: float | None = None) -> str:
        """The ``WWW-Authenticate`` value for ``spec``."""
        if spec.scheme == "basic":
            return f'Basic realm="{spec.realm}"'
        if spec.challenge is not None:
            fields = {"realm": spec.realm, "nonce": self.nonce(now), "opaque": self.opaque,
                      "stale": "TRUE" if stale else "FALSE"}
            return _CHALLENGE_FIELDS.sub(lambda m: fields[m.group(1)], spec.challenge)
        value = (f'Digest realm="{spec.realm}", qop="auth", nonce="{self.nonce(now)}", '
                 f'opaque="{self.opaque}", algorithm=MD5')
        return value + (", stale=true" if stale else "")

    def check(self, spec: AuthSpec, method: str, target: str, header: str | None,
              now: float | None = None) -> tuple[bool, bool]:
        """``(authorised, stale)``: whether ``header`` carries valid credentials for a
        ``method`` request of ``target``; ``stale`` when only the Digest nonce had expired."""
        if not header or len(header) > MAX_HEADER:
            return False, False
        scheme, _, rest = header.strip().partition(" ")
        if scheme.lower() != spec.scheme:
            return False, False
        if spec.scheme == "basic":
            return _basic_ok(spec, rest.strip()), False
        return self._digest_ok(spec, method, target, rest,
                               time.time() if now is None else now)

    def _digest_ok(self, spec: AuthSpec, method: str, target: str, rest: str,
                   now: float) -> tuple[bool, bool]:
        p = parse_params(rest)
        if p is None or p.get("algorithm", "MD5").upper() != "MD5":
            return False, False
        rfc2069 = "qop" not in p and spec.allows_rfc2069
        if p.get("qop") != "auth" and not rfc2069:
            return False, False
        nonce, nc, cnonce = p.get("nonce", ""), p.get("nc", ""), p.get("cnonce", "")
        response = p.get("response", "").lower()
        if not ((rfc2069 or (_NC.match(nc) and cnonce)) and _HEX32.match(response)
                and (not spec.wants_opaque or p.get("opaque") == self.opaque)
                and p.get("uri") == target
                and _same(p.get("username", ""), spec.user)
                and _same(p.get("realm", ""), spec.realm)):
            return False, False
        state = self._nonce_state(nonce, now)
        if state == "bad":
            return False, False
        want = (rfc2069_response(spec, method, target, nonce) if rfc2069
                else digest_response(spec, method, target, nonce, nc, cnonce))
        if not hmac.compare_digest(response, want):
            return False, False
        if state == "stale":
            return False, True
        return (True if rfc2069 else self._count(nonce, int(nc, 16))), False

    def _count(self, nonce: str, nc: int) -> bool:
        """Accept ``nc`` only when it is above the last count seen for ``nonce``."""
        if nc <= self._counts.get(nonce, 0):
            return False
        self._counts[nonce] = nc
        self._counts.move_to_end(nonce)
        while len(self._counts) > MAX_TRACKED:
            self._counts.popitem(last=False)
        return True


def _same(given: str, wanted: str) -> bool:
    return hmac.compare_digest(given.encode("utf-8", "replace"), wanted.encode("utf-8"))


def _basic_ok(spec: AuthSpec, token: str) -> bool:
    if not token or len(token) > MAX_HEADER:
        return False
    try:
        raw = base64.b64decode(token, validate=True).decode("utf-8")
    except (binascii.Error, ValueError):
        return False
    user, sep, password = raw.partition(":")
    return bool(sep) and _same(user, spec.user) & _same(password, spec.password)
