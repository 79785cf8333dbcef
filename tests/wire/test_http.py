from __future__ import annotations

import random

import pytest

from camaudit.wire import http

# Dahua web UI reply shape (facts §4.2, Plum-Island #204 / nmap 10444): upper-case names, Etag,
# P3P, BOM before the doctype, no Server header.
DAHUA_BODY = b"\xef\xbb\xbf<!DOCTYPE html>\n<html><head><title>WEB SERVICE</title></head></html>"
DAHUA = (b"HTTP/1.1 200 OK\r\nCONNECTION: close\r\nCONTENT-LENGTH: "
         + str(len(DAHUA_BODY)).encode() + b"\r\nCACHE-CONTROL: max-age=0\r\n"
         b"CONTENT-TYPE: text/html\r\nEtag: \"1234:5ab\"\r\nP3P: CP=CAO PSA OUR\r\n\r\n"
         + DAHUA_BODY)
# Lorex NR900 realm as catalogued by Recog http_wwwauth.xml (facts §5a).
LOREX_401 = (b"HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Digest realm=\"Login to "
             b"ND011811000000\", nonce=\"ec3682ef24b2cd9cedefe5cc26110000\"\r\n"
             b"Content-Length: 0\r\n\r\n")
# Old Hikvision firmware redirect (nmap 9906).
HIK_302 = (b"HTTP/1.0 302 Redirect\r\nServer: Hikvision-Webs\r\n"
           b"Location: http://192.0.0.64:80/index.asp\r\n\r\n")


def keys(obs: list) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for o in obs:
        out.setdefault(o.key, []).append(o.value)
    return out


def garbage(seed: int = 7, count: int = 300) -> list[bytes]:
    rng = random.Random(seed)
    return [rng.randbytes(rng.randrange(0, 600)) for _ in range(count)]


def test_build_get_exact_bytes() -> None:
    assert http.build_get("127.0.0.1:8080", "/favicon.ico") == (
        b"GET /favicon.ico HTTP/1.1\r\nHost: 127.0.0.1:8080\r\nUser-Agent: camaudit/0.1\r\n"
        b"Accept: */*\r\nConnection: close\r\n\r\n")


@pytest.mark.parametrize("host,path", [("a\r\nX: y", "/"), ("h", "/a b"), ("h", "x"), ("", "/")])
def test_build_get_rejects_injection(host: str, path: str) -> None:
    with pytest.raises(ValueError):
        http.build_get(host, path)


def test_dahua_layout_title_and_bom() -> None:
    resp = http.parse_response(DAHUA)
    assert resp.valid and resp.complete and resp.status == 200 and resp.reason == "OK"
    assert resp.header("content-type") == "text/html"
    obs = keys(http.observations(resp, "tcp/80 GET /"))
    assert obs["http.status"] == ["200"]
    assert obs["http.header.layout"] == [
        "CONNECTION,CONTENT-LENGTH,CACHE-CONTROL,CONTENT-TYPE,Etag,P3P"]
    assert obs["http.title"] == ["WEB SERVICE"]
    assert obs["http.body"][0].startswith("\ufeff<!DOCTYPE html>")
    assert "http.header.server" not in obs


def test_realm_and_authenticate() -> None:
    obs = keys(http.observations(http.parse_response(LOREX_401), "s"))
    assert obs["http.status"] == ["401"]
    assert obs["http.realm"] == ["Login to ND011811000000"]
    assert obs["http.www_authenticate"][0].startswith('Digest realm="Login to ND0118')
    assert "http.body" not in obs


def test_redirect_server_location() -> None:
    obs = keys(http.observations(http.parse_response(HIK_302), "s"))
    assert obs["http.header.server"] == ["Hikvision-Webs"]
    assert obs["http.location"] == ["http://192.0.0.64:80/index.asp"]
    assert obs["http.status"] == ["302"]


@pytest.mark.parametrize("value,realm", [
    ('Basic realm="hikvision"', "hikvision"),
    ('Digest qop="auth", realm="IP Camera(C1214)", nonce="x"', "IP Camera(C1214)"),
    ('Basic realm="/"', "/"),
    ("Basic realm=device", "device"),
    ('Digest REALM="a\\"b"', 'a"b'),
    ('Digest nonce="x"', None),
    ('Digest myrealm="no"', None),
])
def test_parse_www_authenticate_realm(value: str, realm: str | None) -> None:
    assert http.parse_www_authenticate_realm(value) == realm


def test_chunked_body_and_completion() -> None:
    head = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
    chunks = b"5\r\nhello\r\n6;ext=1\r\n world\r\n0\r\n\r\n"
    assert http.parse_response(head + chunks).body == b"hello world"
    assert http.response_complete(head + chunks)
    assert not http.response_complete(head + chunks[:12])
    assert not http.response_complete(head + b"5\r\nhello\r\n")


