"""The influential-author detector: streaming equals a batch recomputation, state stays bounded."""

from __future__ import annotations

import math
from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from signalroom.detectors import InfluencerDetector, InfluencerSettings
from signalroom.errors import ConfigError
from signalroom.models import SentimentLabel

T0 = 1_700_000_000.0
SMALL = InfluencerSettings(min_followers=1000, critical_followers=100_000, author_cooldown_s=300.0)

PostTuple = tuple[float, str, int, SentimentLabel]


def batch_alerts(posts: list[PostTuple], s: InfluencerSettings) -> list[bool]:
    """A post alerts when it qualifies and its author has no alert within the cooldown."""
    times: list[float] = []
    alerted: list[tuple[str, float]] = []
    result = []
    for t, handle, followers, label in posts:
        now = max([t, *times[-1:]])
        times.append(now)
        recent = any(h == handle and now - at < s.author_cooldown_s for h, at in alerted)
        fire = label == "negative" and followers >= s.min_followers and not recent
        if fire:
            alerted.append((handle, now))
        result.append(fire)
    return result


POSTS = st.lists(
    st.tuples(
        st.sampled_from([0.0, 10.0, 100.0, 300.0, 400.0, -50.0]),
        st.sampled_from(["ana", "bo", "cy", "dee"]),
        st.sampled_from([0, 999, 1000, 5000, 2_000_000]),
        st.sampled_from(["negative", "neutral", "positive"]),
    ),
    max_size=60,
).map(
    lambda steps: [
        (T0 + sum(s[0] for s in steps[: i + 1]), h, f, label)
        for i, (_, h, f, label) in enumerate(steps)
    ]
)


@settings(max_examples=200, deadline=None)
@given(POSTS)
def test_influencer_streaming_equals_batch_recomputation(posts: list[PostTuple]) -> None:
    detector = InfluencerDetector(SMALL)
    streamed = [detector.update(*post) is not None for post in posts]
    assert streamed == batch_alerts(posts, SMALL)


def test_influencer_flags_a_negative_post_from_a_large_account_once() -> None:
    detector = InfluencerDetector()
    assert detector.update(T0, "small", 49_999, "negative") is None
    assert detector.update(T0, "big", 2_000_000, "positive") is None
    finding = detector.update(T0 + 1, "big", 2_000_000, "negative")
    assert finding is not None
    assert (finding.detector, finding.subject, finding.severity) == (
        "influencer",
        "big",
        "critical",
    )
    assert "@big, followed by 2,000,000" in finding.reason
    assert detector.update(T0 + 60, "big", 2_000_000, "negative") is None
    assert detector.update(T0 + 6 * 3600 + 1, "big", 2_000_000, "negative") is not None


def test_influencer_remembers_a_bounded_number_of_authors() -> None:
    detector = InfluencerDetector(replace(SMALL, max_authors=10, author_cooldown_s=1e9))
    for i in range(100):
        detector.update(T0 + i, f"author{i}", 5000, "negative")
    assert detector.remembered_authors == 10


def test_influencer_forgets_authors_whose_cooldown_ended() -> None:
    detector = InfluencerDetector(SMALL)
    detector.update(T0, "ana", 5000, "negative")
    detector.update(T0 + 301, "bo", 10, "neutral")
    assert detector.remembered_authors == 0


def test_influencer_rejects_a_non_finite_timestamp_and_bad_settings() -> None:
    with pytest.raises(ValueError, match="finite"):
        InfluencerDetector().update(math.nan, "ana", 10, "negative")
    with pytest.raises(ConfigError):
        replace(InfluencerSettings(), max_authors=0)
