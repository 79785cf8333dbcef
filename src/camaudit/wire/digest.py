"""HTTP authentication, client side, sans-I/O: read a ``WWW-Authenticate`` challenge, answer it.

    parse_challenges('Digest realm="x", nonce="n", qop="auth"') -> [Challenge]
    digest_authorization(challenge, "GET", "/ISAPI/System/deviceInfo", user, password, nc=1,
                         cnonce="...") -> 'Digest username="...", ...'
    basic_authorization(user, password) -> 'Basic ...'

Digest follows RFC 7616 (MD5, MD5-sess, SHA-256, SHA-256-sess; ``qop=auth`` or none, as RFC
2069 devices send). ``auth-int`` and unknown algorithms are not supported: the challenge is
then unusable and the caller says so. Nothing here raises on what a device sends: a malformed
header gives no challenge.
"""

from __future__ import annotations

import base64
import hashlib
import re
from dataclasses import dataclass

MAX_HEADER = 4096
_PARAM = re.compile(r'\s*([A-Za-z][A-Za-z0-9_-]*)\s*=\s*("(?:[^"\\]|\\.)*"|[^\s,]*)\s*,?')
_ALGORITHMS = {"MD5": hashlib.md5, "SHA-256": hashlib.sha256}


@dataclass(frozen=True, slots=True)
class Challenge:
    """One challenge: ``scheme`` in lower case and its parameters (lower-case names)."""

    scheme: str
    params: tuple[tuple[str, str], ...] = ()

    def get(self, name: str) -> str | None:
        for k, v in self.params:
            if k == name:
                return v
        return None

    @property
    def stale(self) -> bool:
        return (self.get("stale") or "").lower() == "true"

    @property
    def usable(self) -> bool:
        """A Basic challenge, or a Digest one this module can answer."""
        if self.scheme == "basic":
            return True
        if self.scheme != "digest" or not self.get("nonce"):
            return False
        algorithm = (self.get("algorithm") or "MD5").upper().removesuffix("-SESS")
        qops = _qops(self.get("qop"))
        return algorithm in _ALGORITHMS and (not qops or "auth" in qops)


def _qops(value: str | None) -> list[str]:
    return [q.strip().lower() for q in (value or "").split(",") if q.strip()]


def _unquote(value: str) -> str:
    if len(value) >= 2 and value[0] == value[-1] == '"':
        return re.sub(r"\\(.)", r"\1", value[1:-1])
    return value


def parse_challenges(value: str) -> list[Challenge]:
    """The challenges of one ``WWW-Authenticate`` value (several may share a header)."""
    value = value[:MAX_HEADER]
    out: list[Challenge] = []
    pos = 0
    while pos < len(value):
        m = re.compile(r"\s*,?\s*([A-Za-z][A-Za-z0-9_-]*)(?:\s+|$)").match(value, pos)
        if m is None or m.end() == pos:
            break
        scheme, pos = m.group(1).lower(), m.end()
        params: list[tuple[str, str]] = []
        while pos < len(value):
            p = _PARAM.match(value, pos)
            if p is None or p.end() == pos:
                break
            params.append((p.group(1).lower(), _unquote(p.group(2))))
            pos = p.end()
        out.append(Challenge(scheme, tuple(params)))
    return out


def _quote(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def digest_authorization(challenge: Challenge, method: str, uri: str, user: str, password: str,
                         *, nc: int, cnonce: str) -> str:
    """The ``Authorization`` value answering ``challenge`` (which must be ``usable`` Digest)."""
    algorithm = challenge.get("algorithm") or "MD5"
    base = algorithm.upper().removesuffix("-SESS")
    h = _ALGORITHMS[base]

    def hx(text: str) -> str:
        return h(text.encode("utf-8")).hexdigest()

    realm = challenge.get("realm") or ""
    nonce = challenge.get("nonce") or ""
    ha1 = hx(f"{user}:{realm}:{password}")
    if algorithm.upper().endswith("-SESS"):
        ha1 = hx(f"{ha1}:{nonce}:{cnonce}")
    ha2 = hx(f"{method}:{uri}")
    qop = "auth" if "auth" in _qops(challenge.get("qop")) else None
    count = f"{nc:08x}"
    if qop:
        response = hx(f"{ha1}:{nonce}:{count}:{cnonce}:{qop}:{ha2}")
    else:
        response = hx(f"{ha1}:{nonce}:{ha2}")
    parts = [f"username={_quote(user)}", f"realm={_quote(realm)}", f"nonce={_quote(nonce)}",
             f"uri={_quote(uri)}", f"response={_quote(response)}"]
    if challenge.get("algorithm"):
        parts.append(f"algorithm={algorithm}")
    if challenge.get("opaque") is not None:
        parts.append(f"opaque={_quote(challenge.get('opaque') or '')}")
    if qop:
        parts += [f"qop={qop}", f"nc={count}", f"cnonce={_quote(cnonce)}"]
    return "Digest " + ", ".join(parts)


def basic_authorization(user: str, password: str) -> str:
    token = base64.b64encode(f"{user}:{password}".encode()).decode("ascii")
    return f"Basic {token}"
