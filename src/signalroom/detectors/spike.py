"""The volume spike detector: alerts when a topic's post count rises far above its usual level.

It works one bucket at a time on a regular grid (``step_s``, 5 minutes by default):

1. **Observed.** H is the sum of the counts over the smoothing window (1 hour).
2. **Expected.** E is the median of H at the same time of day, and at ±1 hour from it,
   on each of the previous 7 days. The median ignores earlier one-off spikes. A learnt
   day-of-week factor (log scale, UTC days) corrects E for quieter weekends.
3. **Surprise.** r = log((H + c) / (E + c)) minus the weekday factor, with
   Var(r) ≈ 1/(E + c) (Poisson noise, large for small counts) + σ² (extra-Poisson
   spread, re-estimated hourly from the median absolute deviation of the past week's
   residuals), and z = r / √Var. Three posts where none were expected gives z ≈ 1,
   not an alert.
4. **Alert.** An alert starts when z reaches the threshold on k of the last m buckets.
   The threshold is the larger of ``threshold`` and a quantile of the last 28 daily
   maxima of z, so a stream that is always spiky raises its own bar. Nothing fires
   during the warm-up or the cooldown after an alert.

This is the detector measured in research issue 4 (NAB realTweets dev half: 82.4
standard), ported without changing its arithmetic. All state is in fixed-size ring
buffers (7 days of hourly sums and residuals, 28 daily maxima). Time comes only from
the timestamps it is fed. No I/O, no clock.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass
from typing import NamedTuple

from signalroom.detectors.base import (
    DetectorName,
    Finding,
    Reading,
    Severity,
    check_settings,
    describe_span,
)
from signalroom.detectors.stats import median, quantile
from signalroom.errors import ConfigError

_DAY_S = 86400
_MAX_COUNT = 1e15
"""Counts are clamped to this so that sums and logs stay finite on absurd input."""
_MAX_EXPONENT = 700.0
"""Just below the largest argument math.exp accepts."""
_UNSET_MAX = -1e9
"""The daily maximum of z before any z has been seen that day."""
_SIGMA2_BEFORE_FIT = 0.25
"""Extra-Poisson spread assumed until a period of residuals allows an estimate."""


@dataclass(frozen=True, slots=True)
class SpikeSettings:
    """How the spike detector judges a topic's volume. The defaults need no tuning."""

    step_s: float = 300.0
    """Length of one bucket, in seconds. The detector expects one count per bucket. A
    missing bucket counts as zero posts, for gaps of up to one ``period_s``."""
    window_s: float = 3600.0
    """Smoothing window. The detector compares the number of posts in the last
    ``window_s`` seconds, not in a single bucket, with what it expects."""
    period_s: float = 86400.0
    """The rhythm the baseline follows. A day: the same time of day is compared."""
    baseline_days: int = 7
    """How many previous periods give the expected value (their median). Seven days
    means every weekday contributes once."""
    slot_tolerance_s: float = 3600.0
    """The baseline also uses the same slot ± this on previous days (3 values per day
    instead of 1). 0 uses the same slot only."""
    day_of_week: bool = True
    """Learn a factor per weekday (UTC days) from the median residual of each finished day.
    With this, a quiet weekend does not make Monday morning look like a spike."""
    day_of_week_weight: float = 0.5
    """How much a finished day moves its weekday's factor (exponential average weight)."""
    threshold: float = 2.5
    """Sensitivity: the lowest z that counts as surprising. Lower alerts more."""
    threshold_quantile: float = 0.8
    """Adaptive threshold: z must also reach this quantile of the daily maxima of z over
    ``threshold_history_days``. With 0.8, at most about one day in five alerts. 0 turns
    the adaptive part off."""
    threshold_history_days: int = 28
    """Days of daily maxima kept for the adaptive threshold."""
    persistence_k: int = 6
    """Persistence: z must reach the threshold on at least k of the last m buckets."""
    persistence_m: int = 6
    """Persistence window in buckets (6 buckets = 30 minutes)."""
    cooldown_s: float = 86400.0
    """No new alert for this long after an alert."""
    warmup_s: float = 172800.0
    """No alert until this much history has been seen (2 days)."""
    min_volume: float = 0.0
    """An alert also needs at least this many posts in the smoothing window. The default
    0 leaves that to z: from a zero baseline, about 13 posts in an hour are needed."""
    pseudo_count: float = 1.0
    """Added to observed and expected counts before taking their ratio, so that 0 stays
    finite and tiny counts look less surprising."""
    refit_s: float = 3600.0
    """How often the extra-Poisson spread σ² is re-estimated."""
    critical_score: float = 6.0
    """An alert is critical when z reaches this; otherwise it is a warning."""

    def __post_init__(self) -> None:
        check_settings(
            "spike",
            self,
            positive=("step_s", "window_s", "period_s", "pseudo_count", "refit_s"),
            non_negative=("slot_tolerance_s", "cooldown_s", "warmup_s", "min_volume"),
            at_least_one=("baseline_days", "threshold_history_days", "persistence_m"),
            unit=("threshold_quantile", "day_of_week_weight"),
            finite=("threshold", "critical_score"),
        )
        if not 1 <= self.persistence_k <= self.persistence_m:
            raise ConfigError(
                "spike.persistence_k",
                f"must be between 1 and persistence_m ({self.persistence_m}), "
                f"got {self.persistence_k}",
            )
        if self.period_s < self.step_s:
            raise ConfigError("spike.period_s", "must be at least one step_s")

    def buckets(self, seconds: float) -> int:
        """A duration in whole buckets (rounded, as the research code did)."""
        return round(seconds / self.step_s)


