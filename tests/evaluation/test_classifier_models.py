"""``signalroom eval complaint|moderation`` end to end on small files written here, through
the packaged models that the classifier registry loads."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from signalroom.evaluation.classifier import BINARY_TASKS, BinaryTask, load_classifier
from signalroom.evaluation.classify import evaluate_binary
from signalroom.nlp import Enricher

ROWS = {
    "complaint": [
        ("@acme my order never arrived and I'm still waiting for a refund, 3 weeks now", 1),
        ("@fastnet internet has been down since Monday and nobody answers the phone", 1),
        ("you charged my card twice and customer service keeps putting me on hold", 1),
        ("What a lovely sunny morning in the park with my dog", 0),
        ("Congratulations to the team on a brilliant season!", 0),
        ("Reading a great book about the history of Rome tonight", 0),
    ],
    "moderation": [
        ("shut up you stupid fucking idiot", 1),
        ("what a worthless piece of shit you are", 1),
        ("What a lovely sunny morning in the park with my dog", 0),
        ("The new library opens on Monday, see you there", 0),
    ],
}


@pytest.fixture(scope="module")
def enricher() -> Enricher:
    return Enricher.load()


@pytest.mark.parametrize("task", ["complaint", "moderation"])
def test_evaluate_binary_scores_the_packaged_model(
    tmp_path: Path, enricher: Enricher, task: BinaryTask
) -> None:
    path = tmp_path / f"{task}.jsonl"
    path.write_text(
        "".join(json.dumps({"text": t, "label": label}) + "\n" for t, label in ROWS[task]),
        encoding="utf-8",
    )
    report = evaluate_binary(path, task, model=enricher)
    assert report["macro_f1"] == 100.0
    assert report["n"] == len(ROWS[task])
    assert (
        report["model_version"]
        == {"complaint": "complaint-hash-v2", "moderation": "moderation-hash-v1"}[task]
    )
    assert report["posts_per_s"] > 0


def test_load_classifier_answers_zero_or_one() -> None:
    for task in BINARY_TASKS:
        classifier = load_classifier(task)
        assert classifier.predict_batch(["", "hello", "\x00\ud800"], ["und", "en", "zz"]) in (
            [[a, b, c] for a in (0, 1) for b in (0, 1) for c in (0, 1)]
        )
