"""The text report of each evaluation shows the figures of its result."""

from __future__ import annotations

from typing import Any

import pytest

from signalroom.evaluation.report import format_report


def test_format_report_shows_sentiment_scores_classes_and_languages() -> None:
    result: dict[str, Any] = {
        "macro_recall": 61.5,
        "accuracy": 58.25,
        "posts_per_s": 17791.4,
        "n": 2000,
        "per_class_recall": {"negative": 67.63, "positive": 55.37},
        "confusion": {
            "negative": {"negative": 211, "neutral": 38, "positive": 63},
            "positive": {"negative": 73, "neutral": 149, "positive": 597},
        },
        "per_language": {"en": {"macro_recall": 61.42, "accuracy": 61.4, "n": 2000}},
        "model_version": "lid176+vader3.3.2+v1",
    }
    text = format_report(result, "sentiment")
    assert "macro recall   61.50 %  (mean over the 2 classes present)" in text
    assert "accuracy       58.25 %" in text
    assert "negative     67.63 %" in text
    assert "17,791 posts/s" in text
    assert "examples      2,000" in text
    assert "lid176+vader3.3.2+v1" in text
    lines = text.splitlines()
    matrix = lines[lines.index("confusion (rows: gold, columns: predicted)") + 1 :]
    assert matrix[0].split() == ["negative", "neutral", "positive"]
    matrix_row = next(line for line in matrix if line.strip().startswith("positive "))
    assert matrix_row.split()[1:] == ["73", "149", "597"]
    assert "  en " in text


def test_format_report_shows_language_accuracy_with_hindi_apart() -> None:
    result: dict[str, Any] = {
        "accuracy": 84.52,
        "posts_per_s": 39280.0,
        "n": 2591,
        "accuracy_excluding_hi": 96.6,
        "hi_accuracy": 0.0,
        "per_language": {"de": 90.74, "hi": 0.0},
        "confusion": {"de": {"de": 294, "en": 12, "und": 3}, "hi": {"en": 183, "und": 141}},
        "model_version": "lid176+vader3.3.2+v1",
    }
    text = format_report(result, "language")
    assert "accuracy       84.52 %" in text
    assert "without hi   96.60 %" in text
    assert "hi alone      0.00 %" in text
    assert "de           90.74 %  (en ×12)" in text
    assert "hi            0.00 %  (en ×183)" in text


def test_format_report_shows_binary_f1_per_class_with_task_names() -> None:
    result: dict[str, Any] = {
        "macro_f1": 66.67,
        "accuracy": 70.0,
        "posts_per_s": 1000.0,
        "n": 10,
        "task": "complaint",
        "per_class_f1": {"0": 75.0, "1": 58.33},
        "per_class_recall": {"0": 80.0, "1": 50.0},
        "confusion": {"0": {"0": 4, "1": 1}, "1": {"0": 2, "1": 3}},
        "model_version": "keywords-test",
    }
    text = format_report(result, "complaint")
    assert "macro F1       66.67 %" in text
    assert "1 complaint         58.33 %  50.00 %" in text
    assert "0 not a complaint   75.00 %  80.00 %" in text
    moderation = format_report({**result, "task": "moderation"}, "moderation")
    assert "1 offensive" in moderation


def test_format_report_refuses_an_unknown_kind() -> None:
    with pytest.raises(ValueError, match="unknown evaluation kind"):
        format_report({}, "detect")  # type: ignore[arg-type]