def test_response_complete_content_length_and_eof() -> None:
    assert http.response_complete(DAHUA)
    assert not http.response_complete(DAHUA[:-1])
    assert not http.response_complete(DAHUA[:40])
    assert http.response_complete(LOREX_401)
    no_length = b"HTTP/1.0 200 OK\r\nServer: x\r\n\r\nbody"
    assert not http.response_complete(no_length)  # must read to EOF
    assert http.response_complete(b"HTTP/1.1 304 Not Modified\r\n\r\n")
    assert http.response_complete(b"\x00\x01garbage\r\n\r\n")


def test_truncated_body_is_kept_and_marked() -> None:
    resp = http.parse_response(DAHUA[:-10])
    assert resp.valid and not resp.complete
    assert resp.body == DAHUA_BODY[:-10]


def test_caps() -> None:
    huge_head = b"HTTP/1.1 200 OK\r\n" + b"X: " + b"a" * (http.HEAD_LIMIT + 10) + b"\r\n\r\n"
    assert not http.parse_response(huge_head).valid
    big = b"HTTP/1.1 200 OK\r\n\r\n" + b"x" * (http.BODY_LIMIT + 5000)
    assert len(http.parse_response(big).body) == http.BODY_LIMIT
    body_obs = [o for o in http.observations(http.parse_response(big), "s")
                if o.key == "http.body"]
    assert len(body_obs[0].value) == http.BODY_TEXT_LIMIT
    assert http.response_complete(big)


def test_lf_only_head_is_accepted() -> None:
    resp = http.parse_response(b"HTTP/1.1 200 OK\nServer: uc-httpd 1.0.0\n\n<title>x</title>")
    assert resp.valid and resp.header("Server") == "uc-httpd 1.0.0" and resp.body


def test_title_entities_whitespace() -> None:
    assert http.html_title("<TITLE lang=en>\n NETSurveillance &amp;\tWEB </TITLE>") == \
        "NETSurveillance & WEB"
    assert http.html_title("<html>no title</html>") is None


def test_isapi_body_observations() -> None:
    body = (b'<?xml version="1.0" encoding="UTF-8"?>\n<DeviceInfo version="2.0" '
            b'xmlns="http://www.std-cgi.com/ver20/XMLSchema"><model>ACR4-40</model></DeviceInfo>')
    resp = http.parse_response(b"HTTP/1.1 200 OK\r\nContent-Type: application/xml\r\n\r\n" + body)
    obs = keys(http.observations(resp, "s"))
    assert obs["isapi.namespace"] == ["http://www.std-cgi.com/ver20/XMLSchema"]
    assert obs["isapi.root"] == ["DeviceInfo"]
    assert obs["isapi.model"] == ["ACR4-40"]


def test_html_body_gives_no_isapi() -> None:
    obs = keys(http.observations(http.parse_response(DAHUA), "s"))
    assert not any(k.startswith("isapi.") for k in obs)


def test_invalid_inputs() -> None:
    for data in (b"", b"SSH-2.0-OpenSSH\r\n\r\n", b"HTTP/1.1 abc OK\r\n\r\n", b"\r\n\r\n"):
        resp = http.parse_response(data)
        assert not resp.valid and resp.problem
        assert http.observations(resp, "s") == []


def test_never_raises_on_prefixes_and_garbage() -> None:
    inputs = [DAHUA[:i] for i in range(len(DAHUA) + 1)] + garbage()
    inputs += [b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" + g for g in garbage(3, 50)]
    for data in inputs:
        resp = http.parse_response(data)
        http.response_complete(data)
        http.observations(resp, "s")
        assert isinstance(resp.valid, bool)


def test_content_length_of_unicode_digits_is_no_length() -> None:
    """Found by the property tests: '²' (byte 0xb2 in latin-1) passes str.isdigit() but not
    int(); the parser raised ValueError on a device's reply."""
    reply = b"HTTP/1.1 200 OK\r\nContent-Length: \xb2\r\n\r\nab"
    resp = http.parse_response(reply)
    assert resp.valid and resp.body == b"ab"
    assert http.response_complete(reply) is False  # no usable length: read to EOF


def test_a_mac_realm_gives_its_oui_owner() -> None:
    """EZVIZ and Uniview firmware use the device's MAC as realm (mediamtx#1631); a realm that is
    no MAC, or a locally administered one, gives nothing."""
    obs = keys(http.www_authenticate_observations('Digest realm="588fcf7a1dc6", nonce="x"', "s",
                                                  prefix="rtsp"))
    assert obs["rtsp.realm"] == ["588fcf7a1dc6"]
    assert obs["mac.org"] == ["Hangzhou Ezviz Software Co.,Ltd."]
    for realm in ("Login to 4M0747EPAA1D284", "0123456789zz", "02aabbccddee"):
        assert "mac.org" not in keys(http.www_authenticate_observations(
            f'Digest realm="{realm}"', "s"))
