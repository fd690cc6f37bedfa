"""The text model of docs/QUERY.md: normalisation, tokens, hashtags, mentions, positions."""

from __future__ import annotations

import unicodedata

from hypothesis import given
from hypothesis import strategies as st

from signalroom.query import token
from signalroom.query.token import TokenIndex, normalize, scan_query_tokens


def index(text: str) -> TokenIndex:
    return TokenIndex.build(normalize(text))


def test_normalize_casefolds_and_composes() -> None:
    assert normalize("JAGUAR") == "jaguar"
    assert normalize("Straße") == "strasse"
    assert normalize("Jo\u0301") == "jó"  # decomposed accent is composed (NFC)


@given(st.text())
def test_normalize_is_idempotent(text: str) -> None:
    once = normalize(text)
    assert normalize(once) == once
    assert unicodedata.is_normalized("NFC", once)


def test_tokens_are_runs_of_letters_digits_marks_and_underscore() -> None:
    found = index("Car-crash, don't! it’s 4x4_ok 🙂emoji")
    assert found.words == {
        "car": [0],
        "crash": [1],
        "don": [2],
        "t": [3],
        "it": [4],
        "s": [5],
        "4x4_ok": [6],
        "emoji": [7],
    }
    assert found.size == 8


def test_tokens_keep_combining_marks_inside_words() -> None:
    # Devanagari vowel signs are marks (Mc/Mn); \w alone would cut the word apart.
    assert list(index("हिन्दी भाषा").words) == ["हिन्दी", "भाषा"]


def test_hashtag_is_also_a_word_at_the_same_position() -> None:
    found = index("Watch the #SuperBowl tonight")
    assert found.hashtags == {"superbowl": [2]}
    assert found.words["superbowl"] == [2]
    assert found.words["tonight"] == [3]


def test_mention_with_dots_is_one_token_and_its_parts_are_words() -> None:
    found = index("thanks @Jaguar.bsky.social. great")
    assert found.mentions == {"jaguar.bsky.social": [1]}
    assert found.words["jaguar"] == found.words["bsky"] == found.words["social"] == [1]
    assert found.words["great"] == [2]
    assert found.size == 3


def test_plain_mention_and_hash_without_a_token() -> None:
    found = index("@acme # lone @ sign ##double")
    assert found.mentions == {"acme": [0]}
    assert found.hashtags == {"double": [3]}
    assert found.size == 4


def test_dots_do_not_join_plain_words_or_hashtags() -> None:
    found = index("bbc.co.uk #super.bowl")
    assert found.words == {"bbc": [0], "co": [1], "uk": [2], "super": [3], "bowl": [4]}
    assert found.hashtags == {"super": [3]}


def test_scan_query_tokens_keeps_wildcards_inside_tokens() -> None:
    tokens = scan_query_tokens(normalize("jag*-ro?er #super* @jag*.bsky"))
    assert [(t.kind, t.pattern) for t in tokens] == [
        ("word", "jag*"),
        ("word", "ro?er"),
        ("hashtag", "super*"),
        ("mention", "jag*.bsky"),
    ]
    assert [t.start for t in tokens] == [0, 5, 12, 20]


def test_marks_continue_tokens_but_emoji_selectors_are_not_words() -> None:
    # U+FE0F (a mark) after ❤ and the keycap U+20E3 must not become tokens of their own.
    found = index("jaguar ❤\ufe0f ad #\ufe0f\u20e3 \u0301x")
    assert found.words == {"jaguar": [0], "ad": [1], "x": [2]}


@given(st.text(alphabet=st.characters(max_codepoint=127), max_size=60))
def test_ascii_fast_path_tokenizes_like_the_unicode_pattern(text: str) -> None:
    normalized = normalize(text)
    assert token._ASCII_TOKEN.findall(normalized) == token._TEXT_TOKEN.findall(normalized)
