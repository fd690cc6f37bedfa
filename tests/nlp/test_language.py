"""Language identification on sentences written for these tests, the label mapping, the prior
over expected languages, the second opinion, and the rule that lets a source's declared
language break a tie."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from signalroom.errors import SignalroomError
from signalroom.nlp import FastTextLanguageIdentifier, detect_languages
from signalroom.nlp.language import (
    CONFIDENT,
    SECOND_OPINION_WEIGHT,
    NaiveBayesLanguageModel,
    blend,
    choose,
    clean_for_detection,
    hint_code,
    iso639_1,
    prior_weighted,
)

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
    # A word of many languages: none of them reaches 0.2.
    assert detect_languages(["super"]) == [("und", 0.0)]


def test_detect_uses_the_hint_when_it_is_a_close_runner_up(
    identifier: FastTextLanguageIdentifier,
) -> None:
    # "danke" reads as German (about 0.41) with Dutch behind (about 0.15): neither is
    # confident.
    assert identifier.detect("danke")[0] == "de"
    assert identifier.detect("danke", "nl")[0] == "nl"
    assert identifier.detect("danke", "nl-BE")[0] == "nl"


def test_detect_ignores_the_hint_when_detection_is_confident(
    identifier: FastTextLanguageIdentifier,
) -> None:
    code, confidence = identifier.detect(SENTENCES["de"][0], "en")
    assert code == "de"
    assert confidence > 0.9


def test_detect_ignores_a_hint_the_models_do_not_consider(
    identifier: FastTextLanguageIdentifier,
) -> None:
    assert identifier.detect("danke", "hu")[0] == "de"
    assert identifier.detect("danke", "not a language")[0] == "de"


def test_detect_follows_the_expected_languages_when_the_text_is_ambiguous(
    identifier: FastTextLanguageIdentifier,
) -> None:
    # Catalan for "merry Christmas": French by default, where Catalan is not expected.
    assert identifier.detect("Bon Nadal")[0] == "fr"
    catalan = FastTextLanguageIdentifier.load(expected={"ca"})
    assert catalan.expected == frozenset({"ca"})
    assert catalan.detect("Bon Nadal")[0] == "ca"


@pytest.mark.parametrize(
    ("lang", "text"),
    [
        ("de", "Mega geil, danke euch!"),
        ("pt", "Nossa que legal"),
        ("it", "Bellissimo concerto stasera"),
    ],
)
def test_detect_is_sure_of_short_posts_fasttext_alone_is_unsure_of(
    identifier: FastTextLanguageIdentifier, lang: str, text: str
) -> None:
    # fastText gives each of these its right language at 0.33 to 0.41 only; the prior and
    # the naive Bayes model's second opinion agree with it.
    code, confidence = identifier.detect(text)
    assert code == lang
    assert confidence >= CONFIDENT


def test_prior_weighted_boosts_expected_languages_and_sums_labels_of_one_language() -> None:
    scores = prior_weighted(
        [(0.3, "__label__zh"), (0.25, "__label__yue"), (0.3, "__label__ca"), (0.1, "__label__ceb")],
        {"zh"},
    )
    # zh: (0.3 + 0.25) x 3; ca: 0.3; ceb (no ISO 639-1 code) and the 0.05 unseen count only
    # in the total.
    total = 1.65 + 0.3 + 0.1 + 0.05
    assert scores == pytest.approx({"zh": 1.65 / total, "ca": 0.3 / total})
    # Catalan is likelier by fastText's reading, Spanish by the prior's.
    catalan_or_spanish = prior_weighted([(0.5, "__label__ca"), (0.3, "__label__es")], {"es"})
    assert catalan_or_spanish["es"] > catalan_or_spanish["ca"]
    assert prior_weighted([(0.9, "__label__ceb")], {"en"}) == {}
    assert prior_weighted([], {"en"}) == {}


def test_blend_weighs_the_second_opinion_over_the_candidates_only() -> None:
    first = {"de": 0.4, "en": 0.6}
    second = {"de": 0.6, "en": 0.1, "nl": 0.3}
    blended = blend(first, second, {"de", "en"}, set())
    weight = SECOND_OPINION_WEIGHT
    assert blended == pytest.approx(
        {
            "de": (1 - weight) * 0.4 + weight * 0.6 / 0.7,
            "en": (1 - weight) * 0.6 + weight * 0.1 / 0.7,
        }
    )
    assert blend(first, {"nl": 1.0}, {"de", "en"}, set()) == first


def test_choose_breaks_ties_by_code_and_says_und_below_the_minimum() -> None:
    assert choose({"pt": 0.4, "es": 0.4}, None) == ("es", 0.4)
    assert choose({"de": 1.00003}, None) == ("de", 1.0)
    assert choose({"de": 0.45, "nl": 0.15}, "nl-BE") == ("nl", 0.15)
    assert choose({"de": 0.45, "nl": 0.05}, "nl") == ("de", 0.45)
    assert choose({"de": 0.15, "nl": 0.1}, None) == ("und", 0.0)
    assert choose({}, "en") == ("und", 0.0)


def test_naive_bayes_model_gives_probabilities_per_iso_code() -> None:
    model = NaiveBayesLanguageModel()
    probabilities = model.probabilities("القطار إلى المطار ألغي مرة أخرى هذا الصباح")
    assert sum(probabilities.values()) == pytest.approx(1.0, abs=1e-3)
    assert max(probabilities.items(), key=lambda item: item[1])[0] == "ar"
    assert "und" not in model.codes
    assert {"ar", "hu", "en"} <= model.codes


@settings(max_examples=200, deadline=None)
@given(text=st.text(max_size=300), hint=st.none() | st.text(max_size=8))
def test_detect_answers_any_text_with_a_code_and_a_unit_confidence(
    identifier: FastTextLanguageIdentifier, text: str, hint: str | None
) -> None:
    code, confidence = identifier.detect(text, hint)
    assert code == "und" or (len(code) == 2 and code.isascii() and code.islower())
    assert 0.0 <= confidence <= 1.0
    assert (code == "und") == (confidence == 0.0)


def test_iso639_1_maps_fasttext_labels() -> None:
    assert iso639_1("__label__hu") == "hu"
    assert iso639_1("__label__arz") == "ar"
    assert iso639_1("__label__als") == "de"
    assert iso639_1("ary") == "ar"
    assert iso639_1("en") == "en"
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
