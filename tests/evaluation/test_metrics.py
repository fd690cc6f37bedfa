"""Classification scores against hand-computed examples, and their invariants."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from signalroom.evaluation.metrics import (
    accuracy,
    confusion,
    f1,
    macro_f1,
    macro_recall,
    per_class_recall,
)

LABELS = st.sampled_from(["negative", "neutral", "positive"])
PAIRS = st.lists(st.tuples(LABELS, LABELS), min_size=1, max_size=60)


def test_accuracy_is_the_percentage_of_exact_matches() -> None:
    assert accuracy(["a", "b", "c", "a"], ["a", "b", "a", "b"]) == 50.0


def test_per_class_recall_covers_only_classes_present_in_gold() -> None:
    gold = ["negative", "negative", "positive", "positive", "positive"]
    predicted = ["negative", "neutral", "positive", "positive", "neutral"]
    recalls = per_class_recall(gold, predicted)
    assert list(recalls) == ["negative", "positive"]
    assert recalls["negative"] == 50.0
    assert recalls["positive"] == pytest.approx(200 / 3)


def test_macro_recall_counts_an_absent_class_prediction_as_wrong() -> None:
    # A positive/negative-only set: "neutral" is never right, and is not a class to average.
    gold = ["negative", "negative", "positive", "positive", "positive", "positive"]
    predicted = ["negative", "neutral", "positive", "neutral", "neutral", "positive"]
    # negative 1/2, positive 2/4: the mean over the two present classes.
    assert macro_recall(gold, predicted) == 50.0
    assert macro_recall(gold, ["neutral"] * len(gold)) == 0.0


def test_macro_recall_weights_classes_equally_whatever_their_size() -> None:
    gold = ["positive"] * 9 + ["negative"]
    predicted = ["positive"] * 10
    assert accuracy(gold, predicted) == 90.0
    assert macro_recall(gold, predicted) == 50.0


def test_confusion_counts_gold_rows_against_predicted_columns() -> None:
    gold = ["negative", "negative", "positive", "neutral", "positive"]
    predicted = ["negative", "neutral", "neutral", "neutral", "positive"]
    assert confusion(gold, predicted) == {
        "negative": {"negative": 1, "neutral": 1},
        "neutral": {"neutral": 1},
        "positive": {"neutral": 1, "positive": 1},
    }


def test_f1_and_macro_f1_match_a_hand_computed_binary_case() -> None:
    gold = [1, 1, 0, 0, 1]
    predicted = [1, 0, 0, 1, 1]
    # class 1: TP 2, FP 1, FN 1 -> 4/6; class 0: TP 1, FP 1, FN 1 -> 2/4.
    assert f1(gold, predicted, 1) == pytest.approx(200 / 3)
    assert f1(gold, predicted, 0) == 50.0
    assert macro_f1(gold, predicted, (0, 1)) == pytest.approx((200 / 3 + 50) / 2)


def test_f1_is_zero_for_a_class_neither_present_nor_predicted() -> None:
    assert f1([0, 0, 0], [0, 0, 0], 1) == 0.0
    assert macro_f1([0, 0, 0], [0, 0, 0], (0, 1)) == 50.0


def test_metrics_refuse_mismatched_or_empty_inputs() -> None:
    with pytest.raises(ValueError, match="2 gold labels but 1 predictions"):
        accuracy(["a", "b"], ["a"])
    with pytest.raises(ValueError, match="no labels"):
        macro_recall([], [])
    with pytest.raises(ValueError, match="at least one class"):
        macro_f1([1], [1], ())


@given(PAIRS)
def test_macro_recall_is_the_mean_of_per_class_recall_within_bounds(
    pairs: list[tuple[str, str]],
) -> None:
    gold = [g for g, _ in pairs]
    predicted = [p for _, p in pairs]
    recalls = per_class_recall(gold, predicted)
    assert set(recalls) == set(gold)
    score = macro_recall(gold, predicted)
    assert score == pytest.approx(sum(recalls.values()) / len(recalls))
    assert 0.0 <= score <= 100.0
    assert 0.0 <= accuracy(gold, predicted) <= 100.0


@given(PAIRS)
def test_confusion_sums_to_the_number_of_examples_and_its_diagonal_to_the_hits(
    pairs: list[tuple[str, str]],
) -> None:
    gold = [g for g, _ in pairs]
    predicted = [p for _, p in pairs]
    rows = confusion(gold, predicted)
    assert sum(sum(row.values()) for row in rows.values()) == len(pairs)
    hits = sum(row.get(label, 0) for label, row in rows.items())
    assert 100.0 * hits / len(pairs) == pytest.approx(accuracy(gold, predicted))


@given(st.lists(LABELS, min_size=1, max_size=60))
def test_perfect_predictions_score_one_hundred(gold: list[str]) -> None:
    assert accuracy(gold, gold) == 100.0
    assert macro_recall(gold, gold) == 100.0
    present = sorted(set(gold))
    assert macro_f1(gold, gold, present) == 100.0
