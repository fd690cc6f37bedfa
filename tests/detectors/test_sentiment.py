"""The negative-surge detector: streaming equals a batch recomputation, and its guards hold."""

from __future__ import annotations

import itertools
import math
from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from signalroom.detectors import Finding, NegativeSurgeDetector, SentimentSettings
from signalroom.detectors.stats import beta_binomial_z
from signalroom.errors import ConfigError

T0 = 1_700_000_000.0

SMALL = SentimentSettings(
    bucket_s=60.0,
    window_s=180.0,
    baseline_s=600.0,
    min_volume=5,
    min_negative=2,
    min_baseline_volume=10,
    warmup_s=300.0,
    cooldown_s=240.0,
)

Observation = tuple[float, int, int]


def batch_alerts(observations: list[Observation], s: SentimentSettings) -> list[bool]:
    """At each observation, recompute the window and baseline sums from the whole history."""
    window_bins = max(1, round(s.window_s / s.bucket_s))
    baseline_bins = max(1, round(s.baseline_s / s.bucket_s))
    times: list[float] = []
    bins: list[int] = []
    negatives: list[int] = []
    totals: list[int] = []
    alerts = []
    last_alert = -math.inf
    for t, negative, total in observations:
        now = max([t, *times[-1:]])
        times.append(now)
        bins.append(math.floor(now / s.bucket_s))
        totals.append(max(total, 0))
        negatives.append(min(max(negative, 0), totals[-1]))
        b = bins[-1]
        in_window = [j for j, bj in enumerate(bins) if b - window_bins < bj <= b]
        in_baseline = [
            j
            for j, bj in enumerate(bins)
            if b - window_bins - baseline_bins < bj <= b - window_bins
        ]
        hits = sum(negatives[j] for j in in_window)
        trials = sum(totals[j] for j in in_window)
        base_hits = sum(negatives[j] for j in in_baseline)
        base_trials = sum(totals[j] for j in in_baseline)
        z, _, _ = beta_binomial_z(hits, trials, base_hits, base_trials, 1.0, 1.0)
        base_share = (base_hits + 1.0) / (base_trials + 2.0)
        fire = (
            now - times[0] >= s.warmup_s
            and now - last_alert >= s.cooldown_s
            and trials >= s.min_volume
            and hits >= s.min_negative
            and base_trials >= s.min_baseline_volume
            and hits / trials - base_share >= s.min_lift
            and z >= s.threshold
        )
        if fire:
            last_alert = now
        alerts.append(fire)
    return alerts


@st.composite
def observations(draw: st.DrawFn) -> list[Observation]:
    size = draw(st.integers(min_value=0, max_value=60))
    result = []
    t = T0
    for _ in range(size):
        t += draw(st.sampled_from([0.0, 20.0, 60.0, 60.0, 60.0, 150.0, 900.0, -120.0]))
        total = draw(st.integers(min_value=-2, max_value=30))
        negative = draw(st.integers(min_value=-2, max_value=35))
        result.append((t, negative, total))
    return result


@settings(max_examples=200, deadline=None)
@given(observations())
def test_sentiment_streaming_equals_batch_recomputation(data: list[Observation]) -> None:
    detector = NegativeSurgeDetector(SMALL)
    streamed = [detector.update(t, neg, total) is not None for t, neg, total in data]
    assert streamed == batch_alerts(data, SMALL)


@settings(max_examples=100, deadline=None)
@given(observations())
def test_sentiment_never_alerts_during_warmup_and_respects_cooldown(
    data: list[Observation],
) -> None:
    detector = NegativeSurgeDetector(SMALL)
    onsets = [f.onset for t, n, total in data if (f := detector.update(t, n, total))]
    assert all(onset - data[0][0] >= SMALL.warmup_s for onset in onsets)
    assert all(b - a >= SMALL.cooldown_s for a, b in itertools.pairwise(onsets))


def _feed_week_then(detector: NegativeSurgeDetector, negative: int, total: int) -> list[Finding]:
    """A week of 5-minute buckets at 10% negative, then an hour at the given mix."""
    for i in range(7 * 288):
        assert detector.update(T0 + 300 * i, 3 if i % 3 == 0 else 0, 10) is None
    start = T0 + 300 * 7 * 288
    return [f for i in range(12) if (f := detector.update(start + 300 * i, negative, total))]


def test_sentiment_default_settings_flag_a_surge_of_negative_posts() -> None:
    findings = _feed_week_then(NegativeSurgeDetector(), negative=6, total=10)
    assert len(findings) == 1
    finding = findings[0]
    assert finding.detector == "sentiment"
    assert finding.observed > finding.band_high
    assert finding.expected < finding.observed
    assert finding.score >= 3.0
    assert "negative" in finding.reason


def test_sentiment_default_settings_ignore_a_louder_hour_with_the_usual_mix() -> None:
    assert _feed_week_then(NegativeSurgeDetector(), negative=10, total=100) == []


def test_sentiment_ignores_a_quiet_topic_whose_few_posts_are_negative() -> None:
    detector = NegativeSurgeDetector()
    for i in range(7 * 288):
        detector.update(T0 + 300 * i, 0, 1 if i % 12 == 0 else 0)
    start = T0 + 300 * 7 * 288
    assert all(detector.update(start + 300 * i, 1, 1) is None for i in range(12))


def test_sentiment_handles_empty_and_all_zero_series() -> None:
    detector = NegativeSurgeDetector()
    assert detector.reading is None
    assert all(detector.update(T0 + 300 * i, 0, 0) is None for i in range(3000))
    reading = detector.reading
    assert reading is not None
    assert (reading.observed, reading.expected, reading.score) == (0.0, 0.0, 0.0)


def test_sentiment_rejects_a_non_finite_timestamp() -> None:
    with pytest.raises(ValueError, match="finite"):
        NegativeSurgeDetector().update(math.inf, 1, 1)


def test_sentiment_settings_refuse_bad_values() -> None:
    with pytest.raises(ConfigError) as caught:
        replace(SentimentSettings(), prior_negative=0.0)
    assert caught.value.key == "sentiment.prior_negative"
    with pytest.raises(ConfigError):
        replace(SentimentSettings(), min_volume=0)
