"""Properties of every ``identify --as`` kind on hostile pastes: never raises (``mac`` and
``open-ports`` raise a one-line ValueError, as documented), returns within a deadline, and its
observations stay bounded (no amplification, at most 16 pasted messages)."""

from __future__ import annotations

import time
import tracemalloc

import pytest
from hypothesis import given
from hypothesis import strategies as st
from tests.hostile.strategies import hostile, props
from tests.hostile.targets import KIND_TARGETS

from camaudit.identify import MAX_INPUT
from camaudit.kinds import KINDS, MAX_PASTED_MESSAGES, pasted_messages
from camaudit.model import Observation


def test_every_kind_has_a_target() -> None:
    assert {t.removeprefix("kind.") for t in KIND_TARGETS} == set(KINDS)


def _observations(out: object) -> list[Observation]:
    assert isinstance(out, list | ValueError), type(out)
    return out if isinstance(out, list) else []


@pytest.mark.parametrize("name", sorted(KIND_TARGETS))
def test_never_raises_and_observations_are_bounded(name: str) -> None:
    target = KIND_TARGETS[name]

    @props(examples=60, deadline_ms=500)
    @given(hostile(target))
    def check(data: bytes) -> None:
        obs = _observations(target.call(data))
        assert all(isinstance(o.value, str) and o.key for o in obs)
        assert sum(len(o.value) for o in obs) <= 4 * len(data) + 16 * 1024

    check()


# The worst pastes met so far: blank lines, unclosed markup, many status or header lines.
WORST = [b"\n" * MAX_INPUT, b"<" * MAX_INPUT, b"HTTP/1.1 200 OK\n" * (MAX_INPUT // 16),
         b"RTSP/1.0 200 OK\r\nA: b\r\n" * (MAX_INPUT // 24), b"Server:" * (MAX_INPUT // 7),
         b"{\"a\":" * (MAX_INPUT // 5), b"A" * MAX_INPUT]


@pytest.mark.parametrize("name", sorted(KINDS))
def test_largest_paste_in_bounded_time_and_memory(name: str) -> None:
    """identify reads at most MAX_INPUT (4 MiB): each kind handles that much of the worst."""
    run = KIND_TARGETS[f"kind.{name}"]
    took = 0.0
    for data in WORST:
        tracemalloc.start()
        t0 = time.perf_counter()
        try:
            obs = _observations(run.call(data))
        finally:
            _, peak = tracemalloc.get_traced_memory()
            tracemalloc.stop()
        took = max(took, time.perf_counter() - t0)
        assert peak < 24 * MAX_INPUT, f"{name}: {peak >> 20} MiB on {data[:10]!r}..."
        assert len(obs) <= 64 * MAX_PASTED_MESSAGES
    assert took < 4.0, f"{name}: {took:.1f} s"


@props(examples=100)
@given(st.lists(st.sampled_from([b"HTTP/1.1 200 OK\n", b"Server: x\n", b"\n", b"GET / HTTP/1.1\n",
                                 b"RTSP/1.0 401 x\r\n", b"junk"]), max_size=60))
def test_pasted_messages_are_capped_and_cover_only_the_paste(parts: list[bytes]) -> None:
    data = b"".join(parts)
    got = pasted_messages(data, b"HTTP")
    assert len(got) <= max(1, MAX_PASTED_MESSAGES)
    assert sum(len(m) for m in got) <= len(data) + 32
