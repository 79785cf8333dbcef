"""Hypothesis settings and strategies shared by the property tests of ``tests/hostile``.

Every run is derandomized (the same examples on every machine, so CI is deterministic) and
keeps no example database. ``hostile(target)`` draws raw bytes, corpus seeds and seeds mutated
the way ``bench/fuzz.py`` mutates them (tokens, repeated blocks, wild length fields).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from tests.hostile.targets import Target, mutate

_HEALTH = [HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much,
           HealthCheck.function_scoped_fixture]


def props(examples: int = 60, deadline_ms: int = 1000) -> Any:
    """Settings for one property: ``examples`` inputs, each allowed ``deadline_ms``."""
    return settings(max_examples=examples, deadline=timedelta(milliseconds=deadline_ms),
                    derandomize=True, database=None, suppress_health_check=_HEALTH,
                    print_blob=True)


def hostile(target: Target, max_size: int = 4096) -> st.SearchStrategy[bytes]:
    seeds = target.seeds()
    return st.one_of(
        st.binary(max_size=max_size),
        st.sampled_from(seeds),
        st.builds(lambda r, s: mutate(r, s, seeds), st.randoms(use_true_random=False),
                  st.sampled_from(seeds)),
    )


def size_of(obj: object, depth: int = 0) -> int:
    """Characters, bytes and items in ``obj`` (dataclasses, containers, text), walked."""
    if depth > 50:
        return 1
    if isinstance(obj, str | bytes | bytearray):
        return len(obj)
    if isinstance(obj, dict):
        return sum(size_of(k, depth + 1) + size_of(v, depth + 1) for k, v in obj.items()) + 1
    if isinstance(obj, list | tuple | set | frozenset):
        return sum(size_of(v, depth + 1) for v in obj) + 1
    fields = getattr(obj, "__dataclass_fields__", None)
    if fields is not None:
        return sum(size_of(getattr(obj, f, None), depth + 1) for f in fields) + 1
    return 1
