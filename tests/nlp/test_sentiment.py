"""The score-to-label rule shared by every sentiment model."""

from __future__ import annotations

import math

import pytest

from signalroom.nlp.sentiment import label_for, sentiment_of


@pytest.mark.parametrize(
    ("score", "label"),
    [
        (1.0, "positive"),
        (0.05, "positive"),
        (0.0499, "neutral"),
        (0.0, "neutral"),
        (-0.0499, "neutral"),
        (-0.05, "negative"),
        (-1.0, "negative"),
    ],
)
def test_label_for_follows_the_vader_convention(score: float, label: str) -> None:
    assert label_for(score) == label


def test_sentiment_of_clamps_into_the_unit_range() -> None:
    assert sentiment_of(3.0).score == 1.0
    assert sentiment_of(-3.0).label == "negative"
    assert sentiment_of(math.nan).score == 0.0
    assert sentiment_of(math.nan).label == "neutral"
