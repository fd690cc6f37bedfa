"""Language identification on sentences written for these tests, the label mapping, and the
rule that lets a source's declared language break a tie."""

from __future__ import annotations

from pathlib import Path

import pytest

from signalroom.errors import SignalroomError
from signalroom.nlp import FastTextLanguageIdentifier, detect_languages
from signalroom.nlp.language import clean_for_detection, hint_code, iso639_1

SENTENCES = {
    "en": (
        "The train to the airport was cancelled again this morning.",
        "I really like the new coffee shop on the corner.",
        "Can somebody tell me when the store opens tomorrow?",
    ),
    "hu": (
        "A vonat ma reggel megint késett a reptérre.",
        "Nagyon tetszik az új kávézó a sarkon.",
        "Meg tudná mondani valaki, mikor nyit holnap a bolt?",
    ),
    "es": (
        "El tren al aeropuerto se canceló otra vez esta mañana.",
        "Me gusta mucho la nueva cafetería de la esquina.",
        "¿Alguien me puede decir cuándo abre la tienda mañana?",
    ),
    "de": (
        "Der Zug zum Flughafen ist heute Morgen wieder ausgefallen.",
        "Das neue Café an der Ecke gefällt mir sehr gut.",
        "Kann mir jemand sagen, wann der Laden morgen öffnet?",
    ),
    "fr": (
        "Le train pour l'aéroport a encore été annulé ce matin.",
        "J'aime beaucoup le nouveau café au coin de la rue.",
        "Quelqu'un peut me dire quand le magasin ouvre demain ?",
    ),
}
CASES = [(lang, text) for lang, texts in SENTENCES.items() for text in texts]


@pytest.mark.parametrize(("lang", "text"), CASES)
def test_detect_languages_names_the_language_of_a_short_sentence(lang: str, text: str) -> None:
    [(code, confidence)] = detect_languages([text])
    assert code == lang
    assert confidence > 0.9


@pytest.mark.parametrize(("lang", "text"), CASES)
def test_detect_languages_ignores_handles_links_hashtags_and_shouting(lang: str, text: str) -> None:
    noisy = f"@someone.bsky.social {text.upper()} #Breaking https://example.com/a/b?c=d"
    [(code, _)] = detect_languages([noisy])
    assert code == lang


def test_detect_languages_keeps_the_order_of_a_batch() -> None:
    texts = [text for _, text in CASES]
    assert [code for code, _ in detect_languages(texts)] == [lang for lang, _ in CASES]


@pytest.mark.parametrize(
    "text",
    ["", "   ", "😀😂🔥", "12345 678", "https://example.com/only/a/link", "@a @b.c #", "\n\t\x00"],
)
def test_detect_languages_is_undetermined_when_no_words_are_left(text: str) -> None:
    assert detect_languages([text]) == [("und", 0.0)]


def test_detect_languages_is_undetermined_when_the_model_is_unsure() -> None:
    # A lone greeting the model has no n-grams for: its answer is its prior, about 0.12.
    assert detect_languages(["hola"]) == [("und", 0.0)]


def test_detect_uses_the_hint_when_it_is_a_close_runner_up(
    identifier: FastTextLanguageIdentifier,
) -> None:
    # "danke" reads as German (about 0.49) with Dutch close behind (about 0.29).
    assert identifier.detect("danke")[0] == "de"
    assert identifier.detect("danke", "nl")[0] == "nl"
    assert identifier.detect("danke", "nl-BE")[0] == "nl"


def test_detect_ignores_the_hint_when_detection_is_confident(
    identifier: FastTextLanguageIdentifier,
) -> None:
    code, confidence = identifier.detect(SENTENCES["de"][0], "en")
    assert code == "de"
    assert confidence > 0.9


def test_detect_ignores_a_hint_the_model_does_not_consider(
    identifier: FastTextLanguageIdentifier,
) -> None:
    assert identifier.detect("danke", "hu")[0] == "de"
    assert identifier.detect("danke", "not a language")[0] == "de"


def test_decide_sums_labels_of_one_language_and_breaks_ties_by_code() -> None:
    decide = FastTextLanguageIdentifier.decide
    assert decide([(0.3, "__label__zh"), (0.25, "__label__yue"), (0.3, "__label__ja")], None) == (
        "zh",
        0.55,
    )
    assert decide([(0.4, "__label__es"), (0.4, "__label__pt")], None) == ("es", 0.4)
    assert decide([(0.9, "__label__ceb")], None) == ("und", 0.0)
    assert decide([(1.00003, "__label__de")], None) == ("de", 1.0)
    assert decide([], "en") == ("und", 0.0)


def test_iso639_1_maps_fasttext_labels() -> None:
    assert iso639_1("__label__hu") == "hu"
    assert iso639_1("__label__arz") == "ar"
    assert iso639_1("__label__als") == "de"
    assert iso639_1("__label__jbo") == "und"


def test_hint_code_takes_the_primary_subtag_of_a_declared_language() -> None:
    assert hint_code("pt-BR") == "pt"
    assert hint_code("EN_us") == "en"
    assert hint_code("hu") == "hu"
    assert hint_code("fil") is None
    assert hint_code("") is None
    assert hint_code(None) is None
    assert hint_code("é1") is None


def test_clean_for_detection_leaves_one_lower_case_line_of_words() -> None:
    text = "RT @Jaguar.bsky.social:\nWOW #SuperBowl\x00 ad https://t.co/xyz!"
    assert clean_for_detection(text) == "rt : wow superbowl ad"


def test_clean_for_detection_bounds_a_huge_text() -> None:
    assert len(clean_for_detection("szia " * 50_000)) <= 1000


def test_identifier_says_what_to_do_when_the_model_file_is_missing(tmp_path: Path) -> None:
    with pytest.raises(SignalroomError, match=r"cannot be opened.*reinstall"):
        FastTextLanguageIdentifier(tmp_path / "lid.176.ftz")


def test_identifier_says_what_to_do_when_the_model_file_is_broken(tmp_path: Path) -> None:
    broken = tmp_path / "lid.176.ftz"
    broken.write_bytes(b"not a model")
    with pytest.raises(SignalroomError, match=r"wrong file format.*reinstall"):
        FastTextLanguageIdentifier(broken)
