"""Lab auth: Digest (MD5, qop=auth) and Basic checks, challenges, and hostile headers."""

from __future__ import annotations

import base64
import random
import urllib.request
from typing import Any

import pytest

from camaudit.lab.auth import (
    MAX_HEADER,
    NONCE_TTL,
    AuthSpec,
    Guard,
    SpecError,
    digest_response,
    parse_params,
    spec_from_yaml,
)

DIGEST = AuthSpec("digest", "camaudit-lab", "lab-operator", "lab-screening-pw")
BASIC = AuthSpec("basic", "camaudit-lab", "lab-operator", "lab-screening-pw")
NOW = 1_700_000_000.0
URI = "/ISAPI/Smart/capabilities"


def _authorization(guard: Guard, *, spec: AuthSpec = DIGEST, method: str = "GET",
                   uri: str = URI, nc: str = "00000001", now: float = NOW,
                   **override: str) -> str:
    """A Digest Authorization value as a correct client computes it; ``override`` fields."""
    nonce = override.pop("nonce", guard.nonce(now))
    fields = {"username": spec.user, "realm": spec.realm, "nonce": nonce, "uri": uri,
              "qop": "auth", "nc": nc, "cnonce": "0a4f113b", "opaque": guard.opaque,
              "algorithm": "MD5"}
    fields["response"] = digest_response(spec, method, uri, nonce, nc, fields["cnonce"])
    fields.update(override)
    return "Digest " + ", ".join(f'{k}="{v}"' if k not in ("nc", "qop", "algorithm")
                                 else f"{k}={v}" for k, v in fields.items())


def test_challenges_name_scheme_realm_and_a_fresh_nonce() -> None:
    guard = Guard(b"k" * 32)
    value = guard.challenge(DIGEST, now=NOW)
    params = parse_params(value.removeprefix("Digest "))
    assert value.startswith("Digest ") and params is not None
    assert params["realm"] == "camaudit-lab" and params["qop"] == "auth"
    assert params["algorithm"] == "MD5" and params["opaque"] == guard.opaque
    assert params["nonce"] != guard.nonce(NOW)  # a fresh nonce per challenge
    assert guard.check(DIGEST, "GET", URI, _authorization(guard, nonce=params["nonce"]),
                       now=NOW) == (True, False)
    assert "stale" not in params
    assert parse_params(guard.challenge(DIGEST, stale=True).removeprefix("Digest ")) is not None
    assert guard.challenge(DIGEST, stale=True).endswith(", stale=true")
    assert guard.challenge(BASIC) == 'Basic realm="camaudit-lab"'
    assert "lab-screening-pw" not in value + repr(DIGEST)


def test_valid_digest_is_accepted_once_per_nonce_count() -> None:
    guard = Guard()
    nonce = guard.nonce(NOW)
    header = _authorization(guard, nonce=nonce)
    assert guard.check(DIGEST, "GET", URI, header, NOW) == (True, False)
    assert guard.check(DIGEST, "GET", URI, header, NOW) == (False, False)  # replayed nc
    assert guard.check(DIGEST, "GET", URI, _authorization(guard, nc="00000002", nonce=nonce),
                       NOW) == (True, False)
    assert guard.check(DIGEST, "GET", URI, _authorization(guard, nc="00000001", nonce=nonce),
                       NOW) == (False, False)


@pytest.mark.parametrize("change", [
    {"spec": AuthSpec("digest", "camaudit-lab", "lab-operator", "wrong")},
    {"spec": AuthSpec("digest", "camaudit-lab", "someone", "lab-screening-pw")},
    {"spec": AuthSpec("digest", "other-realm", "lab-operator", "lab-screening-pw")},
    {"method": "HEAD"},
    {"uri": "/ISAPI/System/capabilities"},
    {"response": "0" * 32},
    {"response": "not-hex"},
    {"qop": "auth-int"},
    {"algorithm": "SHA-256"},
    {"opaque": "ffff"},
    {"nc": "1"},
    {"cnonce": ""},
    {"nonce": "5f5e100.00000000000000000000000000000000"},
    {"nonce": "no-dot-here"},
])
def test_digest_with_anything_wrong_is_refused(change: dict[str, Any]) -> None:
    guard = Guard()
    header = _authorization(guard, **change)
    assert guard.check(DIGEST, "GET", URI, header, NOW) == (False, False)


def test_nonce_of_another_guard_is_refused_and_an_old_one_is_stale() -> None:
    ours, theirs = Guard(), Guard()
    assert ours.check(DIGEST, "GET", URI, _authorization(theirs), NOW) == (False, False)
    old = _authorization(ours, now=NOW - NONCE_TTL - 5)
    assert ours.check(DIGEST, "GET", URI, old, NOW) == (False, True)
    wrong_pw = AuthSpec("digest", DIGEST.realm, DIGEST.user, "nope")
    old_wrong = _authorization(ours, spec=wrong_pw, now=NOW - NONCE_TTL - 5)
    assert ours.check(DIGEST, "GET", URI, old_wrong, NOW) == (False, False)


