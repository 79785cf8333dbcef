"""Client-side HTTP Digest: the RFC 2617 example, and the lab's independent verifier agrees."""

from __future__ import annotations

from camaudit.lab.auth import AuthSpec, Guard
from camaudit.wire.digest import basic_authorization, digest_authorization, parse_challenges


def test_rfc2617_example_response() -> None:
    (ch,) = parse_challenges('Digest realm="testrealm@host.com", qop="auth,auth-int", '
                             'nonce="dcd98b7102dd2f0e8b11d0f600bfb0c093", '
                             'opaque="5ccc069c403ebaf9f0171e9517f40e41"')
    value = digest_authorization(ch, "GET", "/dir/index.html", "Mufasa", "Circle Of Life",
                                 nc=1, cnonce="0a4f113b")
    assert 'response="6629fae49393a05397450978507c4ef1"' in value
    assert "nc=00000001" in value and 'opaque="5ccc069c403ebaf9f0171e9517f40e41"' in value


def test_lab_guard_accepts_our_answer_and_refuses_a_wrong_password() -> None:
    spec = AuthSpec("digest", "camaudit-lab", "operator", "right")
    guard = Guard()
    (ch,) = parse_challenges(guard.challenge(spec))
    assert ch.usable
    good = digest_authorization(ch, "GET", "/ISAPI/System/deviceInfo", "operator", "right",
                                nc=1, cnonce="abc")
    bad = digest_authorization(ch, "GET", "/ISAPI/System/deviceInfo", "operator", "wrong",
                               nc=2, cnonce="abc")
    assert guard.check(spec, "GET", "/ISAPI/System/deviceInfo", good) == (True, False)
    assert guard.check(spec, "GET", "/ISAPI/System/deviceInfo", bad)[0] is False


def test_several_challenges_in_one_header_and_hostile_ones() -> None:
    chs = parse_challenges('Basic realm="a", Digest realm="b", nonce="n", qop="auth"')
    assert [c.scheme for c in chs] == ["basic", "digest"]
    assert chs[1].get("realm") == "b"
    assert not parse_challenges("")
    assert not [c for c in parse_challenges('Digest realm="x"') if c.usable]  # no nonce
    assert not [c for c in parse_challenges('Digest nonce="n", qop="auth-int"') if c.usable]
    assert not [c for c in parse_challenges('Digest nonce="n", algorithm=SHA-512-256')
                if c.usable]
    parse_challenges("Digest " + "a=" * 50_000)  # bounded, never raises
    parse_challenges('Digest realm="unterminated, nonce=')


def test_sha256_and_sess_variants_and_basic() -> None:
    (ch,) = parse_challenges('Digest realm="r", nonce="n", qop="auth", algorithm=SHA-256-sess')
    value = digest_authorization(ch, "GET", "/", "u", "p", nc=3, cnonce="c")
    assert "algorithm=SHA-256-sess" in value and "nc=00000003" in value
    assert basic_authorization("u", "p") == "Basic dTpw"
