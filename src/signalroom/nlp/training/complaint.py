"""Train the complaint model that :mod:`signalroom.nlp.complaint` loads.

Data: a directory with ``train.jsonl`` (and optionally ``val.jsonl``), lines
``{"text", "label"}`` with 1 for a complaint; all English. Model: logistic regression
(lbfgs, C=4) on the sentiment model's hashed features plus the complaint dense columns; the
threshold is the best smoothed macro-F1 on 5-fold out-of-fold predictions of *train*.
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

MODEL_VERSION = "complaint-hash-v1"


def train_complaint(
    data_dir: Path, out_dir: Path, sentiment: LinearSentiment | None = None, c: float = 4.0
) -> dict[str, Any]:
    """Train on ``data_dir/train.jsonl``, write the model to ``out_dir`` and return the
    summary (also written to ``train_metrics.json``)."""
    from sklearn.linear_model import LogisticRegression

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

    def make() -> Any:
        return LogisticRegression(C=c, max_iter=3000, solver="lbfgs")

    oof = out_of_fold(matrix, labels, make)
    threshold = best_threshold(labels, oof)
    model = make().fit(matrix, labels)
    dimension = sentiment.featurizer.dimension
    write_head(
        out_dir,
        dimension,
        model.coef_.reshape(-1, 1).astype(np.float64),
        [float(model.intercept_[0])],
        {
            "format": 1,
            "version": MODEL_VERSION,
            "featurizer": sentiment.featurizer.config(),
            "sentiment_version": sentiment.version,
            "dense_columns": list(DENSE_COLUMNS),
            "threshold": threshold,
            "training": {"C": c, "solver": "lbfgs", "folds": 5, "threshold_from": "train OOF"},
        },
    )
    summary: dict[str, Any] = {
        "n_train": len(rows),
        "threshold": threshold,
        "oof_macro_f1": round(macro_f1(labels, oof >= threshold), 2),
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
