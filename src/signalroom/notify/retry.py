"""When to try a failed delivery again: exponential backoff with full jitter.

Attempt ``n`` (1 for the first try) that failed waits a uniformly random time between 0
and ``min(cap_s, base_s * 2 ** (n - 1))`` (AWS's "full jitter": many messages failing at
once do not come back at once). A receiver's ``Retry-After`` is a floor on that wait, at
most ``cap_s``. After ``max_attempts`` attempts the message is given up. The random
source is injected, so tests know every wait. No I/O, no clock: instants are passed in.
"""

from __future__ import annotations

import math
import random
from typing import Final

from signalroom.errors import ConfigError

DEFAULT_BASE_S: Final = 30.0
DEFAULT_CAP_S: Final = 1800.0
DEFAULT_MAX_ATTEMPTS: Final = 8


class RetryPolicy:
    """Backoff settings and the random source that spreads the waits."""

    def __init__(
        self,
        *,
        base_s: float = DEFAULT_BASE_S,
        cap_s: float = DEFAULT_CAP_S,
        max_attempts: int = DEFAULT_MAX_ATTEMPTS,
        rng: random.Random | None = None,
    ) -> None:
        if not (math.isfinite(base_s) and base_s > 0):
            raise ConfigError("notify.retry.base_s", f"must be a positive number, got {base_s!r}")
        if not (math.isfinite(cap_s) and cap_s >= base_s):
            raise ConfigError(
                "notify.retry.cap_s", f"must be at least base_s ({base_s:g}), got {cap_s!r}"
            )
        if max_attempts < 1:
            raise ConfigError(
                "notify.retry.max_attempts", f"must be 1 or more, got {max_attempts!r}"
            )
        self.base_s = base_s
        self.cap_s = cap_s
        self.max_attempts = max_attempts
        self._rng = rng or random.Random()

    def ceiling_s(self, attempt: int) -> float:
        """The longest wait after failed attempt ``attempt`` (1-based)."""
        # Capping the exponent first keeps 2 ** n finite for any attempt count.
        exponent = min(max(attempt - 1, 0), 62)
        return min(self.cap_s, self.base_s * 2.0**exponent)

    def next_attempt_at(
        self, attempt: int, now: float, *, retry_after_s: float | None = None
    ) -> float | None:
        """When to try again after attempt ``attempt`` (1-based) failed at ``now``, or None
        when that was the last attempt allowed."""
        if attempt >= self.max_attempts:
            return None
        wait = self._rng.uniform(0.0, self.ceiling_s(attempt))
        if retry_after_s is not None and math.isfinite(retry_after_s):
            wait = max(wait, min(max(retry_after_s, 0.0), self.cap_s))
        return now + wait
