"""Classification scores from gold and predicted labels, in percent.

Macro recall is averaged over the classes present in the gold labels only: a prediction of
a class the file does not contain is simply wrong (on a positive/negative-only set,
"neutral" costs recall and gains nothing). Macro F1 is averaged over the classes the caller
names, so a binary task always counts both of its classes; a class never seen nor
predicted has an F1 of 0, as scikit-learn reports it. Pure functions over plain
sequences: no I/O, no models, no rounding (the caller rounds for display).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import TypeVar

Label = TypeVar("Label", str, int)


def accuracy(gold: Sequence[Label], predicted: Sequence[Label]) -> float:
    """Share of predictions equal to the gold label, in percent."""
    _check(gold, predicted)
    return 100.0 * sum(g == p for g, p in zip(gold, predicted, strict=True)) / len(gold)


def confusion(gold: Sequence[Label], predicted: Sequence[Label]) -> dict[Label, dict[Label, int]]:
    """How often each gold label (rows, sorted) was predicted as each label (sorted, only
    those that occurred)."""
    _check(gold, predicted)
    pairs = Counter(zip(gold, predicted, strict=True))
    rows: dict[Label, dict[Label, int]] = {}
    for g, p in sorted(pairs):
        rows.setdefault(g, {})[p] = pairs[(g, p)]
    return rows


def per_class_recall(gold: Sequence[Label], predicted: Sequence[Label]) -> dict[Label, float]:
    """Recall of each class present in ``gold`` (sorted), in percent."""
    _check(gold, predicted)
    totals = Counter(gold)
    hits = Counter(g for g, p in zip(gold, predicted, strict=True) if g == p)
    return {label: 100.0 * hits[label] / totals[label] for label in sorted(totals)}


def macro_recall(gold: Sequence[Label], predicted: Sequence[Label]) -> float:
    """Unweighted mean of the recall of the classes present in ``gold``, in percent."""
    recalls = per_class_recall(gold, predicted)
    return sum(recalls.values()) / len(recalls)


def f1(gold: Sequence[Label], predicted: Sequence[Label], label: Label) -> float:
    """F1 of one class, ``2·TP / (2·TP + FP + FN)``, in percent; 0 when the class is
    neither in ``gold`` nor predicted."""
    _check(gold, predicted)
    tp = fp = fn = 0
    for g, p in zip(gold, predicted, strict=True):
        if p == label:
            if g == label:
                tp += 1
            else:
                fp += 1
        elif g == label:
            fn += 1
    denominator = 2 * tp + fp + fn
    return 100.0 * 2 * tp / denominator if denominator else 0.0


def macro_f1(gold: Sequence[Label], predicted: Sequence[Label], labels: Sequence[Label]) -> float:
    """Unweighted mean of the F1 of each of ``labels``, in percent."""
    if not labels:
        raise ValueError("macro F1 needs at least one class")
    return sum(f1(gold, predicted, label) for label in labels) / len(labels)


def _check(gold: Sequence[object], predicted: Sequence[object]) -> None:
    if len(gold) != len(predicted):
        raise ValueError(f"{len(gold)} gold labels but {len(predicted)} predictions")
    if not gold:
        raise ValueError("no labels to score")
