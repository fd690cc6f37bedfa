"""The seam for sentiment models, and the one rule that turns a score into a label.

A :class:`SentimentModel` scores a batch of texts, each with its detected language, so a
multilingual model can replace the English-only VADER without touching the enricher. This
module holds no model and must not load one.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from signalroom.models import Sentiment, SentimentLabel

POSITIVE_AT = 0.05
"""A score at or above this is positive; at or below ``-POSITIVE_AT`` negative; else
neutral. The standard VADER convention (Hutto & Gilbert 2014)."""


class SentimentModel(Protocol):
    @property
    def version(self) -> str:
        """Names the model and its version, e.g. ``vader3.3.2``; recorded on every post."""
        ...

    def score_batch(self, texts: Sequence[str], langs: Sequence[str]) -> list[Sentiment]:
        """One sentiment per text, in order. ``langs`` holds each text's detected ISO 639-1
        code (or ``und``). Must not raise on any text."""
        ...


def label_for(score: float) -> SentimentLabel:
    """The label of a score in [-1, 1]."""
    if score >= POSITIVE_AT:
        return "positive"
    if score <= -POSITIVE_AT:
        return "negative"
    return "neutral"


def sentiment_of(score: float) -> Sentiment:
    """A :class:`Sentiment` for a score, clamped into [-1, 1] (NaN counts as neutral 0)."""
    clamped = min(max(score, -1.0), 1.0) if score == score else 0.0
    return Sentiment(label=label_for(clamped), score=clamped)
