"""The evaluations end to end: small files written here, the packaged models, real scores."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

from signalroom.errors import SignalroomError, ValidationError
from signalroom.evaluation.classifier import BinaryClassifier, moderation_flag
from signalroom.evaluation.classify import evaluate_binary, evaluate_language, evaluate_sentiment
from signalroom.nlp import Enricher


def write_jsonl(path: Path, rows: Sequence[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
    return path


POSITIVE = "I absolutely love this new phone, it is wonderful and the camera is great!"
NEGATIVE = "This update is terrible, the app crashes all the time and I hate it."
NEUTRAL = "The shop opens at nine on Tuesday."


@pytest.fixture(scope="module")
def enricher() -> Enricher:
    return Enricher.load()


def test_evaluate_sentiment_scores_a_file_in_either_label_convention(
    tmp_path: Path, enricher: Enricher
) -> None:
    path = write_jsonl(
        tmp_path / "s.jsonl",
        [
            {"text": POSITIVE, "label": 2},
            {"text": NEGATIVE, "label": "negative"},
            {"text": NEUTRAL, "label": "1"},
            {"text": NEGATIVE, "label": 2},
        ],
    )
    result = evaluate_sentiment(path, model=enricher)
    assert result["n"] == 4
    assert result["accuracy"] == 75.0
    assert result["per_class_recall"] == {"negative": 100.0, "neutral": 100.0, "positive": 50.0}
    assert result["macro_recall"] == pytest.approx((100 + 100 + 50) / 3, abs=0.01)
    assert result["confusion"] == {
        "negative": {"negative": 1},
        "neutral": {"neutral": 1},
        "positive": {"negative": 1, "positive": 1},
    }
    assert result["posts_per_s"] > 0
    assert result["model_version"] == enricher.model_version
    assert result["per_language"] == {}


def test_evaluate_sentiment_counts_neutral_as_wrong_on_a_two_class_file(
    tmp_path: Path, enricher: Enricher
) -> None:
    path = write_jsonl(
        tmp_path / "s.jsonl",
        [
            {"text": POSITIVE, "label": 2, "lang": "en"},
            {"text": NEUTRAL, "label": 2, "lang": "en"},
            {"text": NEGATIVE, "label": 0, "lang": "de"},
        ],
    )
    result = evaluate_sentiment(path, model=enricher)
    assert result["per_class_recall"] == {"negative": 100.0, "positive": 50.0}
    assert result["macro_recall"] == 75.0
    assert result["accuracy"] == pytest.approx(66.67)
    assert result["per_language"] == {
        "de": {"macro_recall": 100.0, "accuracy": 100.0, "n": 1},
        "en": {"macro_recall": 50.0, "accuracy": 50.0, "n": 2},
    }


def test_evaluate_sentiment_gives_the_same_answers_whatever_the_batch_size(
    tmp_path: Path, enricher: Enricher
) -> None:
    rows = [
        {"text": text, "label": label}
        for text, label in [(POSITIVE, 2), (NEGATIVE, 0), (NEUTRAL, 1), (NEUTRAL, 0)] * 5
    ]
    path = write_jsonl(tmp_path / "s.jsonl", rows)
    whole = evaluate_sentiment(path, model=enricher)
    batched = evaluate_sentiment(path, model=enricher, batch_size=3)
    assert batched["confusion"] == whole["confusion"]
    assert batched["macro_recall"] == whole["macro_recall"]
    assert batched["n"] == 20


def test_evaluate_sentiment_loads_the_packaged_enricher_by_default(tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "s.jsonl", [{"text": POSITIVE, "label": "positive"}])
    result = evaluate_sentiment(path)
    assert result["accuracy"] == 100.0
    assert result["model_version"].startswith("lid176+")


def test_evaluate_sentiment_rejects_a_bad_file_with_its_line(tmp_path: Path) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_text('{"text": "fine", "label": 1}\n{"text": "x", "label": 7}\n', encoding="utf-8")
    with pytest.raises(ValidationError, match="unknown label 7") as caught:
        evaluate_sentiment(path)
    assert caught.value.field == f"{path}:2"


def test_evaluate_language_detects_rather_than_trusting_the_file(
    tmp_path: Path, enricher: Enricher
) -> None:
    path = write_jsonl(
        tmp_path / "l.jsonl",
        [
            {"text": "Ich habe heute Morgen den Zug nach Berlin genommen.", "lang": "de"},
            {"text": "Nous sommes allés au marché samedi matin.", "lang": "fr"},
            {"text": "Mañana vamos a la playa con mis amigos si no llueve.", "lang": "es"},
            {"text": "Tegnap este elmentünk vacsorázni egy új étterembe.", "lang": "hu"},
            {"text": "The train to the coast leaves every hour on weekdays.", "lang": "en"},
            # Declared French, written in English: the detector must say so.
            {"text": "We walked along the river until the sun went down.", "lang": "fr"},
            # Romanised Hindi, the known blind spot: reported apart.
            {"text": "yaar mujhe yeh movie bahut pasand aayi, kya baat hai", "lang": "hi"},
        ],
    )
    result = evaluate_language(path, model=enricher)
    assert result["n"] == 7
    assert result["per_language"] == {
        "de": 100.0,
        "en": 100.0,
        "es": 100.0,
        "fr": 50.0,
        "hi": 0.0,
        "hu": 100.0,
    }
    assert result["accuracy_excluding_hi"] == pytest.approx(100 * 5 / 6, abs=0.01)
    assert result["hi_accuracy"] == 0.0
    assert result["accuracy"] == pytest.approx(100 * 5 / 7, abs=0.01)
    assert result["confusion"]["fr"] == {"en": 1, "fr": 1}
    assert result["posts_per_s"] > 0


def test_evaluate_language_leaves_the_hindi_split_empty_without_hindi(
    tmp_path: Path, enricher: Enricher
) -> None:
    path = write_jsonl(
        tmp_path / "l.jsonl",
        [{"text": "The train to the coast leaves every hour on weekdays.", "lang": "en"}],
    )
    result = evaluate_language(path, model=enricher)
    assert result["hi_accuracy"] is None
    assert result["accuracy_excluding_hi"] == 100.0


class KeywordComplaints:
    """A real (if crude) complaint rule: a post that names a product failure or asks for
    money back is a complaint. Records the languages it was given."""

    model_version = "keywords-test"
    _WORDS = ("broken", "refund", "worst", "never again")

    def __init__(self) -> None:
        self.langs: list[str] = []

    def predict_batch(self, texts: Sequence[str], langs: Sequence[str]) -> list[int]:
        self.langs.extend(langs)
        return [int(any(word in text.lower() for word in self._WORDS)) for text in texts]


COMPLAINTS = [
    {"text": "Worst service ever, I want a refund for this broken charger", "label": 1},
    {"text": "my order arrived broken and nobody answers", "label": 1},
    {"text": "still waiting three weeks for my parcel", "label": 1},
    {"text": "thanks for the quick delivery, works great", "label": 0},
    {"text": "Just had a lovely coffee with my sister", "label": 0},
    {"text": "the worst part of the film was the ending, loved the rest", "label": 0},
]


def test_evaluate_binary_scores_any_binary_classifier(tmp_path: Path, enricher: Enricher) -> None:
    path = write_jsonl(tmp_path / "c.jsonl", COMPLAINTS)
    classifier = KeywordComplaints()
    result = evaluate_binary(path, "complaint", classifier=classifier, model=enricher, batch_size=4)
    # complaint: TP 2, FN 1, FP 1 -> F1 2/3; not a complaint: TP 2, FN 1, FP 1 -> 2/3.
    assert result["per_class_f1"] == {"0": 66.67, "1": 66.67}
    assert result["macro_f1"] == 66.67
    assert result["accuracy"] == 66.67
    assert result["per_class_recall"] == {"0": 66.67, "1": 66.67}
    assert result["confusion"] == {"0": {"0": 2, "1": 1}, "1": {"0": 1, "1": 2}}
    assert result["n"] == 6
    assert result["task"] == "complaint"
    assert result["model_version"] == "keywords-test"
    # The classifier is given detected languages (warm-up batch included), not the file's.
    assert set(classifier.langs) == {"en"}
    assert len(classifier.langs) == 4 + 6


def test_evaluate_binary_refuses_a_classifier_that_breaks_its_contract(
    tmp_path: Path, enricher: Enricher
) -> None:
    class Unsure:
        model_version = "unsure-test"

        def predict_batch(self, texts: Sequence[str], langs: Sequence[str]) -> list[int]:
            return [2 for _ in texts]

    path = write_jsonl(tmp_path / "c.jsonl", COMPLAINTS)
    with pytest.raises(SignalroomError, match="unsure-test broke its contract"):
        evaluate_binary(path, "moderation", classifier=Unsure(), model=enricher)


def test_moderation_flag_counts_every_verdict_but_safe_as_offensive() -> None:
    assert moderation_flag("safe") == 0
    assert moderation_flag("sensitive") == 1
    assert moderation_flag("offensive") == 1


def test_keyword_classifier_satisfies_the_protocol() -> None:
    classifier: BinaryClassifier = KeywordComplaints()
    assert classifier.predict_batch(["a refund please", "hello"], ["en", "en"]) == [1, 0]
