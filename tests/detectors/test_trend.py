"""The new-trend detector: streaming equals a batch recomputation, state stays bounded."""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping
from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from signalroom.detectors import TrendDetector, TrendSettings
from signalroom.detectors.stats import poisson_log10_sf
from signalroom.errors import ConfigError

T0 = 1_700_000_000.0
SMALL = TrendSettings(
    bucket_s=60.0,
    half_life_s=300.0,
    min_count=3,
    min_lift=2.0,
    min_score=2.0,
    warmup_s=180.0,
    cooldown_s=240.0,
)

Update = tuple[float, dict[str, int]]


def batch_trends(updates: list[Update], s: TrendSettings) -> list[list[str]]:
    """At each update, rebuild every term's decayed rate from the whole history."""
    d = math.pow(0.5, s.bucket_s / s.half_life_s)
    times: list[float] = []
    alerted: dict[str, float] = {}
    result = []
    for i, (t, counts) in enumerate(updates):
        now = max([t, *times[-1:]])
        times.append(now)
        bins = [math.floor(x / s.bucket_s) for x in times]
        # Per bucket (in order), the positive counts of each term.
        totals: dict[int, dict[str, int]] = {}
        for j in range(i + 1):
            bucket = totals.setdefault(bins[j], {})
            for term, c in updates[j][1].items():
                if c > 0:
                    bucket[term] = bucket.get(term, 0) + c
        ordered = sorted(totals)
        sums: dict[str, float] = {}
        weight = 0.0
        for previous, following in itertools.pairwise(ordered):
            gap = following - previous
            aged, newest = d**gap, d ** (gap - 1)
            sums = {term: value * aged for term, value in sums.items()}
            for term, c in totals[previous].items():
                sums[term] = sums.get(term, 0.0) + c * newest
            weight = weight * aged + (1.0 - aged) / (1.0 - d)
        found = []
        for term, c in counts.items():
            if c <= 0 or now - times[0] < s.warmup_s:
                continue
            if term in alerted and now - alerted[term] < s.cooldown_s:
                continue
            current = totals[bins[i]][term]
            rate = max(sums.get(term, 0.0) / weight if weight > 0 else 0.0, s.rate_floor)
            if current < s.min_count or current < s.min_lift * rate:
                continue
            if -poisson_log10_sf(current, rate) < s.min_score:
                continue
            alerted[term] = now
            found.append(term)
        result.append(found)
    return result


def stream_trends(updates: list[Update], s: TrendSettings) -> list[list[str]]:
    detector = TrendDetector(s)
    return [[f.subject for f in detector.update(t, counts)] for t, counts in updates]


UPDATES = st.lists(
    st.tuples(
        st.sampled_from([0.0, 20.0, 60.0, 60.0, 60.0, 200.0, 1200.0, -30.0]),
        st.dictionaries(
            st.sampled_from(["#launch", "outage", "refund", "ceo"]),
            st.one_of(
                st.integers(min_value=-1, max_value=2), st.integers(min_value=5, max_value=9)
            ),
            max_size=3,
        ),
    ),
    max_size=50,
).map(lambda steps: [(T0 + sum(s[0] for s in steps[: i + 1]), c) for i, (_, c) in enumerate(steps)])


@settings(max_examples=200, deadline=None)
@given(UPDATES)
def test_trend_streaming_equals_batch_recomputation(updates: list[Update]) -> None:
    assert stream_trends(updates, SMALL) == batch_trends(updates, SMALL)


@settings(max_examples=100, deadline=None)
@given(UPDATES)
def test_trend_never_trends_during_warmup_and_respects_each_terms_cooldown(
    updates: list[Update],
) -> None:
    detector = TrendDetector(SMALL)
    findings = [f for t, counts in updates for f in detector.update(t, counts)]
    assert all(f.onset - updates[0][0] >= SMALL.warmup_s for f in findings)
    for term in {f.subject for f in findings}:
        onsets = [f.onset for f in findings if f.subject == term]
        assert all(b - a >= SMALL.cooldown_s for a, b in itertools.pairwise(onsets))


def _steady_day(detector: TrendDetector, counts: Mapping[str, int]) -> None:
    for i in range(288):
        assert detector.update(T0 + 300 * i, counts) == []


def test_trend_flags_a_new_hashtag_but_not_a_steady_word() -> None:
    detector = TrendDetector()
    _steady_day(detector, {"coffee": 12, "morning": 3})
    findings = detector.update(T0 + 300 * 288, {"coffee": 13, "#recall": 25})
    assert [f.subject for f in findings] == ["#recall"]
    finding = findings[0]
    assert finding.detector == "trend"
    assert finding.observed == 25
    assert finding.expected == TrendSettings().rate_floor
    assert finding.band_high < finding.observed
    assert finding.score >= 6.0
    assert "'#recall' appeared 25 times in 5 min" in finding.reason


def test_trend_flags_a_known_word_that_jumps_well_above_its_rate() -> None:
    detector = TrendDetector()
    _steady_day(detector, {"delay": 2})
    assert detector.rate("delay") == pytest.approx(2.0)
    assert [f.subject for f in detector.update(T0 + 300 * 288, {"delay": 30})] == ["delay"]


def test_trend_counts_add_up_within_a_bucket() -> None:
    detector = TrendDetector()
    _steady_day(detector, {"other": 1})
    start = T0 + 300 * 288
    assert detector.update(start, {"#strike": 6}) == []
    assert [f.subject for f in detector.update(start + 10, {"#strike": 6})] == ["#strike"]


def test_trend_keeps_a_bounded_number_of_terms() -> None:
    detector = TrendDetector(replace(TrendSettings(), max_terms=50))
    for i in range(200):
        detector.update(T0 + 300 * i, {f"term{i}": 1, f"term{i}b": 2})
    assert detector.tracked_terms == 50


def test_trend_handles_empty_and_all_zero_input() -> None:
    detector = TrendDetector()
    assert detector.rate("anything") == TrendSettings().rate_floor
    for i in range(400):
        assert detector.update(T0 + 300 * i, {}) == []
        assert detector.update(T0 + 300 * i, {"zero": 0}) == []
    assert detector.tracked_terms == 0


def test_trend_settings_refuse_bad_values() -> None:
    with pytest.raises(ConfigError) as caught:
        replace(TrendSettings(), half_life_s=1e300)
    assert caught.value.key == "trend.half_life_s"
    with pytest.raises(ConfigError):
        replace(TrendSettings(), rate_floor=0.0)
