"""Training the sentiment model on a tiny data set generated here: the files load, hold no
training text, and a retrain gives byte-identical files."""

from __future__ import annotations

import importlib.util
import json
import os
import random
from pathlib import Path

import pytest

from signalroom.nlp.hashed import HashedFeaturizer
from signalroom.nlp.linear_sentiment import LinearSentiment
from signalroom.nlp.training import TrainingConfig, train_sentiment

pytestmark = pytest.mark.skipif(
    importlib.util.find_spec("sklearn") is None and not os.environ.get("CI"),
    reason="training needs scikit-learn (the 'train' extra); under CI it must be installed",
)

WORDS = {
    0: ["zorblat", "gruk", "awful", "horrid"],
    1: ["table", "tuesday", "report", "window"],
    2: ["quimble", "lovely", "splendid", "yay"],
}
SMALL = TrainingConfig(featurizer=HashedFeaturizer(bits=16, lexicon_weight=1.0))


def write_split(path: Path, rng: random.Random, n: int, lang: str | None) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = []
    for i in range(n):
        label = i % 3
        words = [rng.choice(WORDS[label]), rng.choice(WORDS[1]), f"filler{rng.randrange(50)}"]
        rng.shuffle(words)
        row: dict[str, object] = {"text": " ".join(words), "label": label}
        if lang:
            row["lang"] = lang
        lines.append(json.dumps(row))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    rng = random.Random(0)
    root = tmp_path / "data"
    write_split(root / "tweeteval_sentiment" / "train.jsonl", rng, 300, None)
    write_split(root / "tweeteval_sentiment" / "val.jsonl", rng, 30, None)
    write_split(root / "xlmt_umsab" / "train.jsonl", rng, 150, "de")
    write_split(root / "husst" / "train.jsonl", rng, 150, "hu")
    return root


def test_train_sentiment_writes_a_model_that_loads_and_has_learned(
    data_dir: Path, tmp_path: Path
) -> None:
    summary = train_sentiment(data_dir, tmp_path / "model", seed=0, config=SMALL)
    assert summary["n_train"] > 0
    assert summary["holdout"]["tweeteval_sentiment"]["macro_recall"] > 80
    model = LinearSentiment.load(tmp_path / "model")
    results = model.score_batch(["so lovely, yay", "gruk awful"], ["en", "en"])
    assert [r.label for r in results] == ["positive", "negative"]


def test_train_sentiment_is_deterministic_and_keeps_no_text(data_dir: Path, tmp_path: Path) -> None:
    first, second = tmp_path / "a", tmp_path / "b"
    train_sentiment(data_dir, first, seed=0, config=SMALL)
    train_sentiment(data_dir, second, seed=0, config=SMALL)
    files = sorted(p.name for p in first.iterdir())
    assert "lexicon_keys.npy" in files
    assert files == sorted(p.name for p in second.iterdir())
    for name in files:
        content = (first / name).read_bytes()
        assert content == (second / name).read_bytes(), name
        for word in ("zorblat", "quimble", "filler"):
            assert word.encode() not in content, (name, word)


def test_train_sentiment_refuses_a_directory_without_training_data(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="no training rows"):
        train_sentiment(tmp_path, tmp_path / "model", config=SMALL)
