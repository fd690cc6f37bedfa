"""Train the moderation model that :mod:`signalroom.nlp.moderation` loads.

Data: two directories with ``train.jsonl`` (``{"text", "label"}``, English): offensive
(OLID, 1 = offensive) and hate (HatEval, 1 = hate). Two heads, each averaged SGD logistic
regression (alpha 5e-5, 15 epochs, seed 0) on the sentiment model's hashed features plus
the word-list columns. Every threshold comes from 5-fold out-of-fold predictions on
*train*: review = best smoothed macro-F1 of the offensive head; block = the lowest
probability with 85% precision, per head. ``val.jsonl`` files, if present, are only
scored through the saved model. The word lists (with their licences) are copied beside the
weights. Deterministic (one thread, fixed row order, seeded SGD). scikit-learn is imported
inside the functions; this module must not be imported by the running product.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from signalroom.nlp.hashed import HashedFeatures
from signalroom.nlp.linear_sentiment import LinearSentiment
from signalroom.nlp.moderation import ModerationModel, packaged_model_dir, rule_lang
from signalroom.nlp.normalised import NormalisedBatch
from signalroom.nlp.training.heads import (
    best_threshold,
    macro_f1,
    out_of_fold,
    precision_threshold,
    read_rows,
    training_matrix,
    write_head,
)
from signalroom.nlp.wordlists import COLUMNS, WORDLISTS_FILE, WordLists

MODEL_VERSION = "moderation-hash-v1"
BLOCK_PRECISION = 0.85


def train_moderation(
    offensive_dir: Path,
    hate_dir: Path,
    out_dir: Path,
    sentiment: LinearSentiment | None = None,
    wordlists_file: Path | None = None,
    alpha: float = 5e-5,
    epochs: int = 15,
    civil_files: Sequence[Path] = (),
) -> dict[str, Any]:
    """Train both heads, write the model to ``out_dir`` and return the summary (also
    written to ``train_metrics.json``).

    ``civil_files`` are JSONL files (``text``, any ``label``) of civil posts, such as
    complaints to brands, added to the offensive head as not offensive: OLID alone teaches
    it that a negative post addressed to someone is offensive, and a public wall must not
    hide every angry-but-civil customer. The thresholds are still chosen on OLID's own
    rows."""
    from sklearn.linear_model import SGDClassifier

    sentiment = LinearSentiment.load() if sentiment is None else sentiment
    source = wordlists_file or Path(str(packaged_model_dir() / WORDLISTS_FILE))
    out_dir.mkdir(parents=True, exist_ok=True)
    if source.resolve() != (out_dir / WORDLISTS_FILE).resolve():
        shutil.copyfile(source, out_dir / WORDLISTS_FILE)
    wordlists = WordLists.load(out_dir)

    def dense(
        features: HashedFeatures, batch: NormalisedBatch, langs: Sequence[str]
    ) -> npt.NDArray[np.float32]:
        codes = [rule_lang(lang) for lang in langs]
        return wordlists.columns(wordlists.hits(batch), codes)[0]

    def make() -> Any:
        return SGDClassifier(
            loss="log_loss", alpha=alpha, max_iter=epochs, tol=None, average=True, random_state=0
        )

    heads: list[Any] = []
    oof: list[npt.NDArray[np.float64]] = []
    label_sets: list[npt.NDArray[np.int64]] = []
    civil = [text for path in civil_files for text, _ in read_rows(path)]
    for data_dir, extra in ((offensive_dir, civil), (hate_dir, [])):
        rows = read_rows(data_dir / "train.jsonl")
        own = len(rows)
        texts = [text for text, _ in rows] + extra
        labels = np.array([label for _, label in rows] + [0] * len(extra), dtype=np.int64)
        matrix = training_matrix(sentiment, texts, ["en"] * len(texts), dense)
        oof.append(out_of_fold(matrix, labels, make)[:own])
        heads.append(make().fit(matrix, labels))
        label_sets.append(labels[:own])
    thresholds = {
        "review": best_threshold(label_sets[0], oof[0]),
        "block": precision_threshold(label_sets[0], oof[0], BLOCK_PRECISION),
        "hate_block": precision_threshold(label_sets[1], oof[1], BLOCK_PRECISION),
    }
    thresholds["other_review"] = thresholds["block"]
    coefficients = np.stack([h.coef_.ravel() for h in heads], axis=1).astype(np.float64)
    write_head(
        out_dir,
        sentiment.featurizer.dimension,
        coefficients,
        [float(h.intercept_[0]) for h in heads],
        {
            "format": 1,
            "version": MODEL_VERSION,
            "featurizer": sentiment.featurizer.config(),
            "sentiment_version": sentiment.version,
            "heads": ["offensive", "hate"],
            "dense_columns": list(COLUMNS),
            "thresholds": thresholds,
            "wordlist_sources": wordlists.sources,
            "training": {
                "loss": "log_loss",
                "alpha": alpha,
                "epochs": epochs,
                "average": True,
                "block_precision": BLOCK_PRECISION,
                "thresholds_from": "train OOF",
            },
        },
    )
    summary: dict[str, Any] = {
        "n_train": {"offensive": len(label_sets[0]), "hate": len(label_sets[1])},
        "thresholds": thresholds,
        "oof_macro_f1_offensive": round(macro_f1(label_sets[0], oof[0] >= thresholds["review"]), 2),
    }
    saved = ModerationModel.load(out_dir, sentiment)
    for name, data_dir in (("offensive", offensive_dir), ("hate", hate_dir)):
        val_path = data_dir / "val.jsonl"
        if val_path.exists():
            val = read_rows(val_path)
            predicted = np.array(saved.predict_batch([t for t, _ in val], ["en"] * len(val)), bool)
            truth = np.array([label for _, label in val], dtype=np.int64)
            summary[f"val_macro_f1_{name}"] = round(macro_f1(truth, predicted), 2)
    (out_dir / "train_metrics.json").write_text(json.dumps(summary, indent=1) + "\n", "utf-8")
    return summary
