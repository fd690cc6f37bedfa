"""The YouTube Data API's daily quota, as one source spends it: units counted per Pacific day,
the next reset, and how far apart polls must be for the budget to last until that reset.

Google gives a project 10,000 units a day by default and resets them at midnight
America/Los_Angeles (daylight saving included); every call costs its units, failed calls
too (``commentThreads.list`` and ``comments.list`` cost 1). A source spends at most its own
``budget`` (a share of the project's units, leaving room for ``signalroom sources test``
and other users of the key).

Only arithmetic on instants it is given: it never reads the clock, sleeps or does I/O.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Final
from zoneinfo import ZoneInfo

PACIFIC: Final = ZoneInfo("America/Los_Angeles")
"""Where Google's quota day begins and ends."""


def pacific_day(instant: float) -> str:
    """The Pacific calendar day (``YYYY-MM-DD``) an instant falls on: the quota's day."""
    return datetime.fromtimestamp(instant, tz=PACIFIC).date().isoformat()


def next_pacific_midnight(instant: float) -> float:
    """The next midnight in America/Los_Angeles after ``instant``: when the quota resets."""
    day = datetime.fromtimestamp(instant, tz=PACIFIC).date() + timedelta(days=1)
    # Midnight always exists there: the clocks change at 02:00.
    return datetime.combine(day, time(0), tzinfo=PACIFIC).timestamp()


def round_wait_s(
    *, poll_s: float, units_per_round: int, remaining: int, seconds_left: float
) -> float:
    """The wait before the next round of polls: ``poll_s``, or longer when rounds that often
    would spend the ``remaining`` units before the reset ``seconds_left`` away (until the
    reset when not even one more round fits)."""
    per_round = max(1, units_per_round)
    if remaining < per_round:
        return max(0.0, seconds_left)
    return max(poll_s, seconds_left * per_round / remaining)


@dataclass(slots=True)
class QuotaLedger:
    """Units this source spent on the Pacific day ``day``, out of its daily ``budget``."""

    budget: int
    day: str
    used: int = 0

    @classmethod
    def starting(cls, budget: int, now: float) -> QuotaLedger:
        return cls(budget=budget, day=pacific_day(now))

    def _roll(self, now: float) -> None:
        today = pacific_day(now)
        if today != self.day:
            self.day, self.used = today, 0

    def restore(self, day: str, used: int, now: float) -> None:
        """Take over a count kept in a checkpoint, if it is today's (never counting less)."""
        self._roll(now)
        if day == self.day:
            self.used = max(self.used, used)

    def remaining(self, now: float) -> int:
        self._roll(now)
        return max(0, self.budget - self.used)

    def can_afford(self, now: float, units: int = 1) -> bool:
        return self.remaining(now) >= units

    def spend(self, now: float, units: int = 1) -> None:
        self._roll(now)
        self.used += units

    def exhaust(self, now: float) -> None:
        """Google said the key's quota is spent: nothing more until the reset."""
        self._roll(now)
        self.used = max(self.used, self.budget)

    def resets_at(self, now: float) -> float:
        return next_pacific_midnight(now)

    def wait_s(self, now: float, *, poll_s: float, units_per_round: int) -> float:
        """The wait before the next round, so that the budget lasts until the reset."""
        return round_wait_s(
            poll_s=poll_s,
            units_per_round=units_per_round,
            remaining=self.remaining(now),
            seconds_left=self.resets_at(now) - now,
        )

    def spare(self, now: float, *, poll_s: float, units_per_round: int) -> int:
        """Units beyond what rounds every ``poll_s`` need until the reset: what may go to
        extras (every reply of a busy thread) without stretching the polls."""
        rounds = math.ceil(max(0.0, self.resets_at(now) - now) / poll_s)
        return self.remaining(now) - rounds * max(1, units_per_round)
