"""How a polling connector paces itself (Hacker News, Reddit): the wait after a failed
request, reported to health, and the jittered pause between two rounds.

After a failure: refused credentials are retried every ``auth_retry_s`` (when the service has
credentials), a rate limit waits as long as the service said (else the backoff), any other
error waits the backoff. A success resets the backoff and marks the source connected.

Must not sleep except through the injected sleep, or decide what a failure is: the
connector raises :class:`~signalroom.errors.AuthError`,
:class:`~signalroom.sources.http_poll.RateLimitedError` or another SourceError.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from signalroom.clock import Clock
from signalroom.errors import AuthError, SourceError
from signalroom.sources.backoff import Backoff
from signalroom.sources.health import SourceHealth
from signalroom.sources.http_poll import RateLimitedError, Sleep

ROUND_JITTER = 0.1
"""A pause between rounds is stretched by up to this fraction, so sources do not align."""


@dataclass(slots=True)
class PollRetry:
    """One connector's pacing; ``auth_retry_s`` None treats refused credentials like any
    other failure (a service without credentials)."""

    health: SourceHealth
    clock: Clock
    sleep: Sleep
    backoff: Backoff
    rng: random.Random
    auth_retry_s: float | None = None

    async def wait_after(self, err: SourceError) -> None:
        """Report ``err`` to health and wait as long as it calls for."""
        if isinstance(err, AuthError) and self.auth_retry_s is not None:
            self.health.auth_failed(str(err))
            await self.sleep(self.auth_retry_s)
        elif isinstance(err, RateLimitedError):
            wait = err.retry_s if err.retry_s is not None else self.backoff.next_s()
            self.health.rate_limited(self.clock.now() + wait, err.detail)
            await self.sleep(wait)
        else:
            self.health.failing(str(err))
            await self.sleep(self.backoff.next_s())

    def succeeded(self, detail: str) -> None:
        """A request went through: back to the first backoff step, and connected."""
        self.backoff.reset()
        self.health.connected(detail)

    async def pause(self, interval_s: float) -> None:
        """The wait between two rounds: ``interval_s``, stretched a little."""
        await self.sleep(interval_s * (1 + ROUND_JITTER * self.rng.random()))
