"""What training the complaint and moderation heads share: reading labelled JSONL, building
the (hashed | dense) training matrix exactly as the run-time models see it, choosing a
threshold on out-of-fold predictions, and writing a head's files.

scipy is imported inside the functions that need it (the ``train`` extra). This module must
not be imported by the running product, and nothing it writes may hold a text of the data.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from signalroom.nlp.hashed import HashedFeatures
from signalroom.nlp.hashed_head import CONFIG_FILE, DENSE_FILE, WEIGHTS_FILE, quantise
from signalroom.nlp.linear_sentiment import LinearSentiment, bounded_texts
from signalroom.nlp.normalised import NormalisedBatch

BATCH = 1000
DenseColumns = Callable[[HashedFeatures, NormalisedBatch, Sequence[str]], npt.NDArray[np.float32]]
"""(features, normalised batch, language codes) -> the dense block of one batch."""


def read_rows(path: Path) -> list[tuple[str, int]]:
    """``(text, label)`` of each non-blank line of a JSONL file with ``text`` and ``label``."""
    rows: list[tuple[str, int]] = []
    with path.open(encoding="utf-8") as file:
        for line in file:
            if not line.strip():
                continue
            record = json.loads(line)
            text = str(record.get("text") or "")
            if text.strip():
                rows.append((text, int(record["label"])))
    if not rows:
        raise ValueError(f"no labelled rows in {path}")
    return rows


def training_matrix(
    sentiment: LinearSentiment, texts: Sequence[str], langs: Sequence[str], dense: DenseColumns
) -> Any:
    """The CSR matrix ``[hashed | dense]`` of ``texts`` (duplicates summed)."""
    import scipy.sparse

    featurizer = sentiment.featurizer
    blocks = []
    for start in range(0, len(texts), BATCH):
        chunk = bounded_texts(texts[start : start + BATCH])
        codes = [sentiment.supported_lang(lang) for lang in langs[start : start + BATCH]]
        features = featurizer.featurize(chunk, codes)
        hashed = scipy.sparse.csr_matrix(
            (features.values.astype(np.float64), (features.rows, features.columns)),
            shape=(len(chunk), featurizer.dimension),
        )
        block = dense(features, NormalisedBatch.of(chunk), langs[start : start + BATCH])
        blocks.append(scipy.sparse.hstack([hashed, scipy.sparse.csr_matrix(block)], format="csr"))
    return scipy.sparse.vstack(blocks).tocsr()


def macro_f1(labels: npt.NDArray[np.int64], predicted: npt.NDArray[np.bool_]) -> float:
    """Binary macro-F1 in percent."""
    scores = []
    for positive in (False, True):
        truth = labels.astype(bool) == positive
        guess = predicted == positive
        tp = float(np.sum(truth & guess))
        denominator = tp + float(np.sum(truth & ~guess)) + tp + float(np.sum(~truth & guess))
        scores.append(0.0 if tp == 0 else 2 * tp / denominator)
    return 100.0 * float(np.mean(scores))


def best_threshold(labels: npt.NDArray[np.int64], probabilities: npt.NDArray[np.float64]) -> float:
    """The threshold with the best macro-F1, smoothed over +-2 steps of 0.01 so a lucky
    spike is not chosen (grid 0.20..0.80)."""
    grid = np.round(np.arange(0.20, 0.801, 0.01), 2)
    scores = np.array([macro_f1(labels, probabilities >= t) for t in grid])
    smoothed = np.convolve(scores, np.ones(5) / 5, mode="same")
    return float(grid[int(np.argmax(smoothed))])


def precision_threshold(
    labels: npt.NDArray[np.int64], probabilities: npt.NDArray[np.float64], precision: float
) -> float:
    """The lowest threshold (0.30..0.99) whose at least 20 positives have ``precision``."""
    for t in np.round(np.arange(0.30, 0.991, 0.01), 2):
        chosen = probabilities >= t
        if chosen.sum() >= 20 and labels[chosen].mean() >= precision:
            return float(t)
    return 0.99


def out_of_fold(
    matrix: Any, labels: npt.NDArray[np.int64], make: Callable[[], Any], folds: int = 5
) -> npt.NDArray[np.float64]:
    """p(label 1) of each row from a model fitted without its fold (stratified, seed 0)."""
    from sklearn.model_selection import StratifiedKFold

    result = np.zeros(len(labels), dtype=np.float64)
    splitter = StratifiedKFold(
        min(folds, int(np.bincount(labels).min())), shuffle=True, random_state=0
    )
    for fit_rows, held in splitter.split(np.zeros(len(labels)), labels):
        result[held] = (
            make().fit(matrix[fit_rows], labels[fit_rows]).predict_proba(matrix[held])[:, 1]
        )
    return result


def write_head(
    out_dir: Path,
    dimension: int,
    coefficients: npt.NDArray[np.float64],
    bias: Sequence[float],
    config: dict[str, Any],
) -> None:
    """``weights.npy`` (int8 hashed part), ``dense.npy`` and ``model.json``.
    ``coefficients`` is ``(dimension + dense columns, heads)``."""
    out_dir.mkdir(parents=True, exist_ok=True)
    quantised, scale = quantise(coefficients[:dimension])
    np.save(out_dir / WEIGHTS_FILE, quantised, allow_pickle=False)
    np.save(out_dir / DENSE_FILE, coefficients[dimension:].astype(np.float32), allow_pickle=False)
    document = {
        **config,
        "scale": [float(x) for x in scale],
        "bias": [float(x) for x in bias],
    }
    (out_dir / CONFIG_FILE).write_text(json.dumps(document, indent=1) + "\n", encoding="utf-8")
