"""The seam for sentiment models.

A :class:`SentimentModel` scores a batch of texts, each with its detected language, so the
enricher does not care which model it runs (the default is
:class:`signalroom.nlp.linear_sentiment.LinearSentiment`). This module holds no model and
must not load one.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from signalroom.models import Sentiment


class SentimentModel(Protocol):
    @property
    def version(self) -> str:
        """Names the model and its version, e.g. ``sent-hash-v1``; recorded on every post."""
        ...

    def score_batch(self, texts: Sequence[str], langs: Sequence[str]) -> list[Sentiment]:
        """One sentiment per text, in order: a label and a score in [-1, 1]. ``langs`` holds
        each text's detected ISO 639-1 code (or ``und``). Must not raise on any text."""
        ...
