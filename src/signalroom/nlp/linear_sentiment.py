"""Multilingual sentiment from a linear model over hashed features, scored in pure numpy.

One 3-class (negative, neutral, positive) linear model covers every language; its
features are :class:`signalroom.nlp.hashed.HashedFeaturizer`'s (hashed n-grams plus a
hashed sentiment lexicon), its weights are int8 with a per-class scale. Probabilities are a softmax over the logits plus a per-language rule
from the model file (a logit offset; for languages the model was not trained on, a
temperature that flattens them and a minimum probability below which the answer is
neutral: only the shared features fire there, so it should say little). The label is the
most probable class; the score is ``p(positive) - p(negative)`` in [-1, 1].

The model files ship in the package (``signalroom/nlp/models/sentiment``) and are written
by :mod:`signalroom.nlp.training.sentiment`. Loading reads them once; scoring is then
pure CPU, batched, deterministic and total for any text. This module must not import
scikit-learn or scipy, train anything, or do I/O after loading.
"""

from __future__ import annotations

import importlib.resources
import json
from collections.abc import Sequence
from dataclasses import replace
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from signalroom.errors import SignalroomError
from signalroom.models import SENTIMENT_LABELS, Sentiment
from signalroom.nlp.hashed import HashedFeatures, HashedFeaturizer, Lexicon
from signalroom.nlp.text import bound

CONFIG_FILE = "model.json"
WEIGHTS_FILE = "weights.npy"
LEXICON_KEYS_FILE = "lexicon_keys.npy"
LEXICON_VALENCES_FILE = "lexicon_valences.npy"
UNSUPPORTED = "xx"
"""The language rule for any language the model was not trained on."""
MAX_INPUT_CHARS = 4000
"""A post's sentiment shows in its first few sentences; longer inputs only cost time."""
CHUNK_CHARS = 10_000
"""Texts are featurized in chunks of about this many characters (the feature arrays take
some 40 bytes per character). Small chunks bound the memory a batch of huge posts needs,
and keep numpy's temporaries small enough for malloc to reuse instead of mapping fresh
pages each batch: at 50,000 a quarter of the scoring time was page faults."""
SCORE_DECIMALS = 4
"""Scores are rounded so that float noise never tells two runs apart."""


def packaged_model_dir() -> Traversable:
    """Where the shipped model files are, inside the installed package."""
    return importlib.resources.files("signalroom.nlp") / "models" / "sentiment"


