"""VADER: the sign on clear English, and the shortcut for texts it cannot score gives
exactly what VADER itself gives."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

from signalroom.nlp import VaderSentiment
from signalroom.nlp.vader import clean_for_sentiment
from signalroom.nlp.vader_rules import VaderCompound

REFERENCE = SentimentIntensityAnalyzer()
COMPOUND = VaderCompound(REFERENCE)


@pytest.mark.parametrize(
    "text",
    [
        "I love this phone, the camera is amazing!",
        "Great service today, thank you so much :)",
        "Best decision I made this year 😀",
    ],
)
def test_score_is_positive_on_clearly_positive_english(vader: VaderSentiment, text: str) -> None:
    sentiment = vader.score(text)
    assert sentiment.label == "positive"
    assert sentiment.score > 0.3


@pytest.mark.parametrize(
    "text",
    [
        "This is the worst airline ever, they lost my bag and were rude.",
        "Terrible update, the app crashes constantly. I hate it.",
        "So disappointed and angry right now 😡",
    ],
)
def test_score_is_negative_on_clearly_negative_english(vader: VaderSentiment, text: str) -> None:
    sentiment = vader.score(text)
    assert sentiment.label == "negative"
    assert sentiment.score < -0.3


@pytest.mark.parametrize("text", ["The store opens at nine.", "", "   ", "1234"])
def test_score_is_neutral_on_plain_statements(vader: VaderSentiment, text: str) -> None:
    assert vader.score(text).label == "neutral"


def test_score_ignores_handles_and_links(vader: VaderSentiment) -> None:
    assert vader.score("@happy https://example.com/love the store opens at nine").score == 0.0


def test_score_batch_keeps_order(vader: VaderSentiment) -> None:
    texts = ["I love it", "I hate it", "It is a chair"]
    labels = [s.label for s in vader.score_batch(texts, ["en", "en", "en"])]
    assert labels == ["positive", "negative", "neutral"]


# Words that exercise VADER's rules: lexicon words, boosters, negations, "no", "least",
# "but", "kind of", idioms ("the bomb", "yeah right"), capitals, emoji and emoticons.
VOCABULARY = [
    "good",
    "great",
    "love",
    "happy",
    "bad",
    "hate",
    "awful",
    "sad",
    "ok",
    "okay",
    "lol",
    "funny",
    "dead",
    "kill",
    "rude",
    "very",
    "really",
    "so",
    "kinda",
    "extremely",
    "barely",
    "slightly",
    "hardly",
    "sort",
    "kind",
    "of",
    "just",
    "enough",
    "not",
    "never",
    "isn't",
    "don't",
    "cannot",
    "without",
    "doubt",
    "no",
    "or",
    "nor",
    "least",
    "at",
    "but",
    "this",
    "the",
    "shit",
    "bomb",
    "yeah",
    "right",
    "kiss",
    "death",
    "to",
    "die",
    "for",
    "bus",
    "stop",
    "bad",
    "ass",
    "cut",
    "mustard",
    "GOOD",
    "VERY",
    "NOT",
    "Love",
    "HATE",
    "ez",
    "nem",
    "jó",
    "el",
    "der",
    "😀",
    "💔",
    "☺",
    "😡",
    ":)",
    ":(",
    ":D",
    "<3",
    "!",
    "!!",
    "???",
    "...",
    "#fail",
    "@user",
    "https://x.example/great",
]
WORDS = st.sampled_from(VOCABULARY)
TEXTS = st.one_of(
    st.lists(WORDS, max_size=12).map(" ".join),
    st.lists(st.one_of(WORDS, st.text(max_size=6)), max_size=8).map(" ".join),
    # Glued together, so emoji sit right after words and other emoji.
    st.lists(st.one_of(WORDS, st.sampled_from([" ", "  ", "\t"])), max_size=12).map("".join),
)


@settings(max_examples=300, deadline=None)
@given(text=TEXTS)
def test_score_equals_vader_itself(vader: VaderSentiment, text: str) -> None:
    cleaned = clean_for_sentiment(text)
    assert vader.score(text).score == REFERENCE.polarity_scores(cleaned)["compound"]


@settings(max_examples=1000, deadline=None)
@given(text=st.one_of(TEXTS, st.text()))
def test_vader_compound_equals_the_package_on_raw_text(text: str) -> None:
    assert COMPOUND.compound(text) == REFERENCE.polarity_scores(text)["compound"]
