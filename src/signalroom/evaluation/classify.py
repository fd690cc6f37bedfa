"""``signalroom eval sentiment|language|moderation|complaint``: score the product's
classifiers on a labelled JSONL file (see ``docs/evaluation.md``).

Each evaluation reads the whole file first (:mod:`signalroom.evaluation.dataset`, which
rejects a bad file before any model runs), turns the texts into posts and runs the model
the way the pipeline runs it: the language detected by the enricher (never the file's
declared language, which the pipeline does not know), in batches of the pipeline's default
size. One batch is run first as an untimed warm-up; posts/s is then the whole file over
the wall-clock time of scoring it. Scores come from :mod:`signalroom.evaluation.metrics`,
in percent. Must not write anything or touch the network.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar

from signalroom.config import PipelineConfig
from signalroom.errors import SignalroomError
from signalroom.evaluation.classifier import BinaryClassifier, BinaryTask, load_classifier
from signalroom.evaluation.dataset import (
    read_binary_examples,
    read_language_examples,
    read_sentiment_examples,
)
from signalroom.evaluation.metrics import (
    accuracy,
    confusion,
    f1,
    macro_f1,
    macro_recall,
    per_class_recall,
)
from signalroom.models import Author, Post, SentimentLabel
from signalroom.nlp import Enricher
from signalroom.nlp.enricher import MODEL_INPUT_CHARS
from signalroom.nlp.language import FastTextLanguageIdentifier
from signalroom.nlp.linear_sentiment import LinearSentiment
from signalroom.nlp.text import model_text
from signalroom.pipeline.process import EnrichmentModel

BATCH_SIZE = PipelineConfig().batch_size
"""Posts per model call: what the pipeline sends by default (``pipeline.batch_size``)."""

EXCLUDED_LANGUAGE = "hi"
"""Reported apart by the language evaluation: the "Hindi" of tweet corpora is mostly
romanised (Hinglish), which lid.176, trained on Devanagari Wikipedia, reads as English."""

_AUTHOR = Author(handle="eval")

_In = TypeVar("_In")
_Out = TypeVar("_Out")


def evaluate_sentiment(
    path: Path, *, model: EnrichmentModel | None = None, batch_size: int = BATCH_SIZE
) -> dict[str, Any]:
    """Macro recall (over the classes present), accuracy, per-class recall, confusion and
    posts/s of the enricher's sentiment label on a sentiment file. ``model`` defaults to the
    packaged language and sentiment models, run as the pipeline runs them: the complaint
    and moderation heads that share the pipeline's pass are timed by their own evals, and
    the whole enrichment by ``signalroom bench pipeline``."""
    examples = read_sentiment_examples(path)
    enricher = model or Enricher(FastTextLanguageIdentifier.load(), LinearSentiment.load())

    def score(posts: Sequence[Post]) -> list[SentimentLabel]:
        languages = enricher.detect_languages(posts)
        return [e.sentiment.label for e in enricher.enrich_batch(posts, languages)]

    predicted, posts_per_s = _timed(score, _posts([e.text for e in examples]), batch_size)
    gold = [e.label for e in examples]
    by_language: dict[str, list[int]] = defaultdict(list)
    for index, example in enumerate(examples):
        if example.lang is not None:
            by_language[example.lang].append(index)
    return {
        "macro_recall": _pct(macro_recall(gold, predicted)),
        "accuracy": _pct(accuracy(gold, predicted)),
        "posts_per_s": round(posts_per_s, 1),
        "n": len(examples),
        "per_class_recall": _rounded(per_class_recall(gold, predicted)),
        "confusion": confusion(gold, predicted),
        "per_language": {
            lang: {
                "macro_recall": _pct(macro_recall(*_pick(gold, predicted, indices))),
                "accuracy": _pct(accuracy(*_pick(gold, predicted, indices))),
                "n": len(indices),
            }
            for lang, indices in sorted(by_language.items())
        },
        "model_version": enricher.model_version,
    }


def evaluate_language(
    path: Path, *, model: EnrichmentModel | None = None, batch_size: int = BATCH_SIZE
) -> dict[str, Any]:
    """Accuracy (overall, without ``hi``, and ``hi`` alone), per-language accuracy,
    confusion and posts/s of the enricher's language detection on a language file. An
    ``und`` answer counts as wrong."""
    examples = read_language_examples(path)
    enricher = model or Enricher.load()

    def detect(posts: Sequence[Post]) -> list[str]:
        return [code for code, _ in enricher.detect_languages(posts)]

    predicted, posts_per_s = _timed(detect, _posts([e.text for e in examples]), batch_size)
    gold = [e.lang for e in examples]
    others = [i for i, lang in enumerate(gold) if lang != EXCLUDED_LANGUAGE]
    excluded = [i for i, lang in enumerate(gold) if lang == EXCLUDED_LANGUAGE]
    return {
        "accuracy": _pct(accuracy(gold, predicted)),
        "posts_per_s": round(posts_per_s, 1),
        "n": len(examples),
        "accuracy_excluding_hi": (
            _pct(accuracy(*_pick(gold, predicted, others))) if others else None
        ),
        "hi_accuracy": (_pct(accuracy(*_pick(gold, predicted, excluded))) if excluded else None),
        # Per gold language, accuracy is that language's recall.
        "per_language": _rounded(per_class_recall(gold, predicted)),
        "confusion": confusion(gold, predicted),
        "model_version": enricher.model_version,
    }


def evaluate_binary(
    path: Path,
    task: BinaryTask,
    *,
    classifier: BinaryClassifier | None = None,
    model: EnrichmentModel | None = None,
    batch_size: int = BATCH_SIZE,
) -> dict[str, Any]:
    """Macro F1 (both classes), accuracy, per-class F1 and recall, confusion and posts/s of
    a binary classifier on a moderation or complaint file. ``classifier`` defaults to the
    installed model of ``task`` (:func:`load_classifier`); ``model`` (the packaged
    :class:`Enricher` by default) detects the languages the classifier is given, untimed:
    posts/s is the classifier's alone."""
    examples = read_binary_examples(path)
    binary = classifier or load_classifier(task)
    enricher = model or Enricher.load()
    posts = _posts([e.text for e in examples])
    langs = [code for code, _ in _batched(enricher.detect_languages, posts, batch_size)]
    inputs = [
        (model_text(post, MODEL_INPUT_CHARS), lang) for post, lang in zip(posts, langs, strict=True)
    ]

    def predict(batch: Sequence[tuple[str, str]]) -> list[int]:
        texts = [text for text, _ in batch]
        answers = binary.predict_batch(texts, [lang for _, lang in batch])
        if len(answers) != len(batch) or any(a not in (0, 1) for a in answers):
            raise SignalroomError(
                f"the {task} model {binary.model_version} broke its contract: "
                f"it must answer 0 or 1 for each of {len(batch)} texts, and answered "
                f"{len(answers)} values (among them {', '.join(sorted({repr(a) for a in answers})[:5])})"
            )
        return answers

    predicted, posts_per_s = _timed(predict, inputs, batch_size)
    gold: list[int] = [e.label for e in examples]
    return {
        "macro_f1": _pct(macro_f1(gold, predicted, (0, 1))),
        "accuracy": _pct(accuracy(gold, predicted)),
        "posts_per_s": round(posts_per_s, 1),
        "n": len(examples),
        "task": task,
        "per_class_f1": {str(label): _pct(f1(gold, predicted, label)) for label in (0, 1)},
        "per_class_recall": _rounded(per_class_recall(gold, predicted)),
        "confusion": {
            str(g): {str(p): count for p, count in row.items()}
            for g, row in confusion(gold, predicted).items()
        },
        "model_version": binary.model_version,
    }


