"""The retry timing every connector shares: exponential waits within their jitter band and
cap, a fresh start after a reset, and the streaming connectors' reconnect policy."""

from __future__ import annotations

import random

from hypothesis import given
from hypothesis import strategies as st

from signalroom.sources.backoff import Backoff, ReconnectPolicy


@given(
    first_s=st.floats(0.01, 100),
    cap_factor=st.floats(1, 1000),
    jitter=st.floats(0, 1),
    floor=st.floats(0, 1),
    seed=st.integers(0, 2**32),
)
def test_backoff_waits_double_to_the_cap_within_the_jitter_band(
    first_s: float, cap_factor: float, jitter: float, floor: float, seed: int
) -> None:
    cap_s = first_s * cap_factor
    backoff = Backoff(first_s, cap_s, jitter=jitter, floor=floor, rng=random.Random(seed))
    for attempt in range(70):
        base = min(cap_s, first_s * 2.0**attempt)
        wait = backoff.next_s()
        assert base * floor <= wait <= base * (floor + jitter)
    assert backoff.attempts == 70


def test_backoff_starts_over_after_a_reset() -> None:
    backoff = Backoff(first_s=10.0, cap_s=900.0, jitter=0.0)
    assert [backoff.next_s() for _ in range(8)] == [10, 20, 40, 80, 160, 320, 640, 900]
    backoff.reset()
    assert (backoff.attempts, backoff.next_s()) == (0, 10.0)


def test_reconnect_policy_spreads_waits_between_half_and_all_of_the_base() -> None:
    backoff = ReconnectPolicy(first_s=1.0, max_s=60.0).backoff(random.Random(5))
    waits = [backoff.next_s() for _ in range(200)]
    for attempt, wait in enumerate(waits):
        base = min(60.0, 2.0**attempt)
        assert base / 2 <= wait <= base
    assert len({round(w, 6) for w in waits[10:]}) > 100  # jittered, not a fixed cap
