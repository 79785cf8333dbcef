from __future__ import annotations

import random

import pytest

from camaudit.wire import rtsp

# Hikvision OPTIONS reply layout (facts §4.1: ExoPlayer#9800 / androidx/media#357, nmap 14882):
# two spaces after "Date:" and a non-RFC date.
HIK_OPTIONS = (b"RTSP/1.0 200 OK\r\nCSeq: 42 OPTIONS\r\nPublic: OPTIONS, DESCRIBE, PLAY, PAUSE, "
               b"SETUP, TEARDOWN, SET_PARAMETER, GET_PARAMETER\r\n"
               b"Date:  Tue, Dec 21 2021 12:08:36 GMT\r\n\r\n")
# Dahua (nmap 12373 / Recog rtsp_servers.xml).
DAHUA_401 = (b"RTSP/1.0 401 Unauthorized\r\nCSeq: 1\r\nWWW-Authenticate: Basic realm=\"device\"\r\n"
             b"Server: Dahua Rtsp Server\r\n\r\n")
# Hikvision DVR (nmap 12367): two challenges.
HIK_401 = (b"RTSP/1.0 401 Unauthorized\r\nCSeq: 2\r\nWWW-Authenticate: Digest realm=\"Hikvision\", "
           b"nonce=\"abc\", stale=\"FALSE\"\r\nWWW-Authenticate: Basic realm=\"/\"\r\n\r\n")
SDP = b"v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\na=Media_header:MEDIAINFO=494D4B48\r\n"
DESCRIBE_OK = (b"RTSP/1.0 200 OK\r\nCSeq: 3\r\nContent-Type: application/sdp\r\nContent-Length: "
               + str(len(SDP)).encode() + b"\r\n\r\n" + SDP)


def keys(obs: list) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for o in obs:
        out.setdefault(o.key, []).append(o.value)
    return out


def test_build_requests() -> None:
    assert rtsp.build_request("OPTIONS", "rtsp://127.0.0.1:554/", 1) == (
        b"OPTIONS rtsp://127.0.0.1:554/ RTSP/1.0\r\nCSeq: 1\r\nUser-Agent: camaudit/0.1\r\n\r\n")
    req = rtsp.build_request("DESCRIBE", "rtsp://127.0.0.1/Streaming/Channels/101", 2)
    assert req.startswith(
        b"DESCRIBE rtsp://127.0.0.1/Streaming/Channels/101 RTSP/1.0\r\nCSeq: 2\r\n")
    assert b"\r\nAccept: application/sdp\r\n" in req and req.endswith(b"\r\n\r\n")


@pytest.mark.parametrize("method,url", [("SETUP", "rtsp://h/"), ("PLAY", "rtsp://h/"),
                                        ("OPTIONS", "rtsp://h/\r\nX: y"), ("OPTIONS", "")])
def test_build_request_rejects(method: str, url: str) -> None:
    with pytest.raises(ValueError):
        rtsp.build_request(method, url, 1)


def test_hikvision_options_keeps_date_spacing() -> None:
    resp = rtsp.parse_response(HIK_OPTIONS)
    obs = keys(rtsp.observations(resp, "tcp/554 OPTIONS"))
    assert obs["rtsp.status"] == ["200"]
    assert obs["rtsp.date"] == ["  Tue, Dec 21 2021 12:08:36 GMT"]
    assert obs["rtsp.public"] == [
        "OPTIONS, DESCRIBE, PLAY, PAUSE, SETUP, TEARDOWN, SET_PARAMETER, GET_PARAMETER"]
    assert obs["rtsp.header.layout"] == ["CSeq,Public,Date"]
    assert resp.header("date") == "Tue, Dec 21 2021 12:08:36 GMT"


def test_rfc_date_keeps_its_single_space() -> None:
    resp = rtsp.parse_response(b"RTSP/1.0 200 OK\r\nCSeq: 1\r\nDate: Tue, 21 Dec 2021\r\n\r\n")
    assert keys(rtsp.observations(resp, "s"))["rtsp.date"] == [" Tue, 21 Dec 2021"]


def test_dahua_server_realm() -> None:
    obs = keys(rtsp.observations(rtsp.parse_response(DAHUA_401), "s"))
    assert obs["rtsp.server"] == ["Dahua Rtsp Server"]
    assert obs["rtsp.realm"] == ["device"]
    assert obs["rtsp.www_authenticate"] == ['Basic realm="device"']
    assert obs["rtsp.header.layout"] == ["CSeq,WWW-Authenticate,Server"]


def test_two_challenges() -> None:
    obs = keys(rtsp.observations(rtsp.parse_response(HIK_401), "s"))
    assert obs["rtsp.realm"] == ["Hikvision", "/"]
    assert len(obs["rtsp.www_authenticate"]) == 2


def test_sdp_and_completion() -> None:
    assert rtsp.response_complete(DESCRIBE_OK)
    assert not rtsp.response_complete(DESCRIBE_OK[:-3])
    assert not rtsp.response_complete(HIK_OPTIONS[:-2])
    assert rtsp.response_complete(HIK_OPTIONS)
    obs = keys(rtsp.observations(rtsp.parse_response(DESCRIBE_OK), "s"))
    assert obs["rtsp.sdp"] == [SDP.decode()]


def test_http_reply_is_not_rtsp() -> None:
    resp = rtsp.parse_response(b"HTTP/1.1 200 OK\r\n\r\n")
    assert not resp.valid and rtsp.observations(resp, "s") == []


def test_never_raises() -> None:
    rng = random.Random(11)
    inputs = [DESCRIBE_OK[:i] for i in range(len(DESCRIBE_OK) + 1)]
    inputs += [rng.randbytes(rng.randrange(0, 400)) for _ in range(300)]
    inputs += [b"RTSP/1.0 200 OK\r\nContent-Length: 99999999999999\r\n\r\n",
               b"RTSP/1.0 200 OK\r\nContent-Length: -1\r\n\r\nv=0"]
    for data in inputs:
        rtsp.observations(rtsp.parse_response(data), "s")
        assert isinstance(rtsp.response_complete(data), bool)


def test_content_length_of_unicode_digits_is_no_length() -> None:
    """Found by the property tests: '³' passes str.isdigit() but not int()."""
    reply = b"RTSP/1.0 200 OK\r\nCSeq: 1\r\nContent-Length: \xb3\r\n\r\n"
    assert rtsp.response_complete(reply) is True
    assert rtsp.parse_response(reply).valid


def test_pasted_sdp_without_its_blank_line_is_still_the_body() -> None:
    """A blog's DESCRIBE dialogue lost the blank line before ``v=0``."""
    text = (b"RTSP/1.0 200 OK\nCSeq: 4\nx-Accept-Dynamic-Rate: 1\nContent-Type: application/sdp\n"
            b"v=0\no=- 1 1 IN IP4 0.0.0.0\ns=Media Server\na=packetization-supported:DH\n")
    resp = rtsp.parse_response(text, lenient=True)
    assert [n for n, _ in resp.headers] == ["CSeq", "x-Accept-Dynamic-Rate", "Content-Type"]
    assert resp.body.startswith(b"v=0\n") and b"packetization-supported:DH" in resp.body
    # off the wire nothing is guessed: the line stays where it was sent
    assert rtsp.parse_response(text).body == b""
    # a body that already follows a blank line is left alone
    whole = text.replace(b"sdp\nv=0", b"sdp\n\nv=0")
    assert rtsp.parse_response(whole, lenient=True).body == resp.body
