"""The new-trend detector: a term or hashtag whose count rises far above its own usual rate.

It is fed, per time bucket (or per post), how often each term or hashtag appeared in the
topic. Each term has a baseline rate per bucket: an exponentially decayed average of its
past counts (half-life one day), with a small floor so that a term never seen before has
a rate too. The current bucket's count is tested against that rate with the Poisson upper
tail. It must be significant (score = -log10 p ≥ 6), at least ``min_count`` and at least
``min_lift`` times the rate. A word that is always there does not trend; a hashtag that
goes from nothing to dozens in five minutes does.

State is bounded. It holds at most ``max_terms`` term rates (the highest are kept, so a
term dropped for being rare is, correctly, new again if it comes back), the counts of the
current bucket, and the terms in cooldown. Decay is applied once per bucket. Time comes
only from the timestamps fed in. No I/O.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

from signalroom.detectors.base import (
    DetectorName,
    Finding,
    Severity,
    check_settings,
    describe_span,
)
from signalroom.detectors.stats import poisson_log10_sf
from signalroom.errors import ConfigError


@dataclass(frozen=True, slots=True)
class TrendSettings:
    """When a term counts as trending. Defaults need no tuning."""

    bucket_s: float = 300.0
    """The bucket over which a term's count is tested against its rate."""
    half_life_s: float = 86400.0
    """How fast the baseline forgets: a bucket this old weighs half as much as the last one."""
    min_count: int = 10
    """Occurrences in one bucket needed to trend at all."""
    min_lift: float = 3.0
    """The count must be at least this many times the term's baseline rate."""
    min_score: float = 6.0
    """Significance: -log10 of the Poisson tail probability must reach this (p ≤ 1e-6;
    strict, because every term of every bucket is tested)."""
    rate_floor: float = 0.05
    """The lowest baseline rate per bucket, which is also the rate of a term never seen."""
    warmup_s: float = 21600.0
    """No finding until this long after the first observation, while rates build up."""
    cooldown_s: float = 21600.0
    """After a term trends, it does not raise another finding for this long."""
    max_terms: int = 2_000
    """How many term rates are kept. The lowest are dropped at the end of a bucket."""
    max_bucket_terms: int = 10_000
    """Distinct terms counted in one bucket. Past that, new terms wait for the next bucket."""
    warning_score: float = 30.0
    """A trend is informational, or a warning from this score on."""

    def __post_init__(self) -> None:
        check_settings(
            "trend",
            self,
            positive=("bucket_s", "half_life_s", "rate_floor"),
            non_negative=("warmup_s", "cooldown_s", "min_lift", "min_score", "warning_score"),
            at_least_one=("min_count", "max_terms", "max_bucket_terms"),
        )
        if self.decay >= 1.0:
            raise ConfigError("trend.half_life_s", "is too long for bucket_s: nothing would decay")

    @property
    def decay(self) -> float:
        """The weight a bucket loses per bucket of age."""
        return math.pow(0.5, self.bucket_s / self.half_life_s)


class TrendDetector:
    """Streaming new-trend detector for one topic's terms and hashtags."""

    def __init__(self, settings: TrendSettings | None = None) -> None:
        self.settings = settings if settings is not None else TrendSettings()
        self._decay = self.settings.decay
        self._sums: dict[str, float] = {}
        """Decayed count of each term over the buckets before the current one."""
        self._weight = 0.0
        """Decayed number of buckets before the current one (sum / weight = rate)."""
        self._bucket: int | None = None
        self._current: dict[str, int] = {}
        self._alerted: dict[str, float] = {}
        """Terms in cooldown and their alert time, oldest first."""
        self._first: float | None = None
        self._now = -math.inf

    @property
    def name(self) -> DetectorName:
        return "trend"

    @property
    def tracked_terms(self) -> int:
        """Terms with a baseline rate (bounded by ``max_terms``)."""
        return len(self._sums)

    def rate(self, term: str) -> float:
        """The term's baseline count per bucket, never below ``rate_floor``."""
        raw = self._sums.get(term, 0.0) / self._weight if self._weight > 0 else 0.0
        return max(raw, self.settings.rate_floor)

    def update(self, timestamp: float, counts: Mapping[str, int]) -> list[Finding]:
        """Feed term counts seen at ``timestamp``. Returns the terms that started trending.

        Calls within one bucket add up. Counts that are not positive are ignored. Time
        never goes backwards: an observation older than the latest one counts at the
        latest time. Raises ValueError for a non-finite timestamp.
        """
        if not math.isfinite(timestamp):
            raise ValueError(f"timestamp must be finite, got {timestamp!r}")
        s = self.settings
        now = max(timestamp, self._now)
        self._now = now
        if self._first is None:
            self._first = now
        index = math.floor(now / s.bucket_s)
        if self._bucket is None:
            self._bucket = index
        elif index > self._bucket:
            self._fold(index - self._bucket)
            self._bucket = index
        changed = []
        for term, count in counts.items():
            if not 0 < count < math.inf:
                continue
            if term not in self._current and len(self._current) >= s.max_bucket_terms:
                continue
            self._current[term] = self._current.get(term, 0) + int(count)
            changed.append(term)
        self._forget_expired(now)
        if now - self._first < s.warmup_s:
            return []
        findings = []
        for term in changed:
            finding = self._judge(term, now)
            if finding is not None:
                findings.append(finding)
        return findings

    def _fold(self, buckets: int) -> None:
        """Close the current bucket and age everything by ``buckets`` buckets."""
        d = self._decay
        aged, newest = d**buckets, d ** (buckets - 1)
        for term in self._sums:
            self._sums[term] *= aged
        for term, count in self._current.items():
            self._sums[term] = self._sums.get(term, 0.0) + count * newest
        self._weight = self._weight * aged + (1.0 - aged) / (1.0 - d)
        self._current.clear()
        limit = self.settings.max_terms
        if len(self._sums) > limit:
            kept = sorted(self._sums.items(), key=lambda item: (-item[1], item[0]))[:limit]
            self._sums = dict(kept)

    def _forget_expired(self, now: float) -> None:
        cooldown = self.settings.cooldown_s
        while self._alerted:
            term, alerted_at = next(iter(self._alerted.items()))
            if now - alerted_at < cooldown:
                break
            del self._alerted[term]

    def _judge(self, term: str, now: float) -> Finding | None:
        s = self.settings
        if term in self._alerted:
            return None
        count = self._current[term]
        rate = self.rate(term)
        if count < s.min_count or count < s.min_lift * rate:
            return None
        score = -poisson_log10_sf(count, rate)
        if score < s.min_score:
            return None
        self._alerted[term] = now
        if len(self._alerted) > s.max_terms:
            del self._alerted[next(iter(self._alerted))]
        first_firing = self._first_firing_count(rate)
        severity: Severity = "warning" if score >= s.warning_score else "info"
        return Finding(
            detector="trend",
            onset=now,
            observed=float(count),
            expected=rate,
            band_low=0.0,
            band_high=float(first_firing - 1),
            score=score,
            severity=severity,
            reason=(
                f"{term!r} appeared {count} times in {describe_span(s.bucket_s)} against "
                f"{rate:.2f} usually (Poisson p = 1e-{score:.0f})"
            ),
            subject=term,
        )

    def _first_firing_count(self, rate: float) -> int:
        """The smallest count in a bucket that would make a term with this rate trend."""
        s = self.settings
        count = max(s.min_count, math.ceil(s.min_lift * rate))
        while -poisson_log10_sf(count, rate) < s.min_score:
            count += 1
        return count
