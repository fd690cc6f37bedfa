"""Train the complaint model that :mod:`signalroom.nlp.complaint` loads.

Data: a directory with ``train.jsonl`` (and optionally ``val.jsonl``), lines
``{"text", "label"}`` with 1 for a complaint; all English. Model: logistic regression
(lbfgs, C=4) on the sentiment model's hashed features plus the complaint dense columns. Each
hashed column is first scaled by ``1 - beta + beta * |r|``, ``r`` its naive-Bayes log-count
ratio on the rows being fitted (NBSVM, Wang & Manning 2012, interpolated): words that tell
the classes apart are penalised less. The scale is folded into the written weights, so the
run-time model is unchanged. The threshold is the best smoothed macro-F1 on 5-fold
out-of-fold predictions of *train*.
``val.jsonl``, if present, is only scored through the saved model, never tuned on.
Deterministic (one thread, fixed row order). scikit-learn is imported inside the
functions (the ``train`` extra); this module must not be imported by the running product.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from signalroom.nlp.complaint import DENSE_COLUMNS, ComplaintModel, CueFeatures, complaint_dense
from signalroom.nlp.hashed import HashedFeatures
from signalroom.nlp.linear_sentiment import LinearSentiment
from signalroom.nlp.normalised import NormalisedBatch
from signalroom.nlp.training.heads import (
    best_threshold,
    macro_f1,
    out_of_fold,
    read_rows,
    training_matrix,
    write_head,
)

MODEL_VERSION = "complaint-hash-v2"
NB_BETA = 0.5
"""How far the naive-Bayes ratio moves a column's scale from 1 (chosen by 5-fold CV on train)."""
NB_ALPHA = 1.0
"""Add-alpha smoothing of the per-class presence counts."""


class NaiveBayesScaledLogistic:
    """Logistic regression on ``[hashed * nb_scale | dense]``; the scale is learned from the
    rows given to :meth:`fit` only, so out-of-fold scores stay honest. The sklearn-style
    ``fit``/``predict_proba`` pair is what :func:`out_of_fold` needs."""

    def __init__(
        self, dimension: int, c: float, beta: float = NB_BETA, alpha: float = NB_ALPHA
    ) -> None:
        self.dimension = dimension
        self.c = c
        self.beta = beta
        self.alpha = alpha
        self.width = 0
        self.kept: npt.NDArray[np.int64] = np.zeros(0, np.int64)
        self.scale: npt.NDArray[np.float64] = np.ones(0)
        self.model: Any = None

    def fit(self, matrix: Any, labels: npt.NDArray[np.int64]) -> NaiveBayesScaledLogistic:
        from sklearn.linear_model import LogisticRegression

        present = (matrix[:, : self.dimension] != 0).astype(np.float64)
        positive = np.asarray(present[labels == 1].sum(axis=0)).ravel()
        negative = np.asarray(present[labels == 0].sum(axis=0)).ravel()
        seen = np.flatnonzero(positive + negative)
        p = positive[seen] + self.alpha
        q = negative[seen] + self.alpha
        ratio = np.log((p / p.sum()) / (q / q.sum()))
        self.width = matrix.shape[1]
        # Columns no fitted row uses would get weight 0 under the L2 penalty anyway; leaving
        # them out gives the same fit about 50x faster.
        self.kept = np.concatenate([seen, np.arange(self.dimension, self.width)])
        self.scale = np.concatenate(
            [1.0 - self.beta + self.beta * np.abs(ratio), np.ones(self.width - self.dimension)]
        )
        self.model = LogisticRegression(C=self.c, max_iter=3000, solver="lbfgs")
        self.model.fit(self._scaled(matrix), labels)
        return self

    def predict_proba(self, matrix: Any) -> npt.NDArray[np.float64]:
        result: npt.NDArray[np.float64] = self.model.predict_proba(self._scaled(matrix))
        return result

    @property
    def coefficients(self) -> npt.NDArray[np.float64]:
        """The weights of the unscaled ``[hashed | dense]`` columns (scale folded in)."""
        weights = np.zeros(self.width, dtype=np.float64)
        weights[self.kept] = np.asarray(self.model.coef_[0], dtype=np.float64) * self.scale
        return weights

    @property
    def intercept(self) -> float:
        return float(self.model.intercept_[0])

    def _scaled(self, matrix: Any) -> Any:
        import scipy.sparse

        return (matrix[:, self.kept] @ scipy.sparse.diags(self.scale)).tocsr()


def train_complaint(
    data_dir: Path, out_dir: Path, sentiment: LinearSentiment | None = None, c: float = 4.0
) -> dict[str, Any]:
    """Train on ``data_dir/train.jsonl``, write the model to ``out_dir`` and return the
    summary (also written to ``train_metrics.json``)."""
    sentiment = LinearSentiment.load() if sentiment is None else sentiment
    rows = read_rows(data_dir / "train.jsonl")
    texts = [text for text, _ in rows]
    labels = np.array([label for _, label in rows], dtype=np.int64)
    cues = CueFeatures()

    def dense(
        features: HashedFeatures, batch: NormalisedBatch, langs: Sequence[str]
    ) -> npt.NDArray[np.float32]:
        codes = [sentiment.supported_lang(lang) for lang in langs]
        probabilities = sentiment.probabilities_from_features(features, codes)
        return complaint_dense(cues, batch, codes, probabilities)

    matrix = training_matrix(sentiment, texts, ["en"] * len(texts), dense)

    dimension = sentiment.featurizer.dimension

    def make() -> NaiveBayesScaledLogistic:
        return NaiveBayesScaledLogistic(dimension, c)

    oof = out_of_fold(matrix, labels, make)
    threshold = best_threshold(labels, oof)
    model = make().fit(matrix, labels)
    write_head(
        out_dir,
        dimension,
        model.coefficients.reshape(-1, 1),
        [model.intercept],
        {
            "format": 1,
            "version": MODEL_VERSION,
            "featurizer": sentiment.featurizer.config(),
            "sentiment_version": sentiment.version,
            "dense_columns": list(DENSE_COLUMNS),
            "threshold": threshold,
            "training": {
                "C": c,
                "solver": "lbfgs",
                "nb_scale": {"beta": NB_BETA, "alpha": NB_ALPHA},
                "folds": 5,
                "threshold_from": "train OOF",
            },
        },
    )
    summary: dict[str, Any] = {
        "n_train": len(rows),
        "threshold": threshold,
        "oof_macro_f1": round(macro_f1(labels, oof >= threshold), 2),
        "oof_macro_f1_at_0.5": round(macro_f1(labels, oof >= 0.5), 2),
    }
    val_path = data_dir / "val.jsonl"
    if val_path.exists():
        saved = ComplaintModel.load(out_dir, sentiment)
        val = read_rows(val_path)
        predicted = np.array(saved.predict_batch([t for t, _ in val], ["en"] * len(val)), bool)
        truth = np.array([label for _, label in val], dtype=np.int64)
        summary["val_macro_f1"] = round(macro_f1(truth, predicted), 2)
    (out_dir / "train_metrics.json").write_text(json.dumps(summary, indent=1) + "\n", "utf-8")
    return summary