def _posts(texts: Sequence[str]) -> list[Post]:
    return [
        Post(
            source="eval",
            native_id=str(index),
            url="",
            author=_AUTHOR,
            text=text,
            created_at=0.0,
            received_at=0.0,
        )
        for index, text in enumerate(texts)
    ]


def _timed(
    run: Callable[[Sequence[_In]], list[_Out]], items: Sequence[_In], batch_size: int
) -> tuple[list[_Out], float]:
    """``run`` over ``items`` in batches, and items per second of wall-clock time."""
    if batch_size < 1:
        raise ValueError("batch_size must be at least 1")
    # Untimed warm-up: first calls pay for lazy tables and cold caches, which a running
    # pipeline paid long ago.
    run(items[:batch_size])
    started = time.perf_counter()
    outputs = _batched(run, items, batch_size)
    elapsed = time.perf_counter() - started
    return outputs, len(items) / max(elapsed, 1e-9)


def _batched(
    run: Callable[[Sequence[_In]], list[_Out]], items: Sequence[_In], batch_size: int
) -> list[_Out]:
    outputs: list[_Out] = []
    for start in range(0, len(items), batch_size):
        outputs.extend(run(items[start : start + batch_size]))
    return outputs


def _pick(
    gold: Sequence[_Out], predicted: Sequence[_Out], indices: Sequence[int]
) -> tuple[list[_Out], list[_Out]]:
    return [gold[i] for i in indices], [predicted[i] for i in indices]


def _pct(value: float) -> float:
    return round(value, 2)


def _rounded(values: dict[Any, float]) -> dict[str, float]:
    return {str(key): _pct(value) for key, value in values.items()}
