"""The keyword trigger: streaming equals a batch recomputation, and cooldown holds."""

from __future__ import annotations

import itertools
import math
from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from signalroom.detectors import CountDetector, KeywordSettings, KeywordTrigger
from signalroom.errors import ConfigError

T0 = 1_700_000_000.0
SMALL = KeywordSettings(window_s=180.0, min_count=3, cooldown_s=240.0, bucket_s=60.0)


def batch_alerts(observations: list[tuple[float, float]], s: KeywordSettings) -> list[bool]:
    window_bins = max(1, round(s.window_s / s.bucket_s))
    times: list[float] = []
    bins: list[int] = []
    counts: list[int] = []
    alerts = []
    last_alert = -math.inf
    for t, count in observations:
        now = max([t, *times[-1:]])
        times.append(now)
        bins.append(math.floor(now / s.bucket_s))
        counts.append(int(count) if 0 < count < math.inf else 0)
        in_window = sum(c for c, b in zip(counts, bins, strict=True) if bins[-1] - window_bins < b)
        fire = in_window >= s.min_count and now - last_alert >= s.cooldown_s
        if fire:
            last_alert = now
        alerts.append(fire)
    return alerts


OBSERVATIONS = st.lists(
    st.tuples(
        st.sampled_from([0.0, 15.0, 60.0, 60.0, 200.0, 1000.0, -90.0]),
        st.one_of(st.integers(min_value=-1, max_value=3).map(float), st.just(math.nan)),
    ),
    max_size=60,
).map(lambda steps: [(T0 + sum(d for d, _ in steps[: i + 1]), c) for i, (_, c) in enumerate(steps)])


@settings(max_examples=200, deadline=None)
@given(OBSERVATIONS)
def test_keyword_streaming_equals_batch_recomputation(data: list[tuple[float, float]]) -> None:
    trigger = KeywordTrigger(SMALL)
    streamed = [trigger.update(t, c) is not None for t, c in data]
    assert streamed == batch_alerts(data, SMALL)


@settings(max_examples=100, deadline=None)
@given(OBSERVATIONS)
def test_keyword_respects_cooldown(data: list[tuple[float, float]]) -> None:
    trigger = KeywordTrigger(SMALL)
    onsets = [f.onset for t, c in data if (f := trigger.update(t, c))]
    assert all(b - a >= SMALL.cooldown_s for a, b in itertools.pairwise(onsets))


def test_keyword_fires_when_the_window_reaches_the_trigger() -> None:
    trigger: CountDetector = KeywordTrigger()
    assert trigger.update(T0, 1) is None
    assert trigger.update(T0 + 300, 1) is None
    finding = trigger.update(T0 + 600, 1)
    assert finding is not None
    assert finding.detector == "keyword"
    assert (finding.observed, finding.band_high, finding.severity) == (3.0, 2.0, "warning")
    assert "3 posts matched the risk query in the last 15 min" in finding.reason
    assert trigger.update(T0 + 700, 30) is None  # still in cooldown


def test_keyword_forgets_matches_that_left_the_window() -> None:
    trigger = KeywordTrigger()
    assert trigger.update(T0, 2) is None
    assert trigger.update(T0 + 901, 1) is None
    assert trigger.count == 1


def test_keyword_handles_empty_and_all_zero_series() -> None:
    trigger = KeywordTrigger()
    assert trigger.count == 0
    assert all(trigger.update(T0 + 60 * i, 0) is None for i in range(500))


def test_keyword_settings_refuse_bad_values() -> None:
    with pytest.raises(ConfigError) as caught:
        replace(KeywordSettings(), min_count=0)
    assert caught.value.key == "keyword.min_count"
