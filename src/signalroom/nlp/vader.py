"""Sentiment with VADER (vaderSentiment 3.3.2): a rule-based English lexicon model whose
lexicon also scores emoji and emoticons, which carry across languages.

The score is VADER's compound score in [-1, 1]; the label follows the VADER convention
(:func:`signalroom.nlp.sentiment.label_for`). Inputs are cleaned first: links and mentions
removed (``@happyhour`` is a name, not a feeling; hashtags stay, ``#fail`` is one), one
line, bounded, because VADER's cost grows faster than the text. English-only for now: it
scores every post whatever its language, until a multilingual model takes its place
behind :class:`signalroom.nlp.sentiment.SentimentModel`. Never raises; no I/O after
construction.
"""

from __future__ import annotations

import importlib.metadata
import re
from collections.abc import Sequence

from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

from signalroom.models import Sentiment
from signalroom.nlp.sentiment import sentiment_of
from signalroom.nlp.text import LINK_PATTERN, MENTION_PATTERN, bound, one_line, scrub
from signalroom.nlp.vader_rules import VaderCompound

MAX_INPUT_CHARS = 1000
"""VADER reads about the first 170 words: more than a social post, and its "but" rule costs
the square of the number of words."""

MAX_EMOJI = 100
"""VADER reads at most this many emoji. It swaps each for its description (``grinning
face``), so emoji are several words each: the worst 1,000-character text within these
bounds takes about 12 ms, against over 100 ms for a thousand emoji with a "but"."""

_LINK = re.compile(LINK_PATTERN)
_MENTION = re.compile(MENTION_PATTERN)


def clean_for_sentiment(text: str) -> str:
    """What VADER reads: no links, no mentions, no control characters, one line, bounded."""
    head = scrub(bound(text, MAX_INPUT_CHARS * 2))
    if "://" in head:
        head = _LINK.sub(" ", head)
    if "@" in head:
        head = _MENTION.sub(" ", head)
    return bound(one_line(head), MAX_INPUT_CHARS)


class VaderSentiment:
    """VADER's lexicon, parsed once, and its rules (:mod:`signalroom.nlp.vader_rules`)."""

    def __init__(self) -> None:
        rules = VaderCompound(SentimentIntensityAnalyzer())
        self._compound = rules.compound
        self._emoji = rules.emoji_chars
        self._emoji_pattern = rules.emoji_pattern
        self._version = "vader" + importlib.metadata.version("vaderSentiment")

    @property
    def version(self) -> str:
        return self._version

    def score_batch(self, texts: Sequence[str], langs: Sequence[str]) -> list[Sentiment]:
        return [self.score(text) for text in texts]

    def score(self, text: str) -> Sentiment:
        cleaned = clean_for_sentiment(text)
        if len(cleaned) > MAX_EMOJI and not self._emoji.isdisjoint(cleaned):
            cleaned = self._bound_emoji(cleaned)
        return sentiment_of(self._compound(cleaned))

    def _bound_emoji(self, cleaned: str) -> str:
        for count, match in enumerate(self._emoji_pattern.finditer(cleaned), start=1):
            if count > MAX_EMOJI:
                return cleaned[: match.start()]
        return cleaned
