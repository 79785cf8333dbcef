"""The webhook poster against a real HTTP receiver on 127.0.0.1 (stdlib http.server)."""

from __future__ import annotations

import ssl
from typing import Any

import pytest

from camaudit.errors import UsageError
from camaudit.watch.sinks.queue import Item
from camaudit.watch.sinks.webhook import WebhookPoster, check_url, origin, sign, verify

SECRET = b"s3cret-for-tests-only"


def item(n: int = 1) -> Item:
    return Item(n, f"id{n}", b'{"event":"new","id":"id%d"}' % n, 0)


def test_the_signature_is_hmac_sha256_of_the_body() -> None:
    # printf '{"event":"new"}' | openssl dgst -sha256 -hmac k
    expected = "sha256=6dc6bee0a9994bba9933080de298b252d976e097f74d8cce24f19f1e856954fb"
    assert sign(b'{"event":"new"}', b"k") == expected
    assert verify(b'{"event":"new"}', b"k", expected)
    assert not verify(b'{"event":"new"} ', b"k", expected)
    assert not verify(b'{"event":"new"}', b"other", expected)
    assert not verify(b'{"event":"new"}', b"k", None)


def test_a_signed_post_is_delivered(receiver: Any) -> None:
    receiver.start()
    poster = WebhookPoster(receiver.url, SECRET, timeout=2)
    assert poster(item(1)).ok and poster(item(2)).ok  # the second on the kept-alive connection
    assert receiver.delivered == ["id1", "id2"] and receiver.bad == []
    poster.close()


def test_a_receiver_that_is_down_is_a_retryable_failure_naming_only_its_origin(
        receiver: Any) -> None:
    poster = WebhookPoster(receiver.url, SECRET, timeout=2)
    outcome = poster(item())
    assert not outcome.ok and outcome.retry
    assert outcome.reason == f"http://127.0.0.1:{receiver.port}: connection refused"
    assert "path-secret" not in outcome.reason and "s3cret" not in outcome.reason


def test_a_kept_alive_connection_the_receiver_dropped_is_opened_again(receiver: Any) -> None:
    receiver.start()
    poster = WebhookPoster(receiver.url, SECRET, timeout=2)
    assert poster(item(1)).ok
    receiver.stop()
    receiver.start()  # a restart: the kept-alive connection is gone
    assert poster(item(2)).ok
    assert receiver.delivered == ["id1", "id2"]
    poster.close()


@pytest.mark.parametrize(("status", "retry"), [(500, True), (503, True), (429, True),
                                                (401, True), (302, True), (400, False),
                                                (413, False), (422, False)])
def test_answers_other_than_2xx(receiver: Any, status: int, retry: bool) -> None:
    receiver.script.append(status)
    receiver.start()
    poster = WebhookPoster(receiver.url, SECRET, timeout=2)
    outcome = poster(item())
    poster.close()
    assert not outcome.ok and outcome.retry is retry
    assert f"HTTP {status}" in outcome.reason
    assert receiver.delivered == []


def test_an_answer_lost_after_the_receiver_took_the_event_means_a_redelivery(
        receiver: Any) -> None:
    receiver.script.append("drop")
    receiver.start()
    poster = WebhookPoster(receiver.url, SECRET, timeout=2)
    assert not poster(item()).ok  # the sender cannot know it arrived ...
    assert poster(item()).ok      # ... so it sends it again
    assert receiver.seen == ["id1", "id1"] and receiver.delivered == ["id1"]
    poster.close()


def test_https_checks_the_receiver_certificate(receiver: Any, pki: Any) -> None:
    server = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server.load_cert_chain(pki.cert, pki.key)
    receiver.tls = server
    receiver.start()
    trusting = WebhookPoster(receiver.url, SECRET, timeout=2, ca_file=pki.ca)
    assert trusting(item()).ok
    trusting.close()
    untrusted = WebhookPoster(receiver.url, SECRET, timeout=2, ca_file=pki.other_ca)(item(2))
    assert not untrusted.ok and "TLS certificate not trusted" in untrusted.reason
    assert receiver.delivered == ["id1"]


@pytest.mark.parametrize("url", ["ftp://h/", "https:///x", "http://h:99999/", "h.example",
                                 "http://h/a b", "http://h/\r\nX-Injected: 1"])
def test_bad_urls(url: str) -> None:
    with pytest.raises(UsageError, match="webhook url"):
        check_url(url)


def test_origin_is_scheme_host_and_port() -> None:
    assert origin("https://h.example/a/b?t=1") == "https://h.example:443"
    assert origin("http://[::1]:8080/x") == "http://[::1]:8080"
