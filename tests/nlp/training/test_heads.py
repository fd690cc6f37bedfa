"""Training the complaint and moderation models on tiny data sets generated here: the files
load through the run-time modules, hold no training text, and retraining is byte-identical."""

from __future__ import annotations

import importlib.util
import json
import os
import random
from pathlib import Path

import pytest

from signalroom.nlp import ComplaintModel, LinearSentiment, ModerationModel
from signalroom.nlp.training.complaint import train_complaint
from signalroom.nlp.training.moderation import train_moderation

pytestmark = pytest.mark.skipif(
    importlib.util.find_spec("sklearn") is None and not os.environ.get("CI"),
    reason="training needs scikit-learn (the 'train' extra); under CI it must be installed",
)

POSITIVE = ["zorblatted", "grukkish", "refund", "broken"]
NEGATIVE = ["quimble", "tuesday", "window", "garden"]


def write_split(path: Path, seed: int, n: int) -> None:
    rng = random.Random(seed)
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = []
    for i in range(n):
        label = i % 2
        words = [rng.choice(POSITIVE if label else NEGATIVE), f"filler{rng.randrange(40)}"]
        lines.append(json.dumps({"text": " ".join(words), "label": label}))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def write_data(root: Path) -> Path:
    write_split(root / "train.jsonl", 1, 120)
    write_split(root / "val.jsonl", 2, 40)
    return root


def assert_no_training_text(out: Path) -> None:
    for name in ("model.json", "train_metrics.json"):
        text = (out / name).read_text(encoding="utf-8")
        assert "zorblatted" not in text
        assert "quimble" not in text
        assert "filler" not in text


def test_train_complaint_writes_a_loadable_deterministic_model(
    tmp_path: Path, sentiment: LinearSentiment
) -> None:
    data = write_data(tmp_path / "data")
    summary = train_complaint(data, tmp_path / "a", sentiment)
    train_complaint(data, tmp_path / "b", sentiment)
    model = ComplaintModel.load(tmp_path / "a", sentiment)
    assert model.predict_batch(["zorblatted filler3", "quimble filler3"], ["en", "en"]) == [1, 0]
    assert summary["val_macro_f1"] > 90
    assert_no_training_text(tmp_path / "a")
    for name in ("weights.npy", "dense.npy", "model.json"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()


def test_train_moderation_writes_a_loadable_model_with_the_word_lists(
    tmp_path: Path, sentiment: LinearSentiment
) -> None:
    offensive = write_data(tmp_path / "offensive")
    hate = write_data(tmp_path / "hate")
    summary = train_moderation(offensive, hate, tmp_path / "out", sentiment)
    model = ModerationModel.load(tmp_path / "out", sentiment)
    assert model.predict_batch(["zorblatted filler3", "quimble filler3"], ["en", "en"]) == [1, 0]
    assert set(summary["thresholds"]) >= {"review", "block", "hate_block"}
    assert "CC-BY-4.0" in (tmp_path / "out" / "wordlists.json").read_text(encoding="utf-8")
    assert_no_training_text(tmp_path / "out")
