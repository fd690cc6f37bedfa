"""Public-screen moderation: may a post be shown on a wall (``safe``), should a person look
first (``review``), or must it stay off (``block``), and why.

Two logistic heads over the sentiment model's hashed features plus word-list columns
(:mod:`signalroom.nlp.wordlists`): offensive (trained on OLID) and hate (HatEval). Both are
trained on English tweets, so the rules differ by language:

- English: ``block`` if p(offensive) or p(hate) reaches its block threshold (the lowest
  probability with 85% out-of-fold precision on train) or a word rated "sure" by ``cuss``
  occurs; ``review`` if p(offensive) reaches the best out-of-fold macro-F1 threshold;
- any other language: ``block`` only on a "sure" word; ``review`` on any hit in the post's
  own-language or English lists, or if either head is as sure as an English block.

Matched words are masked in the reasons (``f*****g``). Files ship in
``signalroom/nlp/models/moderation`` (with ``NOTICE``: the word lists' licences) and are
written by :mod:`signalroom.nlp.training.moderation`. Pure numpy; it must not import
scikit-learn, train anything, or do I/O after loading.
"""

from __future__ import annotations

import importlib.resources
from collections.abc import Sequence
from importlib.resources.abc import Traversable
from pathlib import Path

import numpy as np
import numpy.typing as npt

from signalroom.errors import SignalroomError
from signalroom.models import Moderation, ModerationVerdict
from signalroom.nlp.hashed import HashedFeatures
from signalroom.nlp.hashed_head import LinearHead, load_head, sigmoid
from signalroom.nlp.linear_sentiment import LinearSentiment, bounded_texts, text_chunks
from signalroom.nlp.normalised import NormalisedBatch
from signalroom.nlp.wordlists import COLUMNS, Hit, WordLists

SCORE_DECIMALS = 4
MAX_REASON_WORDS = 5


def packaged_model_dir() -> Traversable:
    """Where the shipped moderation model is, inside the installed package."""
    return importlib.resources.files("signalroom.nlp") / "models" / "moderation"


def mask(word: str) -> str:
    """A matched word as a reason shows it: first and last letter only."""
    if len(word) <= 2:
        return word[:1] + "*"
    return word[0] + "*" * (len(word) - 2) + word[-1]


def rule_lang(lang: str) -> str:
    """The two-letter code the rules and word lists read (``und`` and the like stay apart
    from English: only the word lists judge them)."""
    return (lang or "").lower()[:2]


class ModerationModel:
    """The moderation heads, word lists and thresholds."""

    def __init__(
        self,
        sentiment: LinearSentiment,
        head: LinearHead,
        wordlists: WordLists,
        thresholds: dict[str, float],
        version: str,
    ) -> None:
        featurizer = sentiment.featurizer
        if head.dimension != featurizer.dimension or head.dense.shape != (len(COLUMNS), 2):
            raise SignalroomError("the moderation model does not match its features; retrain it")
        self._sentiment = sentiment
        self._featurizer = featurizer
        self._head = head
        self.wordlists = wordlists
        self._review = float(thresholds["review"])
        self._block = float(thresholds["block"])
        self._hate_block = float(thresholds["hate_block"])
        self._other_review = float(thresholds.get("other_review", self._block))
        self.version = version

    @classmethod
    def load(
        cls, directory: Path | Traversable | None = None, sentiment: LinearSentiment | None = None
    ) -> ModerationModel:
        """The model in ``directory`` (default: the packaged one) over ``sentiment``'s
        features (default: the packaged sentiment model)."""
        where = packaged_model_dir() if directory is None else directory
        sentiment = LinearSentiment.load() if sentiment is None else sentiment
        head, (wordlists, thresholds, version) = load_head(
            where,
            sentiment.featurizer,
            "moderation",
            lambda config: (
                WordLists.load(where),
                {str(k): float(v) for k, v in config["thresholds"].items()},
                str(config["version"]),
            ),
        )
        return cls(sentiment, head, wordlists, thresholds, version)

    @property
    def model_version(self) -> str:
        return self.version

    def probabilities_from_features(
        self, features: HashedFeatures, batch: NormalisedBatch, langs: Sequence[str]
    ) -> tuple[npt.NDArray[np.float64], list[list[Hit]]]:
        """``(n, 2)`` p(offensive), p(hate) and each post's own-language or English
        word-list hits, from the sentiment model's features of one chunk."""
        codes = [rule_lang(lang) for lang in langs]
        dense, hits = self.wordlists.columns(self.wordlists.hits(batch), codes)
        return sigmoid(self._head.logits(features, dense)), hits

    def judge_from_features(
        self, features: HashedFeatures, batch: NormalisedBatch, langs: Sequence[str]
    ) -> list[Moderation]:
        """The verdict on each post of one featurized chunk (``langs``: detected codes)."""
        probabilities, hits = self.probabilities_from_features(features, batch, langs)
        return [
            self._verdict(float(p_off), float(p_hate), post_hits, rule_lang(lang) == "en")
            for (p_off, p_hate), post_hits, lang in zip(probabilities, hits, langs, strict=True)
        ]

    def judge(self, texts: Sequence[str], langs: Sequence[str]) -> list[Moderation]:
        """The verdict on each text (featurizing them itself); never raises for any text."""
        if len(texts) != len(langs):
            raise ValueError(f"{len(langs)} languages given for {len(texts)} texts")
        # The languages as the sentiment model reads them, as in the enricher's shared pass.
        codes = [self._sentiment.supported_lang(lang) for lang in langs]
        bounded = bounded_texts(texts)
        out: list[Moderation] = []
        if not texts:
            return out
        for a, b in text_chunks(bounded):
            features = self._featurizer.featurize(bounded[a:b], codes[a:b])
            batch = NormalisedBatch.of(bounded[a:b])
            out.extend(self.judge_from_features(features, batch, langs[a:b]))
        return out

    def predict_batch(self, texts: Sequence[str], langs: Sequence[str]) -> list[int]:
        """1 unless the verdict is ``safe`` (a :class:`BinaryClassifier`)."""
        return [int(m.verdict != "safe") for m in self.judge(texts, langs)]

    def _verdict(
        self, p_off: float, p_hate: float, hits: Sequence[Hit], english: bool
    ) -> Moderation:
        reasons: list[str] = []
        verdict: ModerationVerdict = "safe"
        sure = sorted({mask(hit.entry) for hit in hits if any(s == "cuss2" for s, _ in hit.lists)})
        if sure:
            verdict = "block"
            reasons.append("blocklisted: " + ", ".join(sure[:MAX_REASON_WORDS]))
        if english:
            if p_off >= self._block:
                verdict = "block"
                reasons.append(f"offensive model p={p_off:.2f}")
            if p_hate >= self._hate_block:
                verdict = "block"
                reasons.append(f"hate model p={p_hate:.2f}")
            if verdict == "safe" and p_off >= self._review:
                verdict = "review"
                reasons.append(f"offensive model p={p_off:.2f}")
        else:
            if verdict == "safe" and hits:
                verdict = "review"
                words = sorted({mask(hit.entry) for hit in hits})
                reasons.append("word list: " + ", ".join(words[:MAX_REASON_WORDS]))
            if verdict == "safe" and max(p_off, p_hate) >= self._other_review:
                verdict = "review"
                reasons.append(f"offensive model (English-trained) p={max(p_off, p_hate):.2f}")
        score = round(min(max(max(p_off, p_hate), 0.0), 1.0), SCORE_DECIMALS)
        return Moderation(verdict=verdict, reasons=tuple(reasons), score=score)
