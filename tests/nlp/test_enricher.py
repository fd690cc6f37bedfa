"""The enricher on whole posts: order, determinism, batching, and any input at all."""

from __future__ import annotations

import msgspec
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from signalroom.models import Author, Engagement, Enrichment, Post
from signalroom.nlp import (
    ComplaintModel,
    Enricher,
    FastTextLanguageIdentifier,
    LinearSentiment,
    ModerationModel,
)
from signalroom.nlp.enricher import MODEL_INPUT_CHARS
from signalroom.nlp.synthetic import synthetic_posts
from signalroom.nlp.text import model_text


def make_post(text: str, title: str = "", followers: int = 0, lang_hint: str | None = None) -> Post:
    return Post(
        source="test",
        native_id="1",
        url="https://example.com/1",
        author=Author(handle="someone.example", followers=followers),
        text=text,
        created_at=0.0,
        received_at=0.0,
        title=title,
        lang_hint=lang_hint,
    )


def assert_valid(enrichment: Enrichment, enricher: Enricher) -> None:
    assert enrichment.lang == "und" or (
        len(enrichment.lang) == 2 and enrichment.lang.isascii() and enrichment.lang.islower()
    )
    assert 0.0 <= enrichment.lang_confidence <= 1.0
    assert -1.0 <= enrichment.sentiment.score <= 1.0
    assert enrichment.sentiment.label in ("negative", "neutral", "positive")
    assert enrichment.reach >= 0
    assert enrichment.model_version == enricher.model_version
    assert 0.0 <= enrichment.complaint_score <= 1.0
    assert isinstance(enrichment.complaint, bool)
    assert enrichment.moderation.verdict in ("safe", "review", "block")
    assert 0.0 <= enrichment.moderation.score <= 1.0
    assert (enrichment.moderation.verdict == "safe") == (not enrichment.moderation.reasons)
    for value in (*enrichment.hashtags, *enrichment.mentions, *enrichment.links):
        assert value
        value.encode("utf-8")
    # Whatever the enricher derives must reach the store and the wire.
    assert msgspec.json.decode(msgspec.json.encode(enrichment), type=Enrichment) == enrichment


def test_model_version_names_the_models_and_the_rules(
    enricher: Enricher, identifier: FastTextLanguageIdentifier
) -> None:
    assert enricher.model_version == (
        f"{identifier.version}+sent-hash-v1+complaint-hash-v2+moderation-hash-v1+v2"
    )


def test_enrich_batch_reads_language_sentiment_entities_and_reach(enricher: Enricher) -> None:
    post = Post(
        source="test",
        native_id="1",
        url="https://example.com/1",
        author=Author(handle="fan.example", followers=300),
        text="I love the new #Velora ad, well done @velora.bsky.social https://velora.example/ad!",
        created_at=0.0,
        received_at=0.0,
        engagement=Engagement(likes=10, reposts=1),
    )
    [enrichment] = enricher.enrich_batch([post])
    assert enrichment.lang == "en"
    assert enrichment.sentiment.label == "positive"
    assert enrichment.hashtags == ("velora",)
    assert enrichment.mentions == ("velora.bsky.social",)
    assert enrichment.links == ("https://velora.example/ad",)
    assert enrichment.reach == 300 + 50 + 10


def test_enrich_batch_reads_the_title_too(enricher: Enricher) -> None:
    [enrichment] = enricher.enrich_batch(
        [make_post("", title="Der Zug ist heute wieder ausgefallen #Bahn")]
    )
    assert enrichment.lang == "de"
    assert enrichment.hashtags == ("bahn",)


def test_enrich_batch_keeps_order_and_gives_what_single_posts_get(enricher: Enricher) -> None:
    posts = synthetic_posts(200, seed=7)
    batched = enricher.enrich_batch(posts)
    assert len(batched) == len(posts)
    assert batched == [enricher.enrich_batch([post])[0] for post in posts]


def test_enrich_batch_is_deterministic_across_loads(enricher: Enricher) -> None:
    posts = synthetic_posts(300, seed=3)
    assert enricher.enrich_batch(posts) == Enricher.load().enrich_batch(posts)


def test_enrich_batch_uses_languages_already_detected(enricher: Enricher) -> None:
    posts = synthetic_posts(100, seed=5)
    languages = enricher.detect_languages(posts)
    assert enricher.enrich_batch(posts, languages) == enricher.enrich_batch(posts)
    forced = enricher.enrich_batch(posts, [("xx", 0.5)] * len(posts))
    assert {e.lang for e in forced} == {"xx"}


def test_enrich_batch_refuses_languages_that_do_not_match_the_posts(enricher: Enricher) -> None:
    with pytest.raises(ValueError, match="2 languages given for 1 posts"):
        enricher.enrich_batch([make_post("hi")], [("en", 1.0), ("en", 1.0)])


def test_enrich_batch_of_nothing_is_nothing(enricher: Enricher) -> None:
    assert enricher.enrich_batch([]) == []
    assert enricher.detect_languages([]) == []


def test_detect_languages_uses_the_hint_to_break_a_tie(enricher: Enricher) -> None:
    assert enricher.detect_languages([make_post("danke", lang_hint="nl")])[0][0] == "nl"
    assert enricher.detect_languages([make_post("danke")])[0][0] == "de"