class _Surprise(NamedTuple):
    """How one point compares with its baseline, on the log scale."""

    observed: float
    """Posts in the smoothing window."""
    baseline: float
    """Median of the same slots on previous days (before the weekday factor)."""
    factor: float
    """The weekday's log factor."""
    sd: float
    """Standard deviation of the log ratio: Poisson part and extra spread."""


class _SeasonalSurprise:
    """The count-aware z of the windowed sum against its seasonal baseline."""

    def __init__(self, settings: SpikeSettings) -> None:
        self._window = max(1, settings.buckets(settings.window_s))
        self._period = settings.buckets(settings.period_s)
        self._days = settings.baseline_days
        self._c = settings.pseudo_count
        self._refit = max(1, settings.buckets(settings.refit_s))
        tolerance = settings.buckets(settings.slot_tolerance_s)
        self._offsets = (0,) if tolerance == 0 else (-tolerance, 0, tolerance)
        self._day_of_week = settings.day_of_week
        self._dow_weight = settings.day_of_week_weight
        span = self._period * self._days
        self._raw: deque[float] = deque(maxlen=self._window)
        self._sums: deque[float] = deque(maxlen=span + tolerance + 1)
        self._residuals: deque[float] = deque(maxlen=span)
        self._poisson_vars: deque[float] = deque(maxlen=span)
        # A UTC day holds at most this many buckets (unless timestamps stall or repeat).
        day_buckets = max(self._period, math.ceil(_DAY_S / settings.step_s))
        self._day_residuals: deque[float] = deque(maxlen=day_buckets)
        self._factors = [0.0] * 7
        self._factor_seen = [False] * 7
        self._current_day: int | None = None
        self._current_weekday = 0
        self._sigma2: float | None = None
        self._count = 0
        self.latest: _Surprise | None = None
        """The latest point that had a baseline."""

    def update(self, value: float, day: int, weekday: int) -> float | None:
        """Take one bucket's count; return its z, or None while there is no baseline yet."""
        self._raw.append(value)
        observed = math.fsum(self._raw)
        history = self._sums
        length = len(history)
        same_slot = []
        for d in range(1, self._days + 1):
            for offset in self._offsets:
                back = d * self._period - offset
                if 1 <= back <= length:
                    same_slot.append(history[length - back])
        history.append(observed)
        self._count += 1
        if self._day_of_week and day != self._current_day:
            if self._current_day is not None:
                self._close_day()
            self._current_day, self._current_weekday = day, weekday
        if len(same_slot) < len(self._offsets):
            return None
        expected = median(same_slot)
        residual = math.log((observed + self._c) / (expected + self._c))
        poisson_var = 1.0 / (expected + self._c)
        factor = 0.0
        if self._day_of_week:
            self._day_residuals.append(residual)
            factor = self._factors[weekday]
            residual -= factor
        self._residuals.append(residual)
        self._poisson_vars.append(poisson_var)
        refit_due = self._sigma2 is None or self._count % self._refit == 0
        if refit_due and len(self._residuals) >= self._period:
            self._sigma2 = self._estimate_sigma2()
        sigma2 = self._sigma2 if self._sigma2 is not None else _SIGMA2_BEFORE_FIT
        sd = math.sqrt(poisson_var + sigma2)
        self.latest = _Surprise(observed, expected, factor, sd)
        return residual / sd

    def _estimate_sigma2(self) -> float:
        residuals = self._residuals
        centre = median(residuals)
        spread = (1.4826 * median([abs(r - centre) for r in residuals])) ** 2
        return max(0.0, spread - median(self._poisson_vars))

    def _close_day(self) -> None:
        if len(self._day_residuals) >= self._period // 2:
            day_median = median(self._day_residuals)
            weekday = self._current_weekday
            if self._factor_seen[weekday]:
                self._factors[weekday] += self._dow_weight * (day_median - self._factors[weekday])
            else:
                self._factors[weekday] = day_median
                self._factor_seen[weekday] = True
        self._day_residuals.clear()

    def band(self, z_low: float, z_high: float) -> tuple[float, float, float]:
        """(expected, low, high) windowed counts: the counts whose z lies in [z_low, z_high]."""
        if self.latest is None:
            return 0.0, 0.0, 0.0
        _, base, factor, sd = self.latest
        scale = base + self._c
        expected = max(0.0, scale * math.exp(min(factor, _MAX_EXPONENT)) - self._c)
        low = max(0.0, scale * math.exp(min(factor + z_low * sd, _MAX_EXPONENT)) - self._c)
        high = max(0.0, scale * math.exp(min(factor + z_high * sd, _MAX_EXPONENT)) - self._c)
        return expected, low, high


