"""The volume spike detector: streaming equals a batch recomputation, and its promises hold."""

from __future__ import annotations

import itertools
import math
import random
from dataclasses import replace
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from signalroom.detectors import CountDetector, Finding, SpikeDetector, SpikeSettings
from signalroom.detectors.stats import median, quantile
from signalroom.errors import ConfigError

T0 = 1_700_000_000.0  # a Tuesday, 22:13 UTC

# A small grid so that Hypothesis reaches every branch in a few dozen points: one-minute
# buckets, a six-minute "day", a two-bucket window, two days of baseline.
SMALL = SpikeSettings(
    step_s=60.0,
    window_s=120.0,
    period_s=360.0,
    baseline_days=2,
    slot_tolerance_s=60.0,
    refit_s=120.0,
    threshold=1.0,
    threshold_history_days=3,
    persistence_k=2,
    persistence_m=3,
    cooldown_s=300.0,
    warmup_s=900.0,
)


def batch_alerts(timestamps: list[float], counts: list[float], s: SpikeSettings) -> list[bool]:
    """Recompute the detector's rule from the whole history, with plain arrays.

    Returns, for each input point, whether an alert starts at it or at a bucket filled
    in just before it (which the streaming detector reports with that input).
    """
    step = s.step_s
    period = round(s.period_s / step)
    # Fill the grid the way the rule says: missing buckets are zeros, up to one period.
    times: list[float] = []
    values: list[float] = []
    owner: list[int] = []
    for j, (t, c) in enumerate(zip(timestamps, counts, strict=True)):
        if j:
            missing = round((t - timestamps[j - 1]) / step) - 1
            for m in range(min(max(missing, 0), period)):
                times.append(timestamps[j - 1] + (m + 1) * step)
                values.append(0.0)
                owner.append(j)
        times.append(t)
        values.append(min(float(c), 1e15) if 0 < c < math.inf else 0.0)
        owner.append(j)
    n = len(values)
    window = max(1, round(s.window_s / step))
    tolerance = round(s.slot_tolerance_s / step)
    offsets = (0,) if tolerance == 0 else (-tolerance, 0, tolerance)
    span = period * s.baseline_days
    c = s.pseudo_count
    sums = [math.fsum(values[max(0, i - window + 1) : i + 1]) for i in range(n)]
    same = [
        [
            sums[i - (d * period - o)]
            for d in range(1, s.baseline_days + 1)
            for o in offsets
            if 1 <= d * period - o <= i
        ]
        for i in range(n)
    ]
    has_z = [len(slot) >= len(offsets) for slot in same]
    base = [median(slot) if ok else 0.0 for slot, ok in zip(same, has_z, strict=True)]
    raw_residual = [math.log((sums[i] + c) / (base[i] + c)) if has_z[i] else 0.0 for i in range(n)]
    poisson_var = [1.0 / (base[i] + c) if has_z[i] else 0.0 for i in range(n)]
    days = [int(t // 86400) for t in times]

    # Day-of-week factors in effect at each point: every earlier, finished day's median.
    factor_at: list[float] = []
    for i in range(n):
        factors = [0.0] * 7
        seen = [False] * 7
        finished = sorted({days[j] for j in range(i) if days[j] != days[i]})
        for day in finished if s.day_of_week else []:
            run = [raw_residual[j] for j in range(i) if days[j] == day and has_z[j]]
            run = run[-max(period, math.ceil(86400 / step)) :]
            if len(run) >= period // 2:
                weekday = (day + 3) % 7
                if seen[weekday]:
                    factors[weekday] += s.day_of_week_weight * (median(run) - factors[weekday])
                else:
                    factors[weekday], seen[weekday] = median(run), True
        factor_at.append(factors[(days[i] + 3) % 7] if s.day_of_week else 0.0)
    residual = [raw_residual[i] - factor_at[i] for i in range(n)]

    refit = max(1, round(s.refit_s / step))
    z: list[float | None] = []
    sigma2: float | None = None
    for i in range(n):
        if not has_z[i]:
            z.append(None)
            continue
        past = [j for j in range(i + 1) if has_z[j]][-span:]
        if (sigma2 is None or (i + 1) % refit == 0) and len(past) >= period:
            rs = [residual[j] for j in past]
            centre = median(rs)
            spread = (1.4826 * median([abs(r - centre) for r in rs])) ** 2
            sigma2 = max(0.0, spread - median([poisson_var[j] for j in past]))
        z.append(residual[i] / math.sqrt(poisson_var[i] + (sigma2 if sigma2 is not None else 0.25)))

    thresholds: list[float] = []
    daily: list[float] = []
    day_max, threshold = -1e9, s.threshold
    for i in range(n):
        zi = z[i]
        if zi is not None and s.threshold_quantile:
            day_max = max(day_max, zi)
            if i % period == period - 1:
                daily = [*daily, day_max][-s.threshold_history_days :]
                day_max = -1e9
                threshold = max(s.threshold, quantile(daily, s.threshold_quantile))
        thresholds.append(threshold)
    flags = [zi is not None and zi >= thresholds[i] for i, zi in enumerate(z)]

    alerts = [False] * len(timestamps)
    last = -(10**9)
    for i in range(n):
        if z[i] is None or i < round(s.warmup_s / step) or i - last < round(s.cooldown_s / step):
            continue
        recent = flags[max(0, i - s.persistence_m + 1) : i + 1]
        if sum(recent) >= s.persistence_k and sums[i] >= s.min_volume:
            last = i
            alerts[owner[i]] = True
    return alerts


def stream_alerts(timestamps: list[float], counts: list[float], s: SpikeSettings) -> list[bool]:
    detector = SpikeDetector(s)
    return [detector.update(t, c) is not None for t, c in zip(timestamps, counts, strict=True)]


@st.composite
def series(draw: st.DrawFn, step: float = 60.0) -> tuple[list[float], list[float]]:
    """Increasing timestamps on the grid (with occasional gaps) and bursty counts."""
    size = draw(st.integers(min_value=0, max_value=70))
    gaps = draw(st.lists(st.sampled_from([1, 1, 1, 1, 1, 2, 3, 9]), min_size=size, max_size=size))
    counts = draw(
        st.lists(
            st.one_of(
                st.integers(min_value=0, max_value=6).map(float),
                st.integers(min_value=20, max_value=400).map(float),
                st.sampled_from([0.5, -3.0, math.nan, math.inf]),
            ),
            min_size=size,
            max_size=size,
        )
    )
    timestamps = []
    t = T0
    for gap in gaps:
        t += gap * step
        timestamps.append(t)
    return timestamps, counts


@settings(max_examples=150, deadline=None)
@given(
    series(),
    st.booleans(),
    st.sampled_from([0.0, 0.5, 0.8]),
    st.sampled_from([0.0, 60.0]),
    st.sampled_from([0.0, 30.0]),
)
def test_spike_streaming_equals_batch_recomputation(
    data: tuple[list[float], list[float]],
    day_of_week: bool,
    threshold_quantile: float,
    slot_tolerance_s: float,
    min_volume: float,
) -> None:
    timestamps, counts = data
    # Days of 6 minutes do not line up with UTC days, so day_of_week uses real UTC days:
    # to exercise it, stretch the series across midnights.
    if day_of_week:
        timestamps = [T0 + (t - T0) * 300 for t in timestamps]
        s = replace(
            SMALL,
            step_s=18000.0,
            window_s=36000.0,
            period_s=108000.0,
            slot_tolerance_s=slot_tolerance_s * 300,
            refit_s=36000.0,
            cooldown_s=90000.0,
            warmup_s=270000.0,
            day_of_week=True,
            threshold_quantile=threshold_quantile,
            min_volume=min_volume,
        )
    else:
        s = replace(
            SMALL,
            day_of_week=False,
            threshold_quantile=threshold_quantile,
            slot_tolerance_s=slot_tolerance_s,
            min_volume=min_volume,
        )
    assert stream_alerts(timestamps, counts, s) == batch_alerts(timestamps, counts, s)


@settings(max_examples=100, deadline=None)
@given(series())
def test_spike_never_alerts_during_warmup_and_respects_cooldown(
    data: tuple[list[float], list[float]],
) -> None:
    timestamps, counts = data
    detector = SpikeDetector(replace(SMALL, day_of_week=False))
    findings = [f for t, c in zip(timestamps, counts, strict=True) if (f := detector.update(t, c))]
    onsets = [f.onset for f in findings]
    assert all(onset - T0 >= SMALL.warmup_s for onset in onsets)
    assert all(b - a >= SMALL.cooldown_s for a, b in itertools.pairwise(onsets))


def _seasonal_counts(days: int, seed: int) -> list[int]:
    """Poisson five-minute counts around a daily rhythm (quieter nights, busier days)."""
    rng = random.Random(seed)
    counts = []
    for i in range(days * 288):
        rate = 20 + 8 * math.sin(2 * math.pi * i / 288)
        # Knuth's method: count uniform draws until their product falls below e^-rate.
        limit, product, k = math.exp(-rate), rng.random(), 0
        while product > limit:
            product *= rng.random()
            k += 1
        counts.append(k)
    return counts


def test_spike_default_settings_catch_a_burst_in_a_seasonal_stream() -> None:
    counts = _seasonal_counts(days=10, seed=7)
    burst = range(9 * 288 + 100, 9 * 288 + 136)  # three hours at five times the usual volume
    for i in burst:
        counts[i] *= 5
    detector = SpikeDetector()
    findings = [
        (i, f) for i, c in enumerate(counts) if (f := detector.update(T0 + 300 * i, c)) is not None
    ]
    assert [i for i, _ in findings if i in burst], findings
    index, finding = next((i, f) for i, f in findings if i in burst)
    assert index - burst.start <= 12  # within an hour of the burst's start
    assert finding.detector == "spike"
    assert finding.onset == T0 + 300 * index
    assert finding.observed > finding.band_high >= finding.expected >= finding.band_low >= 0
    assert finding.score >= detector.threshold
    assert finding.severity in ("warning", "critical")
    assert "posts in the last hour" in finding.reason


def test_spike_default_settings_stay_quiet_on_a_steady_seasonal_stream() -> None:
    detector = SpikeDetector()
    counts = _seasonal_counts(days=10, seed=3)
    findings = [f for i, c in enumerate(counts) if (f := detector.update(T0 + 300 * i, c))]
    assert findings == []
    reading = detector.reading
    assert reading is not None
    assert reading.band_low <= reading.expected <= reading.band_high
    assert reading.band_low <= reading.observed <= reading.band_high


def test_spike_handles_empty_and_all_zero_series() -> None:
    detector = SpikeDetector()
    assert detector.reading is None
    findings = [detector.update(T0 + 300 * i, 0) for i in range(4 * 288)]
    assert findings == [None] * (4 * 288)
    reading = detector.reading
    assert reading is not None
    assert (reading.observed, reading.expected, reading.score) == (0.0, 0.0, 0.0)
    assert all(math.isfinite(v) for v in (reading.band_low, reading.band_high))


def test_spike_takes_absurd_counts_without_raising() -> None:
    detector = SpikeDetector(replace(SMALL, day_of_week=False))
    for i, count in enumerate([1e308, -1e308, math.nan, math.inf, -math.inf, 0.0] * 30):
        detector.update(T0 + 60 * i, count)
    assert detector.reading is not None
    assert math.isfinite(detector.reading.score)


def test_spike_rejects_a_non_finite_timestamp() -> None:
    with pytest.raises(ValueError, match="finite"):
        SpikeDetector().update(math.nan, 1)


def test_spike_reports_an_alert_that_starts_on_a_filled_gap() -> None:
    s = replace(SMALL, day_of_week=False, persistence_k=2, persistence_m=2, warmup_s=0.0)
    detector = SpikeDetector(s)
    assert all(detector.update(T0 + 60 * i, 1) is None for i in range(30))
    # One surprising bucket is not enough (2 of 2 needed)...
    assert detector.update(T0 + 60 * 30, 500) is None
    # ...but the next bucket is missing: filled with 0, its two-bucket sum is still 500,
    # so the alert starts there, and the call after the gap reports it.
    finding = detector.update(T0 + 60 * 32, 1)
    assert finding is not None
    assert finding.onset == T0 + 60 * 31
    assert finding.observed == 500


def test_spike_satisfies_the_count_detector_protocol() -> None:
    detector: CountDetector = SpikeDetector()
    assert detector.name == "spike"
    assert isinstance(detector.update(T0, 3), Finding | None)


@pytest.mark.parametrize(
    ("change", "key"),
    [
        ({"step_s": 0.0}, "spike.step_s"),
        ({"persistence_k": 7}, "spike.persistence_k"),
        ({"threshold_quantile": 1.5}, "spike.threshold_quantile"),
        ({"cooldown_s": -1.0}, "spike.cooldown_s"),
        ({"baseline_days": 0}, "spike.baseline_days"),
        ({"period_s": 60.0}, "spike.period_s"),
    ],
)
def test_spike_settings_refuse_bad_values(change: dict[str, Any], key: str) -> None:
    with pytest.raises(ConfigError) as caught:
        replace(SpikeSettings(), **change)
    assert caught.value.key == key
