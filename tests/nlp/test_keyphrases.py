"""Key phrases: per-language stop words, no hashtags/mentions/links/numbers, brand names
kept, phrases first, at most eight; any text gives a valid, deterministic result."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from signalroom.casefold import fold
from signalroom.nlp.keyphrases import (
    MAX_KEYWORDS,
    KeyphraseExtractor,
    StopWords,
    default_stopwords_dir,
)

MAIN_LANGUAGES = ("en", "hu", "es", "de", "fr", "it", "pt", "ar", "nl", "pl", "tr", "ru")


@pytest.fixture(scope="module")
def extractor() -> KeyphraseExtractor:
    return KeyphraseExtractor.load()


def test_keyphrases_leave_out_entities_numbers_and_stop_words(
    extractor: KeyphraseExtractor,
) -> None:
    keywords = extractor.extract(
        "@kestrava your check-in system has been down for 3 hours… #KestravaDown "
        "https://status.example/kestrava 2024",
        "en",
    )

    assert keywords == ("check-in system", "check-in", "system", "hours")


def test_keyphrases_put_phrases_first_and_keep_at_most_eight(
    extractor: KeyphraseExtractor,
) -> None:
    keywords = extractor.extract(
        "Dirty seats, broken tray table and a rude crew. Never flying Zephora again 😭", "en"
    )

    assert keywords[:3] == ("broken tray table", "dirty seats", "rude crew")
    assert "zephora" in keywords
    assert len(keywords) == MAX_KEYWORDS
    assert all(" " not in keyword for keyword in keywords[3:])


@pytest.mark.parametrize(
    ("text", "lang", "brands"),
    [
        ("Best Buy and Shell raised prices, Microsoft AI in the UK", "en", ("microsoft", "shell")),
        ("Best Buy had the new phone", "en", ("best buy",)),
        ("UPS lost my parcel again", "en", ("ups", "parcel")),
        ("Kestrava hat meinen Flug nach Paris gestrichen", "de", ("kestrava", "paris")),
        ("La app de Zephora no funciona", "es", ("zephora", "app")),
        ("A Bluvane app megint összeomlott", "hu", ("bluvane", "app")),
        ("Озон снова потерял мою посылку", "ru", ("озон", "посылку")),
    ],
)
def test_keyphrases_keep_brand_and_product_names(
    extractor: KeyphraseExtractor, text: str, lang: str, brands: tuple[str, ...]
) -> None:
    keywords = extractor.extract(text, lang)

    assert set(brands) <= set(keywords), keywords


def test_keyphrases_read_stop_words_of_the_post_language(extractor: KeyphraseExtractor) -> None:
    german = extractor.extract("Die Bahn ist wieder zu spät", "de")
    english = extractor.extract("Batteries die fast in the cold", "en")

    assert "die" not in german
    assert "bahn" in german
    assert "die" in english


def test_keyphrases_use_the_core_list_for_undetermined_languages(
    extractor: KeyphraseExtractor,
) -> None:
    keywords = extractor.extract("the app und la app y el Kestrava", "und")

    assert set(keywords) == {"app", "kestrava"}


def test_keyphrases_drop_possessives_elided_articles_and_laughter(
    extractor: KeyphraseExtractor,
) -> None:
    english = extractor.extract("Kestrava's lounge hahahaha lol zzzz", "en")
    french = extractor.extract("J'adore l'avion de Zephora", "fr")

    assert english == ("kestrava lounge", "kestrava", "lounge")
    assert {"avion", "adore", "zephora"} <= set(french)
    assert not any("'" in keyword for keyword in french)


def test_keyphrases_are_case_folded(extractor: KeyphraseExtractor) -> None:
    keywords = extractor.extract("STRASSE Straße ÖTLETES Reklám", "und")

    assert all(keyword == fold(keyword) for keyword in keywords)
    assert "strasse" in keywords


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   \n\t ",
        "😀😀😀 🎉",
        "#only #hashtags @and @mentions https://links.example/x",
        "123 456,7 8.9 %",
        "\x00\x01\x02\ud800\udfff\ufffe",
        "日本語のテキスト와 한국어 текст and English mixed العربية",
    ],
)
def test_keyphrases_never_fail_on_odd_text(extractor: KeyphraseExtractor, text: str) -> None:
    keywords = extractor.extract(text, "und")

    assert isinstance(keywords, tuple)
    assert all(isinstance(k, str) and k.strip() == k and k for k in keywords)


def test_keyphrases_bound_the_work_on_100_kb(extractor: KeyphraseExtractor) -> None:
    text = ("Kestrava refund delay " * 5000)[:100_000]

    keywords = extractor.extract(text, "en")

    assert keywords[0] == "kestrava refund delay"
    assert {"kestrava", "refund", "delay"} <= set(keywords)


@settings(max_examples=300, deadline=None)
@given(
    text=st.text(max_size=400),
    lang=st.sampled_from([*MAIN_LANGUAGES, "und", "zz", ""]),
)
def test_keyphrases_any_text_gives_valid_deterministic_keywords(
    extractor: KeyphraseExtractor, text: str, lang: str
) -> None:
    keywords = extractor.extract(text, lang)

    assert len(keywords) <= MAX_KEYWORDS
    assert len(set(keywords)) == len(keywords)
    for keyword in keywords:
        assert keyword
        assert keyword == keyword.strip()
        assert len(keyword.split(" ")) <= 3
        assert not keyword.startswith(("#", "@"))
        assert "://" not in keyword
    assert KeyphraseExtractor.load().extract(text, lang) == keywords


def test_keyphrases_batch_matches_one_by_one(extractor: KeyphraseExtractor) -> None:
    texts = ["Kestrava lounge is great", "Die Bahn ist spät", "😀"]
    langs = ["en", "de", "und"]

    assert extractor.extract_batch(texts, langs) == [
        extractor.extract(text, lang) for text, lang in zip(texts, langs, strict=True)
    ]
    with pytest.raises(ValueError, match="languages"):
        extractor.extract_batch(texts, langs[:1])


def test_stopwords_cover_the_main_languages_and_ship_a_notice() -> None:
    stop_words = StopWords.load()

    for lang in MAIN_LANGUAGES:
        assert len(stop_words.of(lang)) >= 100, lang
        assert {"rt", "via"} <= stop_words.of(lang)
    assert stop_words.of("und") == stop_words.core == stop_words.of("xx")
    assert {"the", "und", "la", "в"} <= stop_words.core
    notice = (default_stopwords_dir() / "NOTICE").read_text(encoding="utf-8")
    assert "stop-words 2025.11.4" in notice
    assert "BSD" in notice


def test_stopwords_build_script_reproduces_the_packaged_lists() -> None:
    stop_words = pytest.importorskip("stop_words")
    script = Path(__file__).resolve().parents[2] / "scripts" / "build_stopwords.py"
    spec = importlib.util.spec_from_file_location("build_stopwords", script)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)

    built = module.build(stop_words)

    packaged = json.loads((default_stopwords_dir() / "stopwords.json").read_text(encoding="utf-8"))
    assert built == packaged


def test_keyphrases_memo_stays_bounded_and_changes_nothing() -> None:
    extractor = KeyphraseExtractor.load()
    text = "Kestrava lounge in Copenhagen is open, Zephora lounge is not"
    before = extractor.extract(text, "en")

    for start in range(0, 60_000, 500):
        extractor.extract(" ".join(f"w{n}x" for n in range(start, start + 500)), "en")

    assert extractor.extract(text, "en") == before
    assert sum(len(memo) for memo in extractor._memo.values()) <= 50_000 + 500
