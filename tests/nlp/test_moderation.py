"""The packaged moderation model: loads from package resources with its word-list licences,
judges sentences written here in English, Hungarian, Spanish and German, masks matched
words, and gives a valid verdict for any text."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from signalroom.errors import SignalroomError
from signalroom.nlp import LinearSentiment, ModerationModel
from signalroom.nlp.moderation import mask, packaged_model_dir
from signalroom.nlp.normalised import NormalisedBatch

OFFENSIVE = [
    ("shut up you stupid fucking idiot", "en"),
    ("what a worthless piece of shit you are", "en"),
    ("te egy hülye kurva vagy", "hu"),
    ("eres un pendejo de mierda", "es"),
    ("du bist ein verdammtes arschloch", "de"),
]
HARMLESS = [
    ("What a lovely sunny morning in the park with my dog", "en"),
    ("The new library opens on Monday, see you there", "en"),
    ("Ez a kutya nagyon aranyos, szép napot mindenkinek", "hu"),
    ("Qué bonito día en la playa con mis amigos", "es"),
    ("Schönes Wetter heute, wir gehen im Park spazieren", "de"),
]


@pytest.fixture(scope="module")
def model(sentiment: LinearSentiment) -> ModerationModel:
    return ModerationModel.load(sentiment=sentiment)


def test_packaged_model_keeps_the_word_list_licences(model: ModerationModel) -> None:
    where = packaged_model_dir()
    assert model.model_version == "moderation-hash-v1"
    sources = json.loads((where / "wordlists.json").read_text(encoding="utf-8"))["sources"]
    assert "CC-BY-4.0" in sources["ldnoobw"]
    assert "MIT" in sources["cuss"]
    assert "MIT" in sources["betterprof"]
    notice = (where / "NOTICE").read_text(encoding="utf-8")
    assert "CC-BY-4.0" in notice
    assert "Titus Wormer" in notice
    assert "Son Nguyen Thanh" in notice


def test_judge_flags_offensive_and_passes_harmless_sentences(model: ModerationModel) -> None:
    cases = OFFENSIVE + HARMLESS
    verdicts = [m.verdict for m in model.judge([t for t, _ in cases], [lang for _, lang in cases])]
    assert all(v != "safe" for v in verdicts[: len(OFFENSIVE)]), verdicts
    assert verdicts[len(OFFENSIVE) :] == ["safe"] * len(HARMLESS)
    assert verdicts[0] == "block"


def test_judge_gives_masked_reasons(model: ModerationModel) -> None:
    [judged] = model.judge(["shut up you stupid fucking idiot"], ["en"])
    assert judged.reasons
    assert judged.score > 0.9
    assert not any("fucking" in reason for reason in judged.reasons)
    assert any("f*****g" in reason for reason in judged.reasons)


def test_mask_keeps_only_the_first_and_last_letter() -> None:
    assert mask("idiot") == "i***t"
    assert mask("ab") == "a*"
    assert mask("") == "*"


def test_wordlist_hits_never_cross_posts(model: ModerationModel) -> None:
    hits = model.wordlists.hits(NormalisedBatch.of(["you are a piece", "of shit", "lovely"]))
    assert [sorted(h.entry for h in post) for post in hits] == [[], ["shit"], []]


def test_predict_batch_is_one_unless_safe(model: ModerationModel) -> None:
    texts = ["shut up you stupid fucking idiot", "The new library opens on Monday"]
    assert model.predict_batch(texts, ["en", "en"]) == [1, 0]


def test_load_explains_a_missing_model(tmp_path: Path) -> None:
    with pytest.raises(SignalroomError, match="cannot load the moderation model"):
        ModerationModel.load(tmp_path)


@settings(max_examples=60, deadline=None)
@given(
    texts=st.lists(st.text(max_size=300), max_size=6),
    lang=st.sampled_from(["en", "hu", "es", "de", "und", "zz", ""]),
)
def test_judge_is_valid_for_any_text(model: ModerationModel, texts: list[str], lang: str) -> None:
    judged = model.judge(texts, [lang] * len(texts))
    assert len(judged) == len(texts)
    for moderation in judged:
        assert moderation.verdict in ("safe", "review", "block")
        assert 0.0 <= moderation.score <= 1.0
        assert (moderation.verdict == "safe") == (not moderation.reasons)