class LinearSentiment:
    """The hashed-feature linear sentiment model (a :class:`SentimentModel`)."""

    def __init__(
        self,
        featurizer: HashedFeaturizer,
        weights: npt.NDArray[np.int8],
        scale: npt.NDArray[np.float32],
        bias: npt.NDArray[np.float32],
        lang_rules: dict[str, dict[str, Any]],
        supported_langs: Sequence[str],
        version: str,
    ) -> None:
        if weights.shape != (featurizer.dimension, len(SENTIMENT_LABELS)):
            raise SignalroomError(
                f"sentiment weights have shape {weights.shape}, expected "
                f"({featurizer.dimension}, {len(SENTIMENT_LABELS)}); retrain the model"
            )
        self._featurizer = featurizer
        # One contiguous int8 column per class: gathering from three 1 MB arrays is about
        # twice as fast as gathering rows of a 12 MB float matrix.
        self._columns = [
            np.ascontiguousarray(weights[:, k], dtype=np.int8) for k in range(weights.shape[1])
        ]
        self._scale = scale.astype(np.float64)
        self._bias = bias.astype(np.float32)
        self._version = version
        self._offsets = {
            lang: np.asarray(rule.get("logit_offset", (0.0, 0.0, 0.0)), dtype=np.float32)
            for lang, rule in lang_rules.items()
        }
        self._temperatures = {
            lang: float(rule.get("temperature", 1.0)) for lang, rule in lang_rules.items()
        }
        unsupported = lang_rules.get(UNSUPPORTED, {})
        self._min_polar = float(unsupported.get("min_polar_prob", 0.0))
        self._supported = frozenset(supported_langs)

    @classmethod
    def load(cls, directory: Path | Traversable | None = None) -> LinearSentiment:
        """The model in ``directory``, by default the one shipped in the package."""
        where = packaged_model_dir() if directory is None else directory
        try:
            config = json.loads((where / CONFIG_FILE).read_text(encoding="utf-8"))
            with (where / WEIGHTS_FILE).open("rb") as file:
                quantised = np.load(file, allow_pickle=False)
            featurizer = HashedFeaturizer.from_config(config["featurizer"])
            if featurizer.lexicon_weight:
                featurizer = replace(featurizer, lexicon=_load_lexicon(where))
            scale = np.asarray(config["scale"], dtype=np.float32)
            bias = np.asarray(config["bias"], dtype=np.float32)
            rules = {str(lang): dict(rule) for lang, rule in config["lang_rules"].items()}
            supported = [str(lang) for lang in config["supported_langs"]]
            version = str(config["version"])
        except (OSError, ValueError, KeyError, TypeError) as err:
            raise SignalroomError(
                f"cannot load the sentiment model from {where} ({err}); reinstall Signalroom "
                "or retrain it with scripts/train_sentiment.py"
            ) from err
        if quantised.dtype != np.int8:
            raise SignalroomError(f"sentiment weights are {quantised.dtype}, expected int8")
        return cls(featurizer, quantised, scale, bias, rules, supported, version)

    @property
    def version(self) -> str:
        """E.g. ``sent-hash-v1``; recorded on every post."""
        return self._version

    def supported_lang(self, lang: str) -> str:
        """The language rule a detected code falls under: itself if trained, else ``xx``."""
        code = (lang or "").lower()[:2]
        return code if code in self._supported else UNSUPPORTED

    @property
    def featurizer(self) -> HashedFeaturizer:
        """The featurizer this model reads; other heads trained on it can share one pass."""
        return self._featurizer

    def probabilities(self, texts: Sequence[str], langs: Sequence[str]) -> npt.NDArray[np.float64]:
        """``(len(texts), 3)`` probabilities of negative, neutral, positive, after the
        per-language rule (a confidence signal beside the label)."""
        if len(texts) != len(langs):
            raise ValueError(f"{len(langs)} languages given for {len(texts)} texts")
        codes = [self.supported_lang(lang) for lang in langs]
        bounded = [bound(text, MAX_INPUT_CHARS) for text in texts]
        logits = np.vstack([self._logits(bounded[a:b], codes[a:b]) for a, b in _chunks(bounded)])
        return self._calibrate(logits, codes)

    def probabilities_from_features(
        self, features: HashedFeatures, codes: Sequence[str]
    ) -> npt.NDArray[np.float64]:
        """:meth:`probabilities` from features already made by :attr:`featurizer` of texts
        cut by :func:`bounded_texts`, read as ``codes`` (from :meth:`supported_lang`)."""
        return self._calibrate(self._gather(features, len(codes)), codes)

    def sentiments(
        self, probabilities: npt.NDArray[np.float64], codes: Sequence[str]
    ) -> list[Sentiment]:
        """The sentiment of each row of :meth:`probabilities` (``codes`` as there)."""
        labels = probabilities.argmax(axis=1)
        if self._min_polar > 0.0:
            unsupported = np.array([code == UNSUPPORTED for code in codes], dtype=bool)
            weak = unsupported & (probabilities[:, [0, 2]].max(axis=1) < self._min_polar)
            labels[weak] = 1
        scores = np.round(probabilities[:, 2] - probabilities[:, 0], SCORE_DECIMALS)
        return [
            Sentiment(label=SENTIMENT_LABELS[int(label)], score=float(score))
            for label, score in zip(labels, np.clip(scores, -1.0, 1.0), strict=True)
        ]

    def score_batch(self, texts: Sequence[str], langs: Sequence[str]) -> list[Sentiment]:
        """One sentiment per text, in order; never raises for any text."""
        if not texts:
            return []
        probabilities = self.probabilities(texts, langs)
        return self.sentiments(probabilities, [self.supported_lang(lang) for lang in langs])

    def _calibrate(
        self, logits: npt.NDArray[np.float64], codes: Sequence[str]
    ) -> npt.NDArray[np.float64]:
        zero = np.zeros(len(SENTIMENT_LABELS), dtype=np.float32)
        logits += np.array([self._offsets.get(code, zero) for code in codes], dtype=np.float64)
        temperature = np.array([self._temperatures.get(code, 1.0) for code in codes])
        logits /= temperature[:, None]
        logits -= logits.max(axis=1, keepdims=True)
        exp = np.exp(logits)
        probabilities: npt.NDArray[np.float64] = exp / exp.sum(axis=1, keepdims=True)
        return probabilities

    def _logits(self, texts: Sequence[str], codes: Sequence[str]) -> npt.NDArray[np.float64]:
        return self._gather(self._featurizer.featurize(texts, codes), len(texts))

    def _gather(self, features: HashedFeatures, n: int) -> npt.NDArray[np.float64]:
        # X @ W without a sparse matrix: gather each feature's weight row and add them up
        # per post; sorting a CSR matrix's indices would cost more than the scoring.
        logits = np.empty((n, len(SENTIMENT_LABELS)), dtype=np.float64)
        for k, column in enumerate(self._columns):
            contributions = column[features.columns] * features.values
            logits[:, k] = np.bincount(features.rows, weights=contributions, minlength=n)
        logits *= self._scale
        logits += self._bias
        return logits


def bounded_texts(texts: Sequence[str]) -> list[str]:
    """The texts as the model reads them: each cut to :data:`MAX_INPUT_CHARS`."""
    return [bound(text, MAX_INPUT_CHARS) for text in texts]


def text_chunks(texts: Sequence[str]) -> list[tuple[int, int]]:
    """``[start, end)`` ranges to featurize at a time (see :data:`CHUNK_CHARS`)."""
    return _chunks(texts)


def _chunks(texts: Sequence[str]) -> list[tuple[int, int]]:
    """``[start, end)`` ranges of at most :data:`CHUNK_CHARS` characters (or one text)."""
    ranges: list[tuple[int, int]] = []
    start = size = 0
    for i, text in enumerate(texts):
        if size and size + len(text) > CHUNK_CHARS:
            ranges.append((start, i))
            start, size = i, 0
        size += len(text)
    ranges.append((start, len(texts)))
    return ranges


def _load_lexicon(where: Path | Traversable) -> Lexicon:
    with (where / LEXICON_KEYS_FILE).open("rb") as file:
        keys = np.load(file, allow_pickle=False)
    with (where / LEXICON_VALENCES_FILE).open("rb") as file:
        valences = np.load(file, allow_pickle=False)
    if keys.dtype != np.uint64 or valences.shape != keys.shape:
        raise ValueError("the lexicon files do not match")
    return Lexicon(keys=keys, valences=valences.astype(np.float32))
