"""The session: credentials only in answer to a challenge, one refusal ends the run."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from camaudit.credentials import Credential
from camaudit.depth.session import PLAIN_BASIC, REFUSED, Session

from .conftest import PASSWORD, USER

IP = "127.0.0.5"
PATHS = ["/a", "/b", "/c", "/d"]


def run(session: Session, paths: list[str], **kw: Any) -> list[Any]:
    async def go() -> list[Any]:
        return [await session.request(80, p, **kw) for p in paths]
    return asyncio.run(go())


def test_right_password_one_challenge_then_reused(make_device: Callable[..., Any]) -> None:
    device, transport = make_device({p: (200, p.encode()) for p in PATHS})
    session = Session(IP, transport, Credential(USER, PASSWORD))
    replies = run(session, PATHS)
    assert [r.response.body for r in replies] == [p.encode() for p in PATHS]
    # one unsigned request met the challenge; every later one answered it straight away
    assert device.log == [("GET", "/a", False)] + [("GET", p, True) for p in PATHS]
    assert session.logins == 1 and not session.refused


def test_wrong_password_is_one_attempt_then_nothing(make_device: Callable[..., Any]) -> None:
    device, transport = make_device({p: (200, b"x") for p in PATHS})
    session = Session(IP, transport, Credential(USER, "wrong"))
    replies = run(session, PATHS)
    assert replies[0].problem == REFUSED and session.refused
    assert all("not sent" in r.problem for r in replies[1:])
    assert device.logins() == 1  # Dahua would lock after 5: we try once
    assert device.log == [("GET", "/a", False), ("GET", "/a", True)]
    assert all(PASSWORD not in r.problem and "wrong" not in r.problem for r in replies)


def test_no_credential_never_answers_a_challenge(make_device: Callable[..., Any]) -> None:
    device, transport = make_device({"/a": (200, b"x")})
    session = Session(IP, transport, None)
    (reply,) = run(session, ["/a"])
    assert reply.response.status == 401 and device.logins() == 0 and not session.refused


def test_stale_nonce_is_answered_once_not_a_refusal(make_device: Callable[..., Any]) -> None:
    import time

    device, transport = make_device({p: (200, b"ok") for p in PATHS})
    fresh = device.guard.nonce
    issued: list[str] = []

    def first_one_old(now: float | None = None) -> str:
        nonce = fresh(time.time() - 3600 if not issued else now)  # the first has expired
        issued.append(nonce)
        return str(nonce)

    device.guard.nonce = first_one_old  # type: ignore[method-assign]
    session = Session(IP, transport, Credential(USER, PASSWORD))
    (reply,) = run(session, ["/a"])
    assert reply.ok and not session.refused and session.logins == 1
    assert len(issued) == 2  # the stale nonce, then the fresh one it was answered with
    assert device.log == [("GET", "/a", False), ("GET", "/a", True), ("GET", "/a", True)]


def test_basic_over_plain_http_is_not_sent(make_device: Callable[..., Any]) -> None:
    device, transport = make_device({"/a": (200, b"x")}, scheme="basic")
    session = Session(IP, transport, Credential(USER, PASSWORD))
    (reply,) = run(session, ["/a"])
    assert reply.problem == PLAIN_BASIC and device.logins() == 0
    allowed = Session(IP, transport, Credential(USER, PASSWORD), allow_plain_basic=True)
    (reply,) = run(allowed, ["/a"])
    assert reply.ok and allowed.logins == 1


def test_only_read_only_methods() -> None:
    import pytest

    session = Session(IP, None, None)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="read-only"):
        asyncio.run(session.request(80, "/", method="PUT"))
