"""Hashed features: stable across runs and processes, one post's features never depend on
the rest of its batch, and any text gives valid triples."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import replace

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from signalroom.nlp.hashed import (
    ANY_LANGUAGE,
    HashedFeatures,
    HashedFeaturizer,
    Lexicon,
    lexicon_keys,
    token_hashes,
    tokenize,
)

FEATURIZER = HashedFeaturizer(bits=18)


def as_dict(features: HashedFeatures, row: int) -> dict[int, float]:
    """One row of the sparse matrix, duplicates summed."""
    out: dict[int, float] = {}
    for r, c, v in zip(features.rows, features.columns, features.values, strict=True):
        if r == row:
            out[int(c)] = out.get(int(c), 0.0) + float(v)
    return out


def test_featurize_gives_the_same_columns_in_another_process() -> None:
    # The shipped weights are indexed by these hashes: they must not depend on the
    # process (PYTHONHASHSEED) or change silently.
    code = (
        "from signalroom.nlp.hashed import HashedFeaturizer;"
        "f = HashedFeaturizer(bits=18).featurize(['Ez nagyon jó! 😀'], ['hu']);"
        "print(f.columns.tolist())"
    )
    env = {"PYTHONHASHSEED": "123", "PATH": ""}
    other = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env
    )
    here = FEATURIZER.featurize(["Ez nagyon jó! 😀"], ["hu"]).columns.tolist()
    assert other.stdout.strip() == str(here)


def test_featurize_reads_each_text_as_if_it_were_alone() -> None:
    texts = ["I love it", "", "Das ist gut.\x00Wirklich", "😀 http://x.example @who"]
    langs = ["en", "en", "de", "und"]
    batch = FEATURIZER.featurize(texts, langs)
    for i, (text, lang) in enumerate(zip(texts, langs, strict=True)):
        alone = FEATURIZER.featurize([text], [lang])
        assert as_dict(batch, i) == as_dict(alone, 0)


def test_featurize_ties_features_to_the_language() -> None:
    english = set(FEATURIZER.featurize(["great"], ["en"]).columns.tolist())
    german = set(FEATURIZER.featurize(["great"], ["de"]).columns.tolist())
    shared = english & german
    assert shared
    assert english - shared
    assert german - shared


def test_featurize_adds_lexicon_features_for_lexicon_words_only() -> None:
    seed = FEATURIZER.lang_seed("de")
    keys = lexicon_keys(token_hashes(["wunderbar"]), seed)
    emoji = lexicon_keys(token_hashes(["😡"]), FEATURIZER.lang_seed(ANY_LANGUAGE))
    order = np.argsort(np.concatenate([keys, emoji]))
    lexicon = Lexicon(
        keys=np.concatenate([keys, emoji])[order],
        valences=np.array([2.5, -3.0], dtype=np.float32)[order],
    )
    with_lexicon = replace(FEATURIZER, lexicon_weight=1.0, lexicon=lexicon)
    plain = FEATURIZER.featurize(["wunderbar", "nichts", "😡"], ["de", "de", "fr"])
    rich = with_lexicon.featurize(["wunderbar", "nichts", "😡"], ["de", "de", "fr"])
    extra = [len(as_dict(rich, i)) - len(as_dict(plain, i)) for i in range(3)]
    assert extra == [2, 0, 2]  # the shared and the language-tied copy


def test_tokenize_keeps_emoji_and_emoticons_whole() -> None:
    assert tokenize("Soooo GOOD :) 😀 @someone https://x.example") == [
        "soo",
        "good",
        ":)",
        "😀",
        "@user",
        "http",
    ]


def test_config_round_trips() -> None:
    featurizer = HashedFeaturizer(bits=12, char_ns=(3,), lexicon_weight=2.0, neg_window=3)
    assert HashedFeaturizer.from_config(featurizer.config()) == featurizer


@settings(max_examples=200, deadline=None)
@given(texts=st.lists(st.text(max_size=200), max_size=6), lang=st.text(max_size=4))
def test_featurize_gives_valid_triples_for_any_text(texts: list[str], lang: str) -> None:
    features = FEATURIZER.featurize(texts, [lang] * len(texts))
    assert features.rows.shape == features.columns.shape == features.values.shape
    assert ((features.rows >= 0) & (features.rows < max(len(texts), 1))).all()
    assert ((features.columns >= 0) & (features.columns < FEATURIZER.dimension)).all()
    assert np.isfinite(features.values).all()
    assert set(features.rows.tolist()) == set(range(len(texts)))
