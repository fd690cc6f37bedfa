"""Complaint detection: is a post a customer complaint about a product or service (a failure,
a refund, a delay, bad service)?

A logistic model over the sentiment model's hashed features (so the enricher featurizes a
post once for sentiment, complaint and moderation), plus dense columns: the categories of
the hand-written cue lexicon (:mod:`signalroom.nlp.complaint_cues`, matched in the post's
language and English), surface cues (addressed to an account, mentions, ``?``, ``!``,
digits, a link, length), the sentiment model's p(negative) and p(positive) and its three
pairwise log-odds. The hashed weights were trained on naive-Bayes-scaled features, a scale
folded into the shipped weights, so scoring is the same single gather. The decision
threshold was chosen on out-of-fold predictions of the training data. Files ship in
``signalroom/nlp/models/complaint`` and are written by
:mod:`signalroom.nlp.training.complaint`. Pure numpy and ``re``; it must not import
scikit-learn, train anything, or do I/O after loading.
"""

from __future__ import annotations

import importlib.resources
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from importlib.resources.abc import Traversable
from pathlib import Path

import numpy as np
import numpy.typing as npt

from signalroom.errors import SignalroomError
from signalroom.nlp.complaint_cues import COMPLAINT_CUES
from signalroom.nlp.hashed import SEPARATOR, HashedFeatures
from signalroom.nlp.hashed_head import LinearHead, load_head, sigmoid
from signalroom.nlp.linear_sentiment import LinearSentiment, bounded_texts, text_chunks
from signalroom.nlp.normalised import NormalisedBatch

SURFACE: tuple[str, ...] = ("addressed", "n_user", "question", "exclaim", "digits", "url", "len")
CATEGORIES: tuple[str, ...] = tuple(COMPLAINT_CUES)
DENSE_COLUMNS: tuple[str, ...] = (
    *(f"cue:{c}" for c in CATEGORIES),
    *(f"surf:{s}" for s in SURFACE),
    "sent:p_neg",
    "sent:p_pos",
    *(f"sent:log_{a}_{b}" for a, b in (("neg", "pos"), ("neg", "neu"), ("pos", "neu"))),
)
SCORE_DECIMALS = 4
LOG_ODDS_SCALE = 0.3
"""Keeps the log-odds columns (up to about +-9 after the clip) near the other columns' range,
so one regularisation strength suits them all."""
_LOG_ODDS_FLOOR = 1e-4
_DIGIT = re.compile(r"\d")


def packaged_model_dir() -> Traversable:
    """Where the shipped complaint model is, inside the installed package."""
    return importlib.resources.files("signalroom.nlp") / "models" / "complaint"


def _fragment(text: str) -> str:
    prefix = text.endswith("*")
    body = (text[:-1] if prefix else text).replace("'", "['’]?").replace(" ", r"\s+")
    return body + (r"\w*" if prefix else r"(?!\w)")


@dataclass(frozen=True, slots=True)
class _LangScanner:
    """One scan regex for a language (alternatives grouped by first character: Python's
    ``re`` tries alternatives in turn, so this dispatch is ~10x faster than one flat list),
    and which category a matched string belongs to."""

    scan: re.Pattern[str]
    per_category: tuple[re.Pattern[str], ...]
    cache: dict[str, int] = field(default_factory=dict)

    @classmethod
    def build(cls, lang: str) -> _LangScanner:
        per_category: list[re.Pattern[str]] = []
        by_first: dict[str, set[str]] = {}
        for category in CATEGORIES:
            fragments = set(COMPLAINT_CUES[category].get("en", ()))
            if lang != "en":
                fragments |= set(COMPLAINT_CUES[category].get(lang, ()))
            ordered = sorted(fragments, key=lambda f: (-len(f), f))
            per_category.append(re.compile("|".join(_fragment(f) for f in ordered)))
            for fragment in ordered:
                by_first.setdefault(fragment[0], set()).add(fragment)
        alternatives = [
            re.escape(first)
            + "(?:"
            + "|".join(_fragment(f)[1:] for f in sorted(group, key=lambda f: (-len(f), f)))
            + ")"
            for first, group in sorted(by_first.items())
        ]
        return cls(re.compile(r"(?<!\w)(?:" + "|".join(alternatives) + ")"), tuple(per_category))

    def category(self, matched: str) -> int:
        found = self.cache.get(matched)
        if found is None:
            found = next(
                (i for i, regex in enumerate(self.per_category) if regex.fullmatch(matched)), -1
            )
            self.cache[matched] = found
        return found


