"""The shipped sentiment model: it loads from the package, reads obvious phrases right in
each language it was trained on, says little about languages it was not, is deterministic,
and gives a valid answer for any text."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from signalroom.errors import SignalroomError
from signalroom.models import SENTIMENT_LABELS, Sentiment
from signalroom.nlp.linear_sentiment import (
    CONFIG_FILE,
    WEIGHTS_FILE,
    LinearSentiment,
    packaged_model_dir,
)
from signalroom.nlp.sentiment import SentimentModel

# Written for these tests: short, unambiguous posts, none taken from a data set.
OBVIOUS = [
    ("en", "I love this, it's wonderful!", "positive"),
    ("en", "Best day ever, thank you so much!", "positive"),
    ("en", "This is terrible, I hate it.", "negative"),
    ("en", "Worst service ever, never again.", "negative"),
    ("hu", "Ez nagyon jó, imádom!", "positive"),
    ("hu", "Köszönöm, csodálatos nap volt!", "positive"),
    ("hu", "Ez borzalmas, utálom.", "negative"),
    ("hu", "Nagyon rossz élmény volt, soha többé.", "negative"),
    ("es", "Me encanta, es maravilloso!", "positive"),
    ("es", "Qué buen servicio, muchas gracias!", "positive"),
    ("es", "Es horrible, lo odio.", "negative"),
    ("es", "El peor servicio, qué asco.", "negative"),
    ("de", "Das ist wunderbar!", "positive"),
    ("de", "Ich liebe es, einfach großartig!", "positive"),
    ("de", "Das ist schrecklich, ich hasse es.", "negative"),
    ("de", "Der schlechteste Service aller Zeiten.", "negative"),
    ("fr", "C'est magnifique, j'adore !", "positive"),
    ("fr", "Merci beaucoup, super service !", "positive"),
    ("fr", "C'est horrible, je déteste ça.", "negative"),
    ("fr", "Service nul, quelle honte.", "negative"),
    ("it", "È bellissimo, lo adoro!", "positive"),
    ("it", "Grazie mille, servizio fantastico!", "positive"),
    ("it", "Questo film è orribile.", "negative"),
    ("it", "Che schifo, servizio pessimo.", "negative"),
    ("pt", "Adorei, é maravilhoso!", "positive"),
    ("pt", "Muito obrigado, ótimo atendimento!", "positive"),
    ("pt", "Que horror, odeio isso.", "negative"),
    ("pt", "Péssimo serviço, que vergonha.", "negative"),
]


def test_load_reads_the_model_shipped_in_the_package(sentiment: LinearSentiment) -> None:
    where = packaged_model_dir()
    assert (where / CONFIG_FILE).is_file()
    assert (where / WEIGHTS_FILE).is_file()
    assert sentiment.version.startswith("sent-hash-v")
    model: SentimentModel = sentiment
    assert model.score_batch([], []) == []


def test_load_fails_clearly_when_the_model_files_are_missing(tmp_path: Path) -> None:
    with pytest.raises(SignalroomError, match="cannot load the sentiment model"):
        LinearSentiment.load(tmp_path)


@pytest.mark.parametrize(("lang", "text", "label"), OBVIOUS)
def test_score_batch_reads_obvious_phrases_right(
    sentiment: LinearSentiment, lang: str, text: str, label: str
) -> None:
    [result] = sentiment.score_batch([text], [lang])
    assert result.label == label
    assert (result.score > 0) == (label == "positive")


def test_score_batch_is_mostly_neutral_and_unsure_on_unsupported_languages(
    sentiment: LinearSentiment,
) -> None:
    texts = [
        "Сегодня обычный день",
        "今日は普通の日です",
        "Dzisiaj jest zwykły dzień",
        "Idag är en vanlig dag",
    ]
    results = sentiment.score_batch(texts, ["ru", "ja", "pl", "sv"])
    assert [r.label for r in results] == ["neutral"] * len(texts)
    assert all(abs(r.score) < 0.6 for r in results)


def test_probabilities_are_a_distribution_per_text(sentiment: LinearSentiment) -> None:
    texts = [text for _, text, _ in OBVIOUS]
    probabilities = sentiment.probabilities(texts, [lang for lang, _, _ in OBVIOUS])
    assert probabilities.shape == (len(texts), 3)
    assert np.allclose(probabilities.sum(axis=1), 1.0)
    assert (probabilities >= 0).all()


def test_score_batch_is_deterministic_and_independent_of_the_batch(
    sentiment: LinearSentiment,
) -> None:
    texts = [text for _, text, _ in OBVIOUS]
    langs = [lang for lang, _, _ in OBVIOUS]
    batched = sentiment.score_batch(texts, langs)
    assert batched == sentiment.score_batch(texts, langs)
    assert batched == LinearSentiment.load().score_batch(texts, langs)
    assert batched == [
        sentiment.score_batch([t], [lang])[0] for t, lang in zip(texts, langs, strict=True)
    ]


def test_score_batch_refuses_languages_that_do_not_match_the_texts(
    sentiment: LinearSentiment,
) -> None:
    with pytest.raises(ValueError, match="1 languages given for 2 texts"):
        sentiment.score_batch(["a", "b"], ["en"])


@pytest.mark.parametrize(
    "text",
    [
        "",
        " ",
        "\x00\x00",
        "😀" * 5000,
        "🙂🙃😡",
        "a" * 100_000,
        "lol " * 25_000,
        "\ud800 lone surrogate \udfff",
        "&amp;&lt;&gt;" * 1000,
        "http://x.example/" + "y" * 5000,
    ],
)
def test_score_batch_gives_a_valid_result_for_odd_input(
    sentiment: LinearSentiment, text: str
) -> None:
    for lang in ("en", "hu", "und", "", "zz-Latn"):
        [result] = sentiment.score_batch([text], [lang])
        assert_valid(result)


@settings(max_examples=150, deadline=None)
@given(
    texts=st.lists(st.text(max_size=300), min_size=1, max_size=8),
    lang=st.sampled_from(["en", "hu", "de", "und", "xx", "ar", "ja"]) | st.text(max_size=5),
)
def test_score_batch_never_raises_on_any_text(
    sentiment: LinearSentiment, texts: list[str], lang: str
) -> None:
    results = sentiment.score_batch(texts, [lang] * len(texts))
    assert len(results) == len(texts)
    for result in results:
        assert_valid(result)


def assert_valid(result: Sentiment) -> None:
    assert result.label in SENTIMENT_LABELS
    assert -1.0 <= result.score <= 1.0
    assert result.score == result.score


def test_score_batch_of_huge_posts_equals_scoring_them_one_by_one(
    sentiment: LinearSentiment,
) -> None:
    texts = ["Ez borzalmas. " * 600, "I love it! " * 900, "Das ist wunderbar!", "x" * 5000] * 40
    langs = ["hu", "en", "de", "en"] * 40
    batched = sentiment.score_batch(texts, langs)
    assert batched[:4] == [
        sentiment.score_batch([t], [lang])[0] for t, lang in zip(texts[:4], langs[:4], strict=True)
    ]
    assert batched == batched[:4] * 40
