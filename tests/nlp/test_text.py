"""Making any string safe and bounded before a model reads it."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from signalroom.models import Author, Post
from signalroom.nlp.text import bound, model_text, one_line, scrub, searchable_text

ANY_TEXT = st.text(st.characters(codec=None, categories=None), max_size=300)


def make_post(text: str, title: str) -> Post:
    return Post("test", "1", "https://example.com/1", Author("a"), text, 0.0, 0.0, title=title)


def test_searchable_text_joins_text_and_title_with_a_newline() -> None:
    assert searchable_text(make_post("body", "Headline")) == "body\nHeadline"
    assert searchable_text(make_post("body", "")) == "body"


def test_model_text_bounds_text_and_title_separately() -> None:
    text = model_text(make_post("word " * 1000, "The headline"), 100)
    assert text.endswith("\nThe headline")
    assert len(text) <= 100 + len("\nThe headline")


def test_bound_cuts_at_a_space_near_the_limit() -> None:
    assert bound("abcdefgh " * 20, 100) == ("abcdefgh " * 11).strip()
    assert bound("alphabetagamma", 5) == "alpha"
    assert bound("short", 100) == "short"


def test_scrub_replaces_lone_surrogates() -> None:
    assert scrub("a\ud800b\udfffc") == "a?b?c"
    assert scrub("emoji 😀 stays") == "emoji 😀 stays"


def test_one_line_collapses_whitespace_and_control_characters() -> None:
    assert one_line(" a\n\tb\x00c\x85d\u2028e  ") == "a b c d e"


@given(text=ANY_TEXT, limit=st.integers(min_value=1, max_value=400))
def test_model_inputs_are_encodable_single_lines_within_bounds(text: str, limit: int) -> None:
    cleaned = one_line(scrub(bound(text, limit)))
    assert len(cleaned) <= limit
    assert "\n" not in cleaned
    assert cleaned == cleaned.strip()
    cleaned.encode("utf-8")
