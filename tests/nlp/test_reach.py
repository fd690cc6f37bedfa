"""Reach is followers plus a documented amplification, monotone in every input."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from signalroom.models import Engagement
from signalroom.nlp import compute_reach
from signalroom.nlp.reach import MAX_REACH

counts = st.integers(min_value=-10, max_value=10**12)
engagements = st.builds(Engagement, likes=counts, reposts=counts, replies=counts, quotes=counts)


def test_compute_reach_is_followers_when_nobody_engaged() -> None:
    assert compute_reach(1234, Engagement()) == 1234


def test_compute_reach_adds_the_documented_audience_per_engagement() -> None:
    assert compute_reach(100, Engagement(reposts=2)) == 200
    assert compute_reach(100, Engagement(quotes=1)) == 150
    assert compute_reach(100, Engagement(replies=4)) == 120
    assert compute_reach(100, Engagement(likes=7)) == 107


def test_compute_reach_counts_negative_numbers_as_zero() -> None:
    assert compute_reach(-5, Engagement(likes=-1, reposts=-1, replies=-1, quotes=-1)) == 0


def test_compute_reach_is_capped_at_what_json_numbers_hold_exactly() -> None:
    assert compute_reach(2**62, Engagement(reposts=2**60)) == MAX_REACH


@given(
    followers=counts,
    engagement=engagements,
    field=st.sampled_from(["followers", *Engagement.__struct_fields__]),
    more=st.integers(min_value=1, max_value=10**9),
)
def test_compute_reach_never_falls_when_any_count_rises(
    followers: int, engagement: Engagement, field: str, more: int
) -> None:
    before = compute_reach(followers, engagement)
    if field == "followers":
        after = compute_reach(followers + more, engagement)
    else:
        bigger = {name: getattr(engagement, name) for name in Engagement.__struct_fields__}
        bigger[field] += more
        after = compute_reach(followers, Engagement(**bigger))
    assert 0 <= before <= after <= MAX_REACH