def test_urllib_digest_client_interoperates() -> None:
    """The screening client (urllib's Digest handler) answers our challenge acceptably."""
    guard = Guard()
    manager = urllib.request.HTTPPasswordMgrWithDefaultRealm()
    manager.add_password(None, "http://127.0.0.1", DIGEST.user, DIGEST.password)
    handler = urllib.request.HTTPDigestAuthHandler(manager)
    request = urllib.request.Request("http://127.0.0.1" + URI + "?a=1")
    chal = urllib.request.parse_keqv_list(urllib.request.parse_http_list(
        guard.challenge(DIGEST).removeprefix("Digest ")))
    header = handler.get_authorization(request, chal)
    assert header is not None
    assert guard.check(DIGEST, "GET", URI + "?a=1", "Digest " + header) == (True, False)
    assert guard.check(DIGEST, "GET", URI, "Digest " + header) == (False, False)


def _basic(user_pass: bytes) -> str:
    return "Basic " + base64.b64encode(user_pass).decode()


@pytest.mark.parametrize(("header", "ok"), [
    (_basic(b"lab-operator:lab-screening-pw"), True),
    ("basic " + base64.b64encode(b"lab-operator:lab-screening-pw").decode(), True),
    (_basic(b"lab-operator:wrong"), False),
    (_basic(b"lab-operator:lab-screening-pw:"), False),
    (_basic(b"lab-operatorlab-screening-pw"), False),
    (_basic(b"\xff\xfe:\x00"), False),
    ("Basic not*base64", False),
    ("Basic ", False),
    ("Bearer abc", False),
    (_authorization(Guard()), False),
])
def test_basic(header: str, ok: bool) -> None:
    assert Guard().check(BASIC, "GET", URI, header) == (ok, False)


@pytest.mark.parametrize(("text", "want"), [
    ('a=1, b="x y", C="q\\"d"', {"a": "1", "b": "x y", "c": 'q"d'}),
    ('a = 1 ,, b="",', {"a": "1", "b": ""}),
    ("", {}),
    ('a="unterminated', None),
    ('a="x\\', None),
    ("a", None),
    ("a=", None),
    ("=1", None),
    ("a=1 b=2", None),
    ("a=1, a=2", None),
    ("a=<1>", None),
    (", ".join(f"k{i}=v" for i in range(40)), None),
    ("a=" + "x" * MAX_HEADER, None),
])
def test_parse_params(text: str, want: dict[str, str] | None) -> None:
    assert parse_params(text) == want


def test_hostile_headers_never_raise() -> None:
    rng = random.Random(7)
    guard = Guard()
    alphabet = 'Digest Basic =",\\ \t\x00\xff\u2603abc0123456789:/.'
    for _ in range(3000):
        header = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 200)))
        for spec in (DIGEST, BASIC):
            assert guard.check(spec, "GET", URI, header) == (False, False)
    assert guard.check(DIGEST, "GET", URI, "Digest " + "a=b, " * 5000) == (False, False)
    assert guard.check(DIGEST, "GET", URI, None) == (False, False)
    assert guard.check(DIGEST, "GET", URI, _authorization(guard, nonce="\u2603.\u2603")) == \
        (False, False)


@pytest.mark.parametrize(("raw", "field"), [
    ("nope", "auth"),
    ({"scheme": "ntlm", "realm": "r", "user": "u", "password": "p"}, "scheme"),
    ({"scheme": "digest", "realm": "r", "user": "u"}, "password"),
    ({"scheme": "digest", "realm": "r", "user": "", "password": "p"}, "user"),
    ({"scheme": "digest", "realm": "r", "user": "u", "password": "p\u00e9"}, "password"),
    ({"scheme": "digest", "realm": 'a"b', "user": "u", "password": "p"}, "realm"),
    ({"scheme": "digest", "realm": "a{b", "user": "u", "password": "p"}, "realm"),
    ({"scheme": "digest", "realm": "r", "user": "u", "password": "p",
      "challenge": 'Digest realm="{realm}"'}, "challenge"),
    ({"scheme": "digest", "realm": "r", "user": "u", "password": "p",
      "challenge": 'Digest realm="{realm}", nonce="{nonce}", x="{other}"'}, "challenge"),
    ({"scheme": "basic", "realm": "r", "user": "u", "password": "p",
      "challenge": 'Digest realm="{realm}", nonce="{nonce}"'}, "challenge"),
    ({"scheme": "basic", "realm": "r", "user": "u:v", "password": "p"}, "user"),
    ({"scheme": "basic", "realm": "r", "user": "u", "password": "p", "extra": 1}, "extra"),
])
def test_bad_specs_name_their_field(raw: object, field: str) -> None:
    with pytest.raises(SpecError) as err:
        spec_from_yaml(raw)
    assert err.value.field == field


def test_spec_from_yaml() -> None:
    raw = {"scheme": "basic", "realm": "camaudit-lab", "user": "lab-operator",
           "password": "lab-screening-pw", "__line__": 3, "__lines__": {}}
    assert spec_from_yaml(raw) == BASIC