class SpikeDetector:
    """Streaming volume spike detector over one topic's counts per bucket.

    Deterministic: the same counts and timestamps always give the same findings.
    """

    def __init__(self, settings: SpikeSettings | None = None) -> None:
        self.settings = settings if settings is not None else SpikeSettings()
        s = self.settings
        self._surprise = _SeasonalSurprise(s)
        self._period = s.buckets(s.period_s)
        self._cooldown = s.buckets(s.cooldown_s)
        self._warmup = s.buckets(s.warmup_s)
        self._flags: deque[bool] = deque(maxlen=s.persistence_m)
        self._daily_max: deque[float] = deque(maxlen=s.threshold_history_days)
        self._day_max = _UNSET_MAX
        self._threshold = s.threshold
        self._points = 0
        self._last_alert = -(10**9)
        self._last_timestamp: float | None = None
        self._reading: Reading | None = None

    @property
    def name(self) -> DetectorName:
        return "spike"

    @property
    def threshold(self) -> float:
        """The z an alert needs right now (the adaptive threshold)."""
        return self._threshold

    @property
    def reading(self) -> Reading | None:
        """Observed and expected posts per window, and the band z allows, at the latest
        point; None until a baseline exists."""
        return self._reading

    def update(self, timestamp: float, count: float) -> Finding | None:
        """Feed the count of the bucket ending at ``timestamp`` (epoch seconds).

        Returns a Finding at the onset of an alert, else None. A count that is NaN,
        infinite or negative is taken as 0. Missing buckets between two timestamps are
        filled with zeros, up to one period. An alert that starts on a filled bucket is
        returned by this call, with that bucket's time as its onset (if two alerts start
        within one call, which needs a cooldown shorter than the gap, the first one is
        returned). A timestamp that does not move forward is taken as the next bucket.
        Raises ValueError for a non-finite timestamp.
        """
        if not math.isfinite(timestamp):
            raise ValueError(f"timestamp must be finite, got {timestamp!r}")
        step = self.settings.step_s
        found: Finding | None = None
        if self._last_timestamp is not None:
            missing = round((timestamp - self._last_timestamp) / step) - 1
            for j in range(min(max(missing, 0), self._period)):
                filled = self._step(self._last_timestamp + (j + 1) * step, 0.0)
                found = found or filled
        self._last_timestamp = timestamp
        current = self._step(timestamp, count)
        return found or current

    def _step(self, timestamp: float, count: float) -> Finding | None:
        value = min(float(count), _MAX_COUNT) if 0 < count < math.inf else 0.0
        point = self._points
        self._points += 1
        day = int(timestamp // _DAY_S)
        # 1970-01-01 was a Thursday; weekday 0 is Monday.
        z = self._surprise.update(value, day, (day + 3) % 7)
        if z is None:
            self._flags.append(False)
            return None
        s = self.settings
        if s.threshold_quantile:
            self._day_max = max(self._day_max, z)
            if point % self._period == self._period - 1:
                self._daily_max.append(self._day_max)
                self._day_max = _UNSET_MAX
                self._threshold = max(s.threshold, quantile(self._daily_max, s.threshold_quantile))
        self._flags.append(z >= self._threshold)
        observed = self._surprise.latest.observed if self._surprise.latest else 0.0
        expected, low, high = self._surprise.band(-self._threshold, self._threshold)
        self._reading = Reading(timestamp, observed, expected, low, high, z)
        if point < self._warmup or point - self._last_alert < self._cooldown:
            return None
        if sum(self._flags) < s.persistence_k or observed < s.min_volume:
            return None
        self._last_alert = point
        return self._finding(self._reading)

    def _finding(self, reading: Reading) -> Finding:
        s = self.settings
        severity: Severity = "critical" if reading.score >= s.critical_score else "warning"
        window = describe_span(s.window_s)
        reason = (
            f"{reading.observed:.0f} posts in the last {window} against "
            f"{reading.expected:.0f} expected (usual range {reading.band_low:.0f}–"
            f"{reading.band_high:.0f}); z = {reading.score:.1f} reached the threshold "
            f"{self._threshold:.1f} on {s.persistence_k} of the last {s.persistence_m} buckets"
        )
        return Finding(
            detector="spike",
            onset=reading.timestamp,
            observed=reading.observed,
            expected=reading.expected,
            band_low=reading.band_low,
            band_high=reading.band_high,
            score=reading.score,
            severity=severity,
            reason=reason,
        )
