"""Hashtags, mentions and links, following the tokens of docs/QUERY.md."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from signalroom.nlp import Entities, extract_entities
from signalroom.nlp.entities import MAX_PER_KIND


def test_extract_entities_casefolds_hashtags_and_mentions_without_their_sign() -> None:
    entities = extract_entities("Go #SuperBowl! cc @AcmeBrand and #Straße")
    assert entities.hashtags == ("superbowl", "strasse")
    assert entities.mentions == ("acmebrand",)


def test_extract_entities_keeps_dots_inside_a_handle_but_not_after_it() -> None:
    entities = extract_entities("thanks @Jaguar.bsky.social. and @x.y, also .@brand")
    assert entities.mentions == ("jaguar.bsky.social", "x.y", "brand")


def test_extract_entities_does_not_read_an_email_address_as_a_mention() -> None:
    assert extract_entities("write to help@acme.example today").mentions == ()


def test_extract_entities_does_not_read_a_hashtag_glued_to_a_word_or_an_html_entity() -> None:
    assert extract_entities("C#sharp it&#39;s foo#bar").hashtags == ()


def test_extract_entities_de_duplicates_in_order_of_first_appearance() -> None:
    entities = extract_entities(
        "#b #A #a #B @y @x @Y https://b.example https://a.example https://b.example"
    )
    assert entities == Entities(
        hashtags=("b", "a"),
        mentions=("y", "x"),
        links=("https://b.example", "https://a.example"),
    )


def test_extract_entities_keeps_combining_marks_in_a_hashtag() -> None:
    assert extract_entities("#नमस्ते दुनिया").hashtags == ("नमस्ते",)


def test_extract_entities_normalises_hashtags_to_nfc() -> None:
    assert extract_entities("#cafe\u0301").hashtags == ("caf\u00e9",)


def test_extract_entities_ignores_a_keycap_emoji() -> None:
    assert extract_entities("press #\ufe0f\u20e3 now").hashtags == ()


def test_extract_entities_does_not_read_a_link_fragment_or_path_as_a_hashtag_or_mention() -> None:
    entities = extract_entities("see https://mastodon.example/@jaguar/1#replies now")
    assert entities.hashtags == ()
    assert entities.mentions == ()
    assert entities.links == ("https://mastodon.example/@jaguar/1#replies",)


@pytest.mark.parametrize(
    ("text", "link"),
    [
        ("read https://example.com/a.", "https://example.com/a"),
        ("read https://example.com/a?!", "https://example.com/a"),
        ("(see https://example.com/a)", "https://example.com/a"),
        (
            "see https://en.wikipedia.org/wiki/Jaguar_(car).",
            "https://en.wikipedia.org/wiki/Jaguar_(car)",
        ),
        ('"https://example.com/q?x=1"', "https://example.com/q?x=1"),
        ("truncated https://example.com/long…", "https://example.com/long"),
        ("HTTPS://EXAMPLE.COM/A", "HTTPS://EXAMPLE.COM/A"),
        ("http://example.com/path/", "http://example.com/path/"),
    ],
)
def test_extract_entities_trims_punctuation_that_ends_a_link(text: str, link: str) -> None:
    assert extract_entities(text).links == (link,)


@pytest.mark.parametrize(
    "text", ["https://", "http://...", "ftp://example.com", "www.example.com", "http"]
)
def test_extract_entities_finds_no_link_without_an_http_url(text: str) -> None:
    assert extract_entities(text).links == ()


def test_extract_entities_caps_each_kind() -> None:
    text = " ".join(f"#t{i} @m{i} https://example.com/{i}" for i in range(MAX_PER_KIND * 2))
    entities = extract_entities(text)
    assert len(entities.hashtags) == MAX_PER_KIND
    assert len(entities.mentions) == MAX_PER_KIND
    assert len(entities.links) == MAX_PER_KIND
    assert entities.hashtags[0] == "t0"


def test_extract_entities_replaces_lone_surrogates_in_what_it_returns() -> None:
    entities = extract_entities("https://example.com/\ud800x #ok\udfff")
    assert entities.links == ("https://example.com/?x",)
    assert entities.hashtags == ("ok",)


def test_extract_entities_finds_nothing_in_plain_text() -> None:
    assert extract_entities("just words here") == Entities()


def test_extract_entities_folds_case_like_the_query_language() -> None:
    # Case-folding U+01F0 gives "j" + a combining caron, which NFC composes back.
    assert extract_entities("#\u01f0ump #ΣΊΣΥΦΟΣ").hashtags == ("\u01f0ump", "σίσυφοσ")


@given(text=st.text(st.characters(codec=None, categories=None), max_size=200))
def test_extract_entities_gives_well_formed_entities_for_any_text(text: str) -> None:
    entities = extract_entities(text)
    assert all(
        tag and "#" not in tag and not any(c.isspace() for c in tag) for tag in entities.hashtags
    )
    assert all(m and "@" not in m and not m.endswith(".") for m in entities.mentions)
    assert all(link.lower().startswith(("http://", "https://")) for link in entities.links)
    for value in (*entities.hashtags, *entities.mentions, *entities.links):
        value.encode("utf-8")
    assert extract_entities(text) == entities