class CueFeatures:
    """The cue-lexicon and surface columns of normalised texts."""

    def __init__(self) -> None:
        self._langs = frozenset(lang for cues in COMPLAINT_CUES.values() for lang in cues)
        self._scanners: dict[str, _LangScanner] = {}

    def _scanner(self, lang: str) -> _LangScanner:
        scanner = self._scanners.get(lang)
        if scanner is None:
            scanner = self._scanners[lang] = _LangScanner.build(lang)
        return scanner

    def matrix(self, batch: NormalisedBatch, langs: Sequence[str]) -> npt.NDArray[np.float32]:
        docs = batch.docs
        n = len(docs)
        width = len(CATEGORIES)
        out = np.zeros((n, width + len(SURFACE)), dtype=np.float32)
        groups: dict[str, list[int]] = {}
        for i, lang in enumerate(langs):
            groups.setdefault(lang if lang in self._langs else "en", []).append(i)
        folded = batch.folded_docs() if len(groups) > 1 else []
        for lang, members in groups.items():
            scanner = self._scanner(lang)
            # One group (the usual case) scans the batch's folded text as it is.
            joined = SEPARATOR.join(folded[i] for i in members) if folded else batch.folded
            lengths = np.fromiter((len(docs[i]) + 1 for i in members), np.int64, len(members))
            ends = np.cumsum(lengths)
            positions: list[int] = []
            categories: list[int] = []
            for match in scanner.scan.finditer(joined):
                category = scanner.category(match.group())
                if category >= 0:
                    positions.append(match.start())
                    categories.append(category)
            if positions:
                which = np.searchsorted(ends, np.asarray(positions), side="right")
                rows = np.asarray(members, dtype=np.int64)[which]
                np.add.at(out, (rows, np.asarray(categories)), 1.0)
        out[:, :width] = np.log1p(out[:, :width])
        out[:, width + 0] = [doc.lstrip().startswith("@user") for doc in docs]
        out[:, width + 1] = np.log1p([doc.count("@user") for doc in docs])
        out[:, width + 2] = ["?" in doc for doc in docs]
        out[:, width + 3] = ["!" in doc for doc in docs]
        out[:, width + 4] = [_DIGIT.search(doc) is not None for doc in docs]
        out[:, width + 5] = ["http" in doc for doc in docs]
        out[:, width + 6] = np.log1p([len(doc) for doc in docs]) / 5.0
        return out


def complaint_dense(
    cues: CueFeatures,
    batch: NormalisedBatch,
    codes: Sequence[str],
    sentiment: npt.NDArray[np.float64],
) -> npt.NDArray[np.float32]:
    """The :data:`DENSE_COLUMNS` of normalised texts, given their sentiment probabilities
    (negative, neutral, positive)."""
    logs = np.log(np.clip(sentiment, _LOG_ODDS_FLOOR, 1.0))
    log_odds = logs[:, [0, 0, 2]] - logs[:, [2, 1, 1]]
    return np.hstack(
        [
            cues.matrix(batch, codes),
            sentiment[:, [0, 2]].astype(np.float32),
            (LOG_ODDS_SCALE * log_odds).astype(np.float32),
        ]
    )


class ComplaintModel:
    """The complaint model; reads the sentiment model's features and probabilities."""

    def __init__(
        self, sentiment: LinearSentiment, head: LinearHead, threshold: float, version: str
    ) -> None:
        if head.dimension != sentiment.featurizer.dimension or head.dense.shape[0] != len(
            DENSE_COLUMNS
        ):
            raise SignalroomError("the complaint model does not match its features; retrain it")
        self._sentiment = sentiment
        self._head = head
        self._cues = CueFeatures()
        self.threshold = threshold
        self.version = version

    @classmethod
    def load(
        cls, directory: Path | Traversable | None = None, sentiment: LinearSentiment | None = None
    ) -> ComplaintModel:
        """The model in ``directory`` (default: the packaged one) over ``sentiment``'s
        features (default: the packaged sentiment model)."""
        where = packaged_model_dir() if directory is None else directory
        sentiment = LinearSentiment.load() if sentiment is None else sentiment
        head, (threshold, version) = load_head(
            where,
            sentiment.featurizer,
            "complaint",
            lambda config: (float(config["threshold"]), str(config["version"])),
        )
        return cls(sentiment, head, threshold, version)

    @property
    def model_version(self) -> str:
        return self.version

    def probabilities_from_features(
        self,
        features: HashedFeatures,
        batch: NormalisedBatch,
        codes: Sequence[str],
        sentiment: npt.NDArray[np.float64],
    ) -> npt.NDArray[np.float64]:
        """p(complaint) per post, from the sentiment model's features, the normalised
        texts, language codes and sentiment probabilities of one featurized chunk."""
        dense = complaint_dense(self._cues, batch, codes, sentiment)
        return np.round(sigmoid(self._head.logits(features, dense)[:, 0]), SCORE_DECIMALS)

    def probabilities(self, texts: Sequence[str], langs: Sequence[str]) -> npt.NDArray[np.float64]:
        """p(complaint) per text (featurizing them itself)."""
        if len(texts) != len(langs):
            raise ValueError(f"{len(langs)} languages given for {len(texts)} texts")
        if not texts:
            return np.zeros(0, np.float64)
        codes = [self._sentiment.supported_lang(lang) for lang in langs]
        bounded = bounded_texts(texts)
        parts = [np.zeros(0, np.float64)]
        for a, b in text_chunks(bounded):
            features = self._sentiment.featurizer.featurize(bounded[a:b], codes[a:b])
            sentiment = self._sentiment.probabilities_from_features(features, codes[a:b])
            batch = NormalisedBatch.of(bounded[a:b])
            parts.append(self.probabilities_from_features(features, batch, codes[a:b], sentiment))
        return np.concatenate(parts)

    def predict_batch(self, texts: Sequence[str], langs: Sequence[str]) -> list[int]:
        """1 for a complaint, else 0, per text (a :class:`BinaryClassifier`)."""
        if not texts:
            return []
        return [int(p >= self.threshold) for p in self.probabilities(texts, langs)]
