"""The polling connectors' pacing: the wait after each kind of failure, reported to health,
the fresh start after a success, and the jittered pause between rounds."""

from __future__ import annotations

import asyncio
import random

from signalroom.clock import ManualClock
from signalroom.errors import AuthError, SourceError
from signalroom.sources.backoff import Backoff
from signalroom.sources.health import SourceHealth
from signalroom.sources.http_poll import RateLimitedError
from signalroom.sources.poll_retry import PollRetry
from tests.sources.fakes.driver import FakeSleep


def pacing(auth_retry_s: float | None) -> tuple[PollRetry, SourceHealth, FakeSleep]:
    clock = ManualClock(1_000.0)
    health = SourceHealth("src", "test", clock, stale_after_s=0)
    sleep = FakeSleep(clock)
    backoff = Backoff(first_s=10.0, cap_s=900.0, jitter=0.0)
    rng = random.Random(1)
    return PollRetry(health, clock, sleep, backoff, rng, auth_retry_s), health, sleep


def test_poll_retry_waits_as_each_failure_calls_for_and_reports_it() -> None:
    async def scenario() -> None:
        retry, health, sleep = pacing(auth_retry_s=300.0)
        await retry.wait_after(SourceError("HTTP 500"))
        assert (health.state, sleep.waits) == ("failing", [10.0])
        await retry.wait_after(RateLimitedError("HTTP 429", retry_s=42.0))
        assert health.snapshot().rate_limited_until == 1_052.0
        await retry.wait_after(RateLimitedError("HTTP 429"))  # no Retry-After: the backoff
        await retry.wait_after(AuthError("refused"))
        assert (health.state, sleep.waits) == ("auth_failed", [10.0, 42.0, 20.0, 300.0])
        retry.succeeded("2 listings")
        assert health.state == "connected"
        await retry.wait_after(SourceError("HTTP 500"))
        assert sleep.waits[-1] == 10.0  # back to the first step

    asyncio.run(scenario())


def test_poll_retry_treats_refused_credentials_as_a_failure_without_an_auth_retry() -> None:
    async def scenario() -> None:
        retry, health, sleep = pacing(auth_retry_s=None)
        await retry.wait_after(AuthError("refused"))
        assert (health.state, sleep.waits) == ("failing", [10.0])
        await retry.pause(120.0)
        assert 120.0 <= sleep.waits[-1] <= 132.0

    asyncio.run(scenario())
