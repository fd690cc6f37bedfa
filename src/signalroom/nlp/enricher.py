"""The enricher: everything the pipeline learns about a batch of posts in one call.

Language (fastText lid.176, the source's declared language as a tie-breaker), sentiment
(a :class:`SentimentModel`: by default the multilingual hashed-feature linear model of
:mod:`signalroom.nlp.linear_sentiment`, which reads the detected language), complaint
detection (:mod:`signalroom.nlp.complaint`), public-screen moderation
(:mod:`signalroom.nlp.moderation`), hashtags, mentions, links, key phrases
(:mod:`signalroom.nlp.keyphrases`, with the stop words of the detected language), a SimHash
fingerprint for near-duplicate grouping (:mod:`signalroom.nlp.simhash`) and reach. When
sentiment is the linear model, the three models read one hashed featurization of each post,
and the fingerprint reads the same normalised text. Models
are loaded once by :meth:`Enricher.load`; :meth:`Enricher.enrich_batch` is then pure CPU,
deterministic, and never raises for any post. It is meant to run in the pipeline's
worker thread, off the event loop, and must not do I/O.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence

import numpy as np
import numpy.typing as npt

from signalroom.models import Enrichment, Moderation, Post, Sentiment
from signalroom.nlp.complaint import ComplaintModel
from signalroom.nlp.entities import extract_entities
from signalroom.nlp.hashed import SEPARATOR
from signalroom.nlp.keyphrases import MAX_INPUT_CHARS as KEYPHRASE_INPUT_CHARS
from signalroom.nlp.keyphrases import KeyphraseExtractor
from signalroom.nlp.language import EXPECTED_LANGUAGES, FastTextLanguageIdentifier
from signalroom.nlp.linear_sentiment import LinearSentiment, bounded_texts, text_chunks
from signalroom.nlp.moderation import ModerationModel
from signalroom.nlp.moderation_rules import RuleSet
from signalroom.nlp.normalised import NormalisedBatch
from signalroom.nlp.reach import compute_reach
from signalroom.nlp.sentiment import SentimentModel
from signalroom.nlp.simhash import simhashes, simhashes_of
from signalroom.nlp.text import model_text, searchable_text

ENRICHMENT_VERSION = 2
"""Bumped when the enricher's own rules change (cleaning, thresholds, reach weights).
2: key phrases and SimHash fingerprints."""

MODEL_INPUT_CHARS = 8000
"""Each part of a post (text, title) is cut to this before the models' own cleaning, which
bounds the work on a 100 KB post while leaving every model more than it reads."""


class Enricher:
    """Language, sentiment, complaint, moderation, entities, key phrases, fingerprint and
    reach for batches of posts."""

    def __init__(
        self,
        language: FastTextLanguageIdentifier,
        sentiment: SentimentModel,
        complaint: ComplaintModel | None = None,
        moderation: ModerationModel | None = None,
        keyphrases: KeyphraseExtractor | None = None,
    ) -> None:
        self._language = language
        self._sentiment = sentiment
        self._complaint = complaint
        self._moderation = moderation
        self._keyphrases = keyphrases
        self._rules = RuleSet()
        versions = [language.version, sentiment.version]
        versions += [model.version for model in (complaint, moderation) if model is not None]
        self.model_version: str = "+".join([*versions, f"v{ENRICHMENT_VERSION}"])
        """Names the models and rules used, e.g.
        ``lid176+py3langid0.4+sent-hash-v1+complaint-hash-v2+moderation-hash-v1+v2``."""

    @classmethod
    def load(cls, expected_languages: Collection[str] | None = None) -> Enricher:
        """Load the packaged models (no download, ever). ``expected_languages`` sets the
        language identifier's prior (default: :data:`EXPECTED_LANGUAGES`)."""
        sentiment = LinearSentiment.load()
        expected = expected_languages or EXPECTED_LANGUAGES
        return cls(
            FastTextLanguageIdentifier.load(expected),
            sentiment,
            ComplaintModel.load(sentiment=sentiment),
            ModerationModel.load(sentiment=sentiment),
            KeyphraseExtractor.load(),
        )

    @property
    def expected_languages(self) -> frozenset[str]:
        """The languages the identifier's prior favours."""
        return self._language.expected

    @property
    def rules(self) -> RuleSet:
        """The deployment's moderation rules laid over the model's verdicts."""
        return self._rules

    def set_rules(self, rules: RuleSet) -> None:
        """Use ``rules`` from the next batch on (one reference swap: safe from any thread)."""
        self._rules = rules

    def moderate(self, post: Post, lang: str) -> Moderation:
        """The verdict on one post, rules included, as :meth:`enrich_batch` would give it
        (re-checking stored posts after the rules change)."""
        text = model_text(post, MODEL_INPUT_CHARS)
        model = self._moderation
        verdict = model.judge([text], [lang])[0] if model is not None else Moderation()
        return self._apply_rules(post, text, lang, verdict, self._rules)

    def _apply_rules(
        self, post: Post, text: str, lang: str, verdict: Moderation, rules: RuleSet
    ) -> Moderation:
        if not rules:
            return verdict
        model = self._moderation

        def rejudge(blanked: str) -> Moderation:
            return model.judge([blanked], [lang])[0] if model is not None else Moderation()

        return rules.apply(post, text, verdict, rejudge)

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
        sentiments, complaints, moderations, fingerprints = self._score(
            texts, [code for code, _ in languages]
        )
        version = self.model_version
        threshold = self._complaint.threshold if self._complaint is not None else 1.0
        rules = self._rules
        keyphrases = self._keyphrases
        enrichments: list[Enrichment] = []
        for post, text, (lang, confidence), sentiment, complaint, moderation, fingerprint in zip(
            posts, texts, languages, sentiments, complaints, moderations, fingerprints, strict=True
        ):
            entities = extract_entities(searchable_text(post))
            keywords = (
                keyphrases.extract(model_text(post, KEYPHRASE_INPUT_CHARS), lang)
                if keyphrases is not None
                else ()
            )
            enrichments.append(
                Enrichment(
                    lang=lang,
                    lang_confidence=confidence,
                    sentiment=sentiment,
                    complaint=bool(complaint >= threshold),
                    complaint_score=float(complaint),
                    moderation=self._apply_rules(post, text, lang, moderation, rules),
                    hashtags=entities.hashtags,
                    mentions=entities.mentions,
                    links=entities.links,
                    reach=compute_reach(post.author.followers, post.engagement),
                    model_version=version,
                    keywords=keywords,
                    simhash=fingerprint,
                )
            )
        return enrichments

    def _score(
        self, texts: Sequence[str], langs: Sequence[str]
    ) -> tuple[list[Sentiment], npt.NDArray[np.float64], list[Moderation], list[int]]:
        """Sentiment, p(complaint), moderation and SimHash of each text; one featurization
        serves the first three when sentiment is the linear model the other two were
        trained on, and its normalised text serves the fingerprint."""
        sentiment = self._sentiment
        if not isinstance(sentiment, LinearSentiment):
            complaints = (
                self._complaint.probabilities(texts, langs)
                if self._complaint is not None
                else np.zeros(len(texts))
            )
            moderations = (
                self._moderation.judge(texts, langs)
                if self._moderation is not None
                else [Moderation() for _ in texts]
            )
            hashes = simhashes(bounded_texts(texts))
            return sentiment.score_batch(texts, langs), complaints, moderations, hashes
        codes = [sentiment.supported_lang(lang) for lang in langs]
        bounded = bounded_texts(texts)
        sentiments: list[Sentiment] = []
        complaint_parts = [np.zeros(0, np.float64)]
        moderations = []
        normalised: list[NormalisedBatch] = []
        for a, b in text_chunks(bounded) if texts else []:
            features = sentiment.featurizer.featurize(bounded[a:b], codes[a:b])
            probabilities = sentiment.probabilities_from_features(features, codes[a:b])
            sentiments.extend(sentiment.sentiments(probabilities, codes[a:b]))
            batch = NormalisedBatch.of(bounded[a:b])
            normalised.append(batch)
            if self._complaint is not None:
                complaint_parts.append(
                    self._complaint.probabilities_from_features(
                        features, batch, codes[a:b], probabilities
                    )
                )
            else:
                complaint_parts.append(np.zeros(b - a))
            if self._moderation is not None:
                moderations.extend(
                    self._moderation.judge_from_features(features, batch, langs[a:b])
                )
            else:
                moderations.extend(Moderation() for _ in range(b - a))
        # One fingerprinting pass over the whole batch: per chunk, numpy's fixed cost per
        # call would be most of the work.
        whole = NormalisedBatch(
            [doc for batch in normalised for doc in batch.docs],
            SEPARATOR.join(batch.folded for batch in normalised),
        )
        fingerprints = simhashes_of(whole) if texts else []
        return sentiments, np.concatenate(complaint_parts), moderations, fingerprints
