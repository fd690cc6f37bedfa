"""The negative-sentiment surge detector: alerts when a topic's share of negative posts jumps.

The detector is fed, per time bucket, how many of the topic's posts were negative and
how many posts there were. It compares the last hour with the week before it. The
comparison is a count test, not a ratio of ratios. The baseline share gets a Beta
posterior, so the number of negative posts in the window follows a beta-binomial
distribution, and an alert needs that count to be well above what the baseline predicts
(z ≥ 3). Three more conditions must hold: enough posts in the window to judge
(``min_volume``), a real rise in share (``min_lift``), and a baseline with some volume
behind it. A quiet topic whose two posts are both negative never alerts, and neither
does a brand that is always criticised.

State: the time bins of the window and of the baseline, with their integer sums, bounded
by (window + baseline) / bucket. Time comes only from the timestamps fed in. No I/O.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass

from signalroom.detectors.base import (
    DetectorName,
    Finding,
    Reading,
    Severity,
    check_settings,
    describe_span,
)
from signalroom.detectors.stats import beta_binomial_z


@dataclass(frozen=True, slots=True)
class SentimentSettings:
    """How the negative-surge detector judges a topic's sentiment. Defaults need no tuning."""

    bucket_s: float = 300.0
    """Resolution of the time bins, in seconds. Observations within one bin add up."""
    window_s: float = 3600.0
    """The recent window whose negative share is tested."""
    baseline_s: float = 7 * 86400.0
    """The window just before it that gives the usual negative share."""
    threshold: float = 3.0
    """z (beta-binomial, continuity-corrected) that the negative count must reach."""
    min_volume: int = 20
    """Posts needed in the recent window before its share means anything."""
    min_negative: int = 5
    """Negative posts needed in the recent window."""
    min_lift: float = 0.10
    """The recent negative share must be at least this much above the baseline share
    (absolute: 0.10 is ten percentage points)."""
    min_baseline_volume: int = 50
    """Posts needed in the baseline before the detector trusts it."""
    warmup_s: float = 21600.0
    """No alert until this long after the first observation."""
    cooldown_s: float = 21600.0
    """No new alert for this long after an alert."""
    prior_negative: float = 1.0
    """Beta prior on the baseline share: pseudo-count of negative posts."""
    prior_other: float = 1.0
    """Beta prior on the baseline share: pseudo-count of other posts."""
    critical_score: float = 6.0
    """An alert is critical when z reaches this; otherwise it is a warning."""

    def __post_init__(self) -> None:
        check_settings(
            "sentiment",
            self,
            positive=("bucket_s", "window_s", "baseline_s", "prior_negative", "prior_other"),
            non_negative=("warmup_s", "cooldown_s", "min_lift"),
            at_least_one=("min_volume", "min_negative", "min_baseline_volume"),
            finite=("threshold", "critical_score"),
        )

    @property
    def window_bins(self) -> int:
        return max(1, round(self.window_s / self.bucket_s))

    @property
    def baseline_bins(self) -> int:
        return max(1, round(self.baseline_s / self.bucket_s))


class _Bins:
    """Per-bin (negative, total) counts with their running sums."""

    __slots__ = ("bins", "negative", "total")

    def __init__(self) -> None:
        self.bins: deque[list[int]] = deque()
        self.negative = 0
        self.total = 0

    def add(self, index: int, negative: int, total: int) -> None:
        if self.bins and self.bins[-1][0] == index:
            self.bins[-1][1] += negative
            self.bins[-1][2] += total
        else:
            self.bins.append([index, negative, total])
        self.negative += negative
        self.total += total

    def pop_until(self, first_kept: int) -> list[list[int]]:
        """Remove and return the bins older than ``first_kept``, oldest first."""
        removed = []
        while self.bins and self.bins[0][0] < first_kept:
            entry = self.bins.popleft()
            self.negative -= entry[1]
            self.total -= entry[2]
            removed.append(entry)
        return removed


class NegativeSurgeDetector:
    """Streaming negative-sentiment surge detector for one topic."""

    def __init__(self, settings: SentimentSettings | None = None) -> None:
        self.settings = settings if settings is not None else SentimentSettings()
        self._window = _Bins()
        self._baseline = _Bins()
        self._first: float | None = None
        self._now = -math.inf
        self._last_alert = -math.inf
        self._reading: Reading | None = None

    @property
    def name(self) -> DetectorName:
        return "sentiment"

    @property
    def reading(self) -> Reading | None:
        """Negative posts in the window against the count the baseline share predicts,
        at the latest observation; None before the first observation."""
        return self._reading

    def update(self, timestamp: float, negative: int, total: int) -> Finding | None:
        """Feed the topic's negative and total post counts for the bucket at ``timestamp``.

        Counts are clipped to 0 ≤ negative ≤ total. Time never goes backwards: an
        observation older than the latest one is counted at the latest time. Raises
        ValueError for a non-finite timestamp.
        """
        if not math.isfinite(timestamp):
            raise ValueError(f"timestamp must be finite, got {timestamp!r}")
        s = self.settings
        total = max(total, 0)
        negative = min(max(negative, 0), total)
        now = max(timestamp, self._now)
        self._now = now
        if self._first is None:
            self._first = now
        index = math.floor(now / s.bucket_s)
        for entry in self._window.pop_until(index - s.window_bins + 1):
            self._baseline.add(entry[0], entry[1], entry[2])
        self._baseline.pop_until(index - s.window_bins - s.baseline_bins + 1)
        self._window.add(index, negative, total)
        return self._judge(now)

    def _judge(self, now: float) -> Finding | None:
        s = self.settings
        hits, trials = self._window.negative, self._window.total
        base_hits, base_trials = self._baseline.negative, self._baseline.total
        z, expected, sd = beta_binomial_z(
            hits, trials, base_hits, base_trials, s.prior_negative, s.prior_other
        )
        low = max(0.0, expected - s.threshold * sd)
        high = min(float(trials), expected + s.threshold * sd)
        self._reading = Reading(now, float(hits), expected, low, high, z)
        if self._first is None or now - self._first < s.warmup_s:
            return None
        if now - self._last_alert < s.cooldown_s:
            return None
        if trials < s.min_volume or hits < s.min_negative or base_trials < s.min_baseline_volume:
            return None
        share = hits / trials
        base_share = (base_hits + s.prior_negative) / (
            base_trials + s.prior_negative + s.prior_other
        )
        if share - base_share < s.min_lift or z < s.threshold:
            return None
        self._last_alert = now
        severity: Severity = "critical" if z >= s.critical_score else "warning"
        reason = (
            f"{hits} of {trials} posts negative in the last {describe_span(s.window_s)} "
            f"({share:.0%}) against {base_share:.0%} before; expected about "
            f"{expected:.0f} (up to {high:.0f}), z = {z:.1f}"
        )
        return Finding(
            detector="sentiment",
            onset=now,
            observed=float(hits),
            expected=expected,
            band_low=low,
            band_high=high,
            score=z,
            severity=severity,
            reason=reason,
        )
