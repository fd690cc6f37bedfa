"""The keyword trigger: alerts when posts matching a risk query start to arrive.

A risk topic (``recall OR lawsuit OR "data breach"``...) needs no baseline: a few
matching posts within a short window are already worth a look. The detector is fed
the number of matching posts per bucket. It fires when the window holds at least
``min_count`` of them, then stays quiet for the cooldown. State is the bins of one
window. Time comes only from the timestamps fed in. No I/O.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass

from signalroom.detectors.base import (
    DetectorName,
    Finding,
    Severity,
    check_settings,
    describe_span,
)


@dataclass(frozen=True, slots=True)
class KeywordSettings:
    """When matches of a risk query become an alert. Defaults need no tuning."""

    window_s: float = 900.0
    """Matching posts are counted over this sliding window."""
    min_count: int = 3
    """The trigger: an alert fires when the window holds at least this many matches."""
    cooldown_s: float = 3600.0
    """No new alert for this long after an alert. If the matches keep coming, the next
    alert is a reminder that they have not stopped."""
    bucket_s: float = 60.0
    """Resolution of the window's bins, in seconds. Observations within one bin add up."""
    critical_count: int = 25
    """An alert is critical when the window holds at least this many matches."""

    def __post_init__(self) -> None:
        check_settings(
            "keyword",
            self,
            positive=("window_s", "bucket_s"),
            non_negative=("cooldown_s",),
            at_least_one=("min_count", "critical_count"),
        )

    @property
    def window_bins(self) -> int:
        return max(1, round(self.window_s / self.bucket_s))


class KeywordTrigger:
    """Streaming keyword trigger for one risk topic."""

    def __init__(self, settings: KeywordSettings | None = None) -> None:
        self.settings = settings if settings is not None else KeywordSettings()
        self._bins: deque[list[int]] = deque()
        self._count = 0
        self._now = -math.inf
        self._last_alert = -math.inf

    @property
    def name(self) -> DetectorName:
        return "keyword"

    @property
    def count(self) -> int:
        """Matching posts in the window at the latest observation."""
        return self._count

    def update(self, timestamp: float, count: float) -> Finding | None:
        """Feed the number of matching posts in the bucket at ``timestamp``.

        A count that is NaN, infinite or negative is taken as 0, and a fractional one
        is rounded down. Time never goes backwards: an observation older than the latest
        one is counted at the latest time. Raises ValueError for a non-finite timestamp.
        """
        if not math.isfinite(timestamp):
            raise ValueError(f"timestamp must be finite, got {timestamp!r}")
        s = self.settings
        matches = int(count) if 0 < count < math.inf else 0
        now = max(timestamp, self._now)
        self._now = now
        index = math.floor(now / s.bucket_s)
        first_kept = index - s.window_bins + 1
        while self._bins and self._bins[0][0] < first_kept:
            self._count -= self._bins.popleft()[1]
        if self._bins and self._bins[-1][0] == index:
            self._bins[-1][1] += matches
        else:
            self._bins.append([index, matches])
        self._count += matches
        if self._count < s.min_count or now - self._last_alert < s.cooldown_s:
            return None
        self._last_alert = now
        severity: Severity = "critical" if self._count >= s.critical_count else "warning"
        return Finding(
            detector="keyword",
            onset=now,
            observed=float(self._count),
            expected=0.0,
            band_low=0.0,
            band_high=float(s.min_count - 1),
            score=self._count / s.min_count,
            severity=severity,
            reason=(
                f"{self._count} posts matched the risk query in the last "
                f"{describe_span(s.window_s)} (trigger: {s.min_count})"
            ),
        )