def test_synthetic_posts_are_detected_as_the_language_they_were_written_in(
    enricher: Enricher,
) -> None:
    posts = synthetic_posts(400, seed=11)
    detected = [lang for lang, _ in enricher.detect_languages(posts)]
    expected = [("en", "hu", "es", "de")[i % 4] for i in range(len(posts))]
    correct = sum(d == e for d, e in zip(detected, expected, strict=True))
    assert correct / len(posts) > 0.97


HUGE = 100_000
HUGE_TEXTS = [
    "word " * (HUGE // 5),
    "x" * HUGE,
    "#" * HUGE,
    "@" * HUGE,
    "#a" * (HUGE // 2),
    "@a." * (HUGE // 3),
    "https://" + "a" * HUGE,
    "https://example.com/" + ")" * HUGE,
    "#" + "\u0301" * HUGE,
    "😀" * HUGE,
    "\ud800" * HUGE,
    "\x00\n\r\t\x7f\x85\u2028" * (HUGE // 7),
    "nem " * (HUGE // 4),
    "not good but " * (HUGE // 13),
]


@pytest.mark.parametrize("text", HUGE_TEXTS, ids=range(len(HUGE_TEXTS)))
def test_enrich_batch_handles_a_100_kb_post(enricher: Enricher, text: str) -> None:
    [enrichment] = enricher.enrich_batch([make_post(text, title=text[:500])])
    assert_valid(enrichment, enricher)


ANY_CHAR = st.characters(codec=None, categories=None)
NASTY = st.sampled_from(
    [
        "#",
        "@",
        ".",
        "https://",
        "http://x.",
        ")",
        "(",
        "\ud800",
        "\udfff",
        "\x00",
        "\n",
        "\u200d",
        "\ufe0f",
        "\u20e3",
        "😀",
        "💔",
        "é",
        "\u0301",
        "ß",
        "İ",
        "&#39;",
        " but ",
        " not ",
        "!!!",
    ]
)
TEXT = st.lists(st.one_of(st.text(ANY_CHAR, max_size=20), NASTY), max_size=30).map("".join)
POSTS = st.builds(
    make_post,
    text=TEXT,
    title=st.one_of(st.just(""), TEXT),
    followers=st.integers(min_value=-(2**63), max_value=2**63),
    lang_hint=st.one_of(
        st.none(), st.text(ANY_CHAR, max_size=8), st.sampled_from(["en", "hu-HU", "xx"])
    ),
)


@settings(max_examples=300, deadline=None)
@given(posts=st.lists(POSTS, max_size=5))
def test_enrich_batch_gives_a_valid_enrichment_for_any_post(
    enricher: Enricher, posts: list[Post]
) -> None:
    enrichments = enricher.enrich_batch(posts)
    assert len(enrichments) == len(posts)
    for enrichment in enrichments:
        assert_valid(enrichment, enricher)
    assert enricher.enrich_batch(posts) == enrichments


def test_enrich_batch_flags_complaints_and_moderates(enricher: Enricher) -> None:
    complaint, praise, abuse = enricher.enrich_batch(
        [
            make_post("@acme my parcel never arrived and I'm still waiting for a refund, 3 weeks!"),
            make_post("What a lovely sunny morning in the park with my dog"),
            make_post("shut up you stupid fucking idiot"),
        ]
    )
    assert complaint.complaint
    assert complaint.complaint_score > 0.5
    assert not praise.complaint
    assert praise.complaint_score < 0.5
    assert praise.moderation.verdict == "safe"
    assert complaint.moderation.verdict == "safe"
    assert abuse.moderation.verdict == "block"


def test_enrich_batch_scores_what_the_models_alone_score(enricher: Enricher) -> None:
    # The shared featurization must give what each model gives on its own.
    sentiment = LinearSentiment.load()
    complaint = ComplaintModel.load(sentiment=sentiment)
    moderation = ModerationModel.load(sentiment=sentiment)
    posts = synthetic_posts(300, seed=11)
    enrichments = enricher.enrich_batch(posts)
    texts = [model_text(post, MODEL_INPUT_CHARS) for post in posts]
    langs = [e.lang for e in enrichments]
    assert [e.complaint_score for e in enrichments] == list(complaint.probabilities(texts, langs))
    assert [e.moderation for e in enrichments] == moderation.judge(texts, langs)
    assert [e.sentiment for e in enrichments] == sentiment.score_batch(texts, langs)


def test_enricher_gives_keywords_and_fingerprints(enricher: Enricher) -> None:
    copy_text = "Kestrava cancelled my flight to Budapest with two hours notice. No hotel, no food."
    posts = [
        Post(
            source="demo",
            native_id=str(i),
            url="",
            author=Author(handle="someone"),
            text=text,
            created_at=1_750_000_000.0,
            received_at=1_750_000_000.0,
        )
        for i, text in enumerate(
            [copy_text, "RT @x: " + copy_text, "Kestrava ok", "Die Bahn ist wieder zu spät"]
        )
    ]

    enrichments = enricher.enrich_batch(posts)

    assert {"kestrava", "budapest"} <= set(enrichments[0].keywords)
    assert enrichments[0].simhash == enrichments[1].simhash != 0
    assert enrichments[2].simhash == 0
    assert "bahn" in enrichments[3].keywords
    assert "die" not in enrichments[3].keywords
