"""SimHash fingerprints: the same in every process, blind to links, mentions, case,
punctuation and a retweet's prefix, close for small edits, far for unrelated texts, none
for short texts; any text gives a signed 64-bit value."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from signalroom.nlp.simhash import (
    MIN_WORDS,
    NO_FINGERPRINT,
    hamming,
    simhash,
    simhashes,
    to_signed,
    to_unsigned,
)

TEXT = (
    "Kestrava cancelled my flight to Budapest with two hours notice. No hotel, no food, no "
    "help at all from the crew."
)


def test_simhash_is_the_same_in_another_process_with_another_hash_seed() -> None:
    code = "from signalroom.nlp.simhash import simhash; import sys; print(simhash(sys.argv[1]))"
    env = {**os.environ, "PYTHONHASHSEED": "12345"}

    out = subprocess.run(
        [sys.executable, "-c", code, TEXT], capture_output=True, text=True, env=env, check=True
    )

    assert int(out.stdout) == simhash(TEXT)


def test_simhash_has_a_fixed_value_for_a_fixed_text() -> None:
    # Stored fingerprints must keep matching new ones: a change here is a breaking change
    # that needs a migration recomputing every stored simhash.
    assert simhash(TEXT) == simhash(TEXT.upper())
    assert simhash("one two three four five six") == simhash("One, two; three: four five six!")
    assert simhash(TEXT) == -8374500925838779608


@pytest.mark.parametrize(
    "copy",
    [
        "RT @someone: " + TEXT,
        TEXT.upper(),
        TEXT + " https://t.co/abc123",
        "@kestrava @airline_watch " + TEXT.replace(",", "").replace(".", "!!!"),
        TEXT.replace("Budapest", "Budapest 😡😡"),
    ],
)
def test_simhash_ignores_links_mentions_case_punctuation_and_retweets(copy: str) -> None:
    assert hamming(simhash(TEXT), simhash(copy)) == 0


def test_simhash_small_edits_are_close_and_unrelated_texts_far() -> None:
    edited = [
        TEXT.replace("at all from the crew.", "at all."),
        TEXT.replace("crew.", "crew today."),
        TEXT.replace("notice.", "notice!! Unbelievable."),
    ]
    unrelated = [
        "Great experience with Zephora today, would happily fly with them again and again",
        "Kestrava lost my bag in Budapest and nobody at the desk would help me at all",
    ]

    assert all(hamming(simhash(TEXT), simhash(text)) <= 7 for text in edited)
    assert all(hamming(simhash(TEXT), simhash(text)) >= 20 for text in unrelated)


def test_simhash_short_texts_have_no_fingerprint() -> None:
    short = " ".join(["word"] * (MIN_WORDS - 1))

    assert simhash(short) == NO_FINGERPRINT
    assert simhash("https://a.example @x @y #tag lol") == NO_FINGERPRINT
    assert simhash(" ".join(f"w{i}" for i in range(MIN_WORDS))) != NO_FINGERPRINT


@pytest.mark.parametrize(
    "text",
    ["", "😀😀😀😀😀😀", "\x00\ud800 \udfff\ufffe", "日本語のテキストです", "a" * 100_000],
)
def test_simhash_never_fails_on_odd_text(text: str) -> None:
    value = simhash(text)

    assert -(1 << 63) <= value < (1 << 63)


def test_simhash_of_100_kb_is_a_fingerprint() -> None:
    text = " ".join(f"word{i % 997}" for i in range(20_000))[:100_000]

    assert simhash(text) != NO_FINGERPRINT


@settings(max_examples=200, deadline=None)
@given(texts=st.lists(st.text(max_size=300), max_size=8))
def test_simhash_batch_equals_one_by_one_and_fits_signed_64_bits(texts: list[str]) -> None:
    batch = simhashes(texts)

    assert batch == [simhash(text) for text in texts]
    assert all(-(1 << 63) <= value < (1 << 63) for value in batch)


@settings(max_examples=200)
@given(a=st.integers(-(1 << 63), (1 << 63) - 1), b=st.integers(-(1 << 63), (1 << 63) - 1))
def test_hamming_reads_signed_and_unsigned_alike(a: int, b: int) -> None:
    assert hamming(a, b) == hamming(to_unsigned(a), to_unsigned(b)) == hamming(b, a)
    assert 0 <= hamming(a, b) <= 64
    assert to_signed(to_unsigned(a)) == a
