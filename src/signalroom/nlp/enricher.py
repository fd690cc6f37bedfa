"""The enricher: everything the pipeline learns about a batch of posts in one call.

Language (fastText lid.176, the source's declared language as a tie-breaker), sentiment
(a :class:`SentimentModel`: by default the multilingual hashed-feature linear model of
:mod:`signalroom.nlp.linear_sentiment`, which reads the detected language), hashtags,
mentions, links and reach. Models
are loaded once by :meth:`Enricher.load`; :meth:`Enricher.enrich_batch` is then pure CPU,
deterministic, and never raises for any post. It is meant to run in the pipeline's
worker thread, off the event loop, and must not do I/O.
"""

from __future__ import annotations

from collections.abc import Sequence

from signalroom.models import Enrichment, Post
from signalroom.nlp.entities import extract_entities
from signalroom.nlp.language import FastTextLanguageIdentifier
from signalroom.nlp.linear_sentiment import LinearSentiment
from signalroom.nlp.reach import compute_reach
from signalroom.nlp.sentiment import SentimentModel
from signalroom.nlp.text import model_text, searchable_text

ENRICHMENT_VERSION = 1
"""Bumped when the enricher's own rules change (cleaning, thresholds, reach weights)."""

MODEL_INPUT_CHARS = 8000
"""Each part of a post (text, title) is cut to this before the models' own cleaning, which
bounds the work on a 100 KB post while leaving every model more than it reads."""


class Enricher:
    """Language, sentiment, entities and reach for batches of posts."""

    def __init__(self, language: FastTextLanguageIdentifier, sentiment: SentimentModel) -> None:
        self._language = language
        self._sentiment = sentiment
        self.model_version: str = f"{language.version}+{sentiment.version}+v{ENRICHMENT_VERSION}"
        """Names the models and rules used, e.g. ``lid176+sent-hash-v1+v1``."""

    @classmethod
    def load(cls) -> Enricher:
        """Load the packaged models (no download, ever)."""
        return cls(FastTextLanguageIdentifier.load(), LinearSentiment.load())

    def detect_languages(self, posts: Sequence[Post]) -> list[tuple[str, float]]:
        """Language (ISO 639-1 or ``und``) and confidence per post, in order, with each
        post's ``lang_hint`` as the tie-breaker."""
        return self._language.detect_batch(
            [model_text(post, MODEL_INPUT_CHARS) for post in posts],
            [post.lang_hint for post in posts],
        )

    def enrich_batch(
        self,
        posts: Sequence[Post],
        languages: Sequence[tuple[str, float]] | None = None,
    ) -> list[Enrichment]:
        """One enrichment per post, in order. ``languages`` may pass what
        :meth:`detect_languages` already returned for these posts, to skip detecting twice."""
        texts = [model_text(post, MODEL_INPUT_CHARS) for post in posts]
        if languages is None:
            languages = self._language.detect_batch(texts, [post.lang_hint for post in posts])
        elif len(languages) != len(posts):
            raise ValueError(f"{len(languages)} languages given for {len(posts)} posts")
        sentiments = self._sentiment.score_batch(texts, [code for code, _ in languages])
        version = self.model_version
        enrichments: list[Enrichment] = []
        for post, (lang, confidence), sentiment in zip(posts, languages, sentiments, strict=True):
            entities = extract_entities(searchable_text(post))
            enrichments.append(
                Enrichment(
                    lang=lang,
                    lang_confidence=confidence,
                    sentiment=sentiment,
                    hashtags=entities.hashtags,
                    mentions=entities.mentions,
                    links=entities.links,
                    reach=compute_reach(post.author.followers, post.engagement),
                    model_version=version,
                )
            )
        return enrichments
