"""Backoff: exponential ceilings, full jitter from an injected random, Retry-After, giving up."""

from __future__ import annotations

import random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from signalroom.errors import ConfigError
from signalroom.notify.retry import RetryPolicy
from tests.alerting.factory import T0


class FixedRandom(random.Random):
    def __init__(self, value: float) -> None:
        super().__init__(0)
        self.value = value

    def random(self) -> float:
        return self.value


def test_retry_ceiling_doubles_up_to_the_cap() -> None:
    policy = RetryPolicy(base_s=30.0, cap_s=1800.0, max_attempts=10)

    ceilings = [policy.ceiling_s(attempt) for attempt in range(1, 10)]

    assert ceilings == [30.0, 60.0, 120.0, 240.0, 480.0, 960.0, 1800.0, 1800.0, 1800.0]
    assert policy.ceiling_s(10_000) == 1800.0


def test_retry_waits_are_full_jitter_of_the_ceiling() -> None:
    top = RetryPolicy(rng=FixedRandom(1.0))
    bottom = RetryPolicy(rng=FixedRandom(0.0))

    assert [top.next_attempt_at(n, T0) for n in (1, 2, 3)] == [T0 + 30, T0 + 60, T0 + 120]
    assert bottom.next_attempt_at(5, T0) == T0


def test_retry_same_seed_same_schedule() -> None:
    first = RetryPolicy(rng=random.Random(42))
    second = RetryPolicy(rng=random.Random(42))

    assert [first.next_attempt_at(n, T0) for n in range(1, 8)] == [
        second.next_attempt_at(n, T0) for n in range(1, 8)
    ]


def test_retry_gives_up_after_max_attempts() -> None:
    policy = RetryPolicy(max_attempts=3, rng=FixedRandom(0.5))

    assert policy.next_attempt_at(2, T0) == T0 + 30.0
    assert policy.next_attempt_at(3, T0) is None
    assert policy.next_attempt_at(3, T0, retry_after_s=5.0) is None


def test_retry_after_is_a_floor_capped_at_the_cap() -> None:
    policy = RetryPolicy(base_s=30.0, cap_s=600.0, rng=FixedRandom(0.5))

    assert policy.next_attempt_at(1, T0, retry_after_s=5.0) == T0 + 15.0
    assert policy.next_attempt_at(1, T0, retry_after_s=120.0) == T0 + 120.0
    assert policy.next_attempt_at(1, T0, retry_after_s=86_400.0) == T0 + 600.0
    assert policy.next_attempt_at(1, T0, retry_after_s=float("inf")) == T0 + 15.0


@given(
    attempt=st.integers(min_value=1, max_value=1000),
    seed=st.integers(),
    retry_after=st.none() | st.floats(min_value=0, max_value=10**6),
)
def test_retry_next_attempt_stays_within_its_bounds(
    attempt: int, seed: int, retry_after: float | None
) -> None:
    policy = RetryPolicy(max_attempts=1001, rng=random.Random(seed))

    at = policy.next_attempt_at(attempt, T0, retry_after_s=retry_after)

    assert at is not None
    assert T0 <= at <= T0 + policy.cap_s
    assert at <= T0 + max(policy.ceiling_s(attempt), min(retry_after or 0.0, policy.cap_s))


@pytest.mark.parametrize(
    ("settings", "key"),
    [
        ({"base_s": 0.0}, "notify.retry.base_s"),
        ({"base_s": float("nan")}, "notify.retry.base_s"),
        ({"cap_s": 10.0}, "notify.retry.cap_s"),
        ({"max_attempts": 0}, "notify.retry.max_attempts"),
    ],
)
def test_retry_refuses_bad_settings(settings: dict[str, float], key: str) -> None:
    with pytest.raises(ConfigError) as caught:
        RetryPolicy(**settings)  # type: ignore[arg-type]

    assert caught.value.key == key
