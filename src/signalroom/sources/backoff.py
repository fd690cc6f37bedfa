"""Retry timing shared by every connector: exponential backoff with jitter, and the reconnect
policy of the streaming connectors (Bluesky, Mastodon).

A wait is ``min(cap_s, first_s × 2^attempt)`` scaled by ``floor + jitter × r`` with ``r``
drawn from an injected :class:`random.Random`, so many clients do not retry together and
tests get the same waits every run. The HTTP pollers stretch each wait (``floor`` 1, up to
``jitter`` more); the streaming connectors spread theirs between half and all of it.

Only arithmetic: it never sleeps, logs or reports health (connectors do, through their
injected sleep and :class:`~signalroom.sources.health.SourceHealth`).
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

MAX_DOUBLINGS = 60
"""Past this many doublings every base wait is at its cap; the exponent stops growing."""


@dataclass(slots=True)
class Backoff:
    """Exponential backoff from ``first_s`` doubling to ``cap_s``, each wait scaled by
    ``floor + jitter × r`` (``0 <= r < 1``); :meth:`reset` after a success."""

    first_s: float
    cap_s: float
    jitter: float = 0.2
    floor: float = 1.0
    rng: random.Random = field(default_factory=random.Random)
    _attempt: int = 0

    def next_s(self) -> float:
        """The wait before the next attempt (and one more attempt counted)."""
        base = min(self.cap_s, self.first_s * 2.0 ** min(self._attempt, MAX_DOUBLINGS))
        self._attempt += 1
        return base * (self.floor + self.jitter * self.rng.random())

    def reset(self) -> None:
        self._attempt = 0

    @property
    def attempts(self) -> int:
        """Waits handed out since the last reset."""
        return self._attempt


@dataclass(frozen=True, slots=True)
class ReconnectPolicy:
    """How a streaming connector reconnects: exponential from ``first_s`` to ``max_s``, each
    wait between half and all of its base, and the slow retry after refused credentials."""

    first_s: float
    max_s: float
    auth_retry_s: float = 300.0

    def backoff(self, rng: random.Random) -> Backoff:
        """A fresh backoff on this policy's schedule, jittered by ``rng``."""
        # Jitter spreads reconnecting clients, so a restart of the host is no thundering herd.
        return Backoff(self.first_s, self.max_s, jitter=0.5, floor=0.5, rng=rng)
