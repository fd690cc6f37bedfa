"""The packaged complaint model: loads from package resources, tells sentences written here
apart in English, Hungarian, Spanish and German, and answers for any text."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from signalroom.errors import SignalroomError
from signalroom.nlp import ComplaintModel, LinearSentiment
from signalroom.nlp.complaint import (
    DENSE_COLUMNS,
    CueFeatures,
    complaint_dense,
    packaged_model_dir,
)
from signalroom.nlp.normalised import NormalisedBatch

COMPLAINTS = [
    ("@acme my order never arrived and I'm still waiting for a refund, 3 weeks now", "en"),
    ("@fastnet internet has been down since Monday and nobody answers the phone", "en"),
    ("you charged my card twice and customer service keeps putting me on hold", "en"),
    ("@telco A csomagom még mindig nem érkezett meg, harmadik hete várok a pénzemre", "hu"),
    ("@tienda Mi pedido no ha llegado y nadie responde, quiero mi reembolso", "es"),
    ("@bahn Der Zug ist schon wieder verspätet und keine Antwort vom Kundenservice", "de"),
]
NOT_COMPLAINTS = [
    ("What a lovely sunny morning in the park with my dog", "en"),
    ("Congratulations to the team on a brilliant season!", "en"),
    ("Reading a great book about the history of Rome tonight", "en"),
    ("Ez a kutya nagyon aranyos, szép napot mindenkinek", "hu"),
    ("Qué bonito día en la playa con mis amigos", "es"),
    ("Schönes Wetter heute, wir gehen im Park spazieren", "de"),
]


@pytest.fixture(scope="module")
def model(sentiment: LinearSentiment) -> ComplaintModel:
    return ComplaintModel.load(sentiment=sentiment)


def test_packaged_model_loads_from_package_resources(model: ComplaintModel) -> None:
    assert (packaged_model_dir() / "model.json").is_file()
    assert model.model_version == "complaint-hash-v2"
    assert 0.0 < model.threshold < 1.0


def test_predict_batch_flags_complaints_in_four_languages(model: ComplaintModel) -> None:
    texts = [text for text, _ in COMPLAINTS + NOT_COMPLAINTS]
    langs = [lang for _, lang in COMPLAINTS + NOT_COMPLAINTS]
    assert model.predict_batch(texts, langs) == [1] * len(COMPLAINTS) + [0] * len(NOT_COMPLAINTS)


def test_probabilities_are_the_same_alone_and_in_a_batch(model: ComplaintModel) -> None:
    texts = [text for text, _ in COMPLAINTS]
    langs = [lang for _, lang in COMPLAINTS]
    together = model.probabilities(texts, langs)
    alone = [model.probabilities([t], [lang])[0] for t, lang in zip(texts, langs, strict=True)]
    assert list(together) == alone


def test_complaint_dense_log_odds_are_finite_and_follow_the_sentiment() -> None:
    batch = NormalisedBatch.of(["@acme still waiting", "lovely day"])
    sentiment = np.array([[1.0, 0.0, 0.0], [0.1, 0.2, 0.7]])
    dense = complaint_dense(CueFeatures(), batch, ["en", "en"], sentiment)
    assert dense.shape == (2, len(DENSE_COLUMNS))
    assert np.isfinite(dense).all()
    neg_pos = DENSE_COLUMNS.index("sent:log_neg_pos")
    assert dense[0, neg_pos] > 0 > dense[1, neg_pos]


def test_predict_batch_of_nothing_is_nothing(model: ComplaintModel) -> None:
    assert model.predict_batch([], []) == []
    assert model.probabilities([], []).shape == (0,)


def test_load_explains_a_missing_model(tmp_path: Path) -> None:
    with pytest.raises(SignalroomError, match="cannot load the complaint model"):
        ComplaintModel.load(tmp_path)


@settings(max_examples=60, deadline=None)
@given(
    texts=st.lists(st.text(max_size=300), max_size=6),
    lang=st.sampled_from(["en", "hu", "es", "de", "und", "zz", ""]),
)
def test_probabilities_are_valid_for_any_text(
    model: ComplaintModel, texts: list[str], lang: str
) -> None:
    probabilities = model.probabilities(texts, [lang] * len(texts))
    assert probabilities.shape == (len(texts),)
    assert all(0.0 <= p <= 1.0 for p in probabilities)
