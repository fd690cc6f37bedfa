"""The matcher against docs/QUERY.md: every documented example plus the edges around them."""

from __future__ import annotations

import itertools
from fnmatch import fnmatchcase

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from signalroom.query import MatchDoc, compile_query, parse_query


def matches(query: str, text: str = "", **fields: str) -> bool:
    return compile_query(parse_query(query)).matches(MatchDoc.build(text=text, **fields))


@pytest.mark.parametrize(
    ("query", "text", "expected"),
    [
        # Words: case-insensitive, whole tokens, diacritic-sensitive, NFC.
        ("jaguar", "A JAGUAR!", True),
        ("jaguar", "jaguars everywhere", False),
        ("jó", "Ez JÓ.", True),
        ("jó", "ez jo", False),
        ("jo", "ez jó", False),
        ("jó", "ez jo\u0301", True),
        ("straße", "STRASSE", True),
        ("4x4", "a 4x4 car", True),
        ("snake_case", "snake_case ok", True),
        # Phrases and bare multi-token terms.
        ('"super bowl"', "The Super Bowl ad", True),
        ('"super bowl"', "super, bowl", True),
        ('"super bowl"', "bowl super", False),
        ('"super bowl"', "super great bowl", False),
        ("car-crash", "a car crash", True),
        ("car-crash", "CAR/CRASH", True),
        ("car-crash", "car and crash", False),
        ("don't", "I don’t know", True),
        ("don't", "don t", True),
        ("don't", "don", False),
        # Wildcards: within one token only.
        ("jag*", "Jaguar", True),
        ("jag*", "jag", True),
        ("jag*", "ajaguar", False),
        ("colo?r", "colour", True),
        ("colo?r", "color", False),
        ("co*u?f*", "colourful", True),
        ("superb*l", "superbowl", True),
        ("superb*l", "superb owl", False),
        ("ja*r", "ja-guar", False),
        ('"jag* rover"', "Jaguar Rover", True),
        ('"jag* rover"', "Jaguar Land Rover", False),
        ("complaint*", "so many complaints", True),
        # Hashtags and mentions.
        ("#superbowl", "#SuperBowl", True),
        ("#superbowl", "superbowl", False),
        ("superbowl", "#SuperBowl", True),
        ("#super*", "#SuperBowlLVIII", True),
        ("#super*", "superbowl", False),
        ("@jaguar", "hi @Jaguar", True),
        ("@jaguar", "hi jaguar", False),
        ("@jaguar", "hi #jaguar", False),
        ("jaguar", "hi @Jaguar", True),
        ("@jaguar.bsky.social", "thanks @jaguar.bsky.social!", True),
        ("@jaguar.bsky.social", "thanks @jaguar", False),
        ("@jaguar", "thanks @jaguar.bsky.social", False),
        ("@jaguar*", "thanks @jaguar.bsky.social", True),
        ("jaguar", "thanks @jaguar.bsky.social", True),
        ("bsky", "thanks @jaguar.bsky.social", True),
        ("jaguar.bsky.social", "see jaguar.bsky.social", True),
        ("#super-bowl", "#super bowl", True),
        ("#super-bowl", "super bowl", False),
        # Boolean operators.
        ("jaguar AND ad", "jaguar ad", True),
        ("jaguar AND ad", "jaguar", False),
        ("jaguar ad", "ad for a jaguar", True),
        ("jaguar OR ad", "an ad", True),
        ("jaguar NOT zoo", "jaguar at the zoo", False),
        ("jaguar AND NOT zoo", "jaguar on the road", True),
        ("a OR b c", "a", True),
        ("a OR b c", "b", False),
        ("a OR b c", "c b", True),
        ("NOT a b", "b", True),
        ("NOT a b", "a b", False),
        ("jaguar and ad", "jaguar ad", False),
        ("jaguar and ad", "jaguar and ad", True),
        ("cats or dogs", "cats", False),
        ("NOT NOT jaguar", "jaguar", True),
        # NEAR: distance s2 - e1, either order; f keeps the order.
        ("jaguar NEAR/2 ad", "jaguar super ad", True),
        ("jaguar NEAR/2 ad", "jaguar is a great ad", False),
        ("jaguar NEAR/2 ad", "ad super jaguar", True),
        ("jaguar NEAR/1 ad", "jaguar ad", True),
        ("jaguar NEAR/0 ad", "jaguar ad", False),
        ("jaguar NEAR/2f ad", "jaguar super ad", True),
        ("jaguar NEAR/2f ad", "ad super jaguar", False),
        ("jaguar NEAR/2f ad", "ad super jaguar x ad", True),
        ('"super bowl" NEAR/1 ad', "super bowl ad", True),
        ('"super bowl" NEAR/1 ad', "ad super bowl", True),
        ('"super bowl" NEAR/1 ad', "super bowl great ad", False),
        ('"super bowl" NEAR/3 bowl', "super bowl", False),
        ('"super bowl" NEAR/3 bowl', "super bowl and bowl", True),
        ("jaguar NEAR/3 jaguar", "jaguar", False),
        ("jaguar NEAR/3 jaguar", "jaguar x jaguar", True),
        ("superbowl NEAR/1 #superbowl", "#superbowl", False),
        (
            '(#superbowl OR "super bowl") NEAR/10 (ad OR advert OR commercial)',
            "Best commercial of the whole #SuperBowl",
            True,
        ),
        (
            '(#superbowl OR "super bowl") NEAR/10 (ad OR advert OR commercial)',
            "the super bowl was great",
            False,
        ),
        (
            '(#superbowl OR "super bowl") NEAR/3 (ad OR commercial)',
            "super bowl one two three four ad",
            False,
        ),
        # "phrase"~k: any order, distinct positions, span <= n - 1 + k.
        ('"jaguar ad"~5', "ad: we love the new jaguar", True),
        ('"jaguar ad"~1', "ad for the jaguar", False),
        ('"jaguar ad"~1', "ad the jaguar", True),
        ('"jaguar ad"~0', "ad jaguar", True),
        ('"jaguar ad"', "ad jaguar", False),
        ('"very very"~1', "very good", False),
        ('"very very"~1', "very good very", True),
        ('"a b c"~1', "c x a b", True),
        ('"a b c"~1', "c x y a b", False),
        ('"jag* ro*"~2', "Rover by Jaguar", True),
        # Field-free examples of the doc.
        (
            '(jaguar OR "jaguar land rover" OR #jaguar) NOT (animal OR zoo OR "big cat")',
            "New Jaguar Land Rover plant",
            True,
        ),
        (
            '(jaguar OR "jaguar land rover" OR #jaguar) NOT (animal OR zoo OR "big cat")',
            "the jaguar is a big cat",
            False,
        ),
    ],
)
def test_compiled_query_matches_text(query: str, text: str, expected: bool) -> None:
    assert matches(query, text) is expected


def test_compiled_query_matches_the_doc_examples_with_fields() -> None:
    bank = '@acmebank AND (refund OR "charged twice" OR complaint*) AND lang:en'
    assert matches(bank, "@AcmeBank I was charged twice!", lang="en")
    assert not matches(bank, "@AcmeBank I was charged twice!", lang="hu")
    assert not matches(bank, "acmebank charged twice", lang="en")
    assert matches(
        "acme* AND site:reuters.com", "Acme Corp results", url="https://www.reuters.com/x"
    )
    assert not matches("acme* AND site:reuters.com", "Acme Corp results", url="https://bbc.com/x")
    hu = "(jaguar OR #jaguar) AND lang:hu NOT site:spam.example"
    assert matches(hu, "#jaguar", lang="hu", url="https://ok.example/1")
    assert not matches(hu, "#jaguar", lang="hu", url="http://a.spam.example/1")


@pytest.mark.parametrize(
    ("query", "author", "expected"),
    [
        ("author:acmebank", "AcmeBank", True),
        ("author:acmebank", "@acmebank", True),
        ("author:@acmebank", "acmebank", True),
        ("author:acmebank", "acmebank2", False),
        ("author:acme*", "acmebank.bsky.social", True),
        ("author:acme*.social", "acmebank.bsky.social", True),
        ("author:ac?e", "acme", True),
        ("author:ac?e", "ace", False),
        ("author:acme*", "", False),
    ],
)
def test_author_field_is_the_whole_handle(query: str, author: str, expected: bool) -> None:
    assert matches(f"x OR {query}", "", author=author) is expected


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://bbc.co.uk/news", True),
        ("https://www.bbc.co.uk/news", True),
        ("http://news.BBC.co.uk./x", True),
        ("https://user@bbc.co.uk:8443/x", True),
        ("https://notbbc.co.uk/news", False),
        ("https://bbc.co.uk.evil.example/", False),
        ("bbc.co.uk/news", False),
        ("", False),
        ("http://[::1", False),
    ],
)
def test_site_field_matches_the_host_and_its_subdomains(url: str, expected: bool) -> None:
    assert matches("x OR site:bbc.co.uk", "", url=url) is expected


@pytest.mark.parametrize(
    ("site", "expected"),
    [
        ("bbc.co.uk", True),
        ("News.BBC.co.uk.", True),
        ("https://www.bbc.co.uk/", True),
        ("notbbc.co.uk", False),
        ("bbc.co.uk/news", False),  # not a bare host
        ("", False),
    ],
)
def test_site_field_also_matches_the_publisher_of_a_redirect_link(
    site: str, expected: bool
) -> None:
    redirect = "https://news.google.com/rss/articles/CBMiXmh0dHBz?oc=5"
    assert matches("x OR site:bbc.co.uk", "", url=redirect, site=site) is expected
    assert matches("x OR site:news.google.com", "", url=redirect, site=site)


def test_lang_and_source_fields_compare_codes() -> None:
    assert matches("x OR lang:hu", lang="hu")
    assert matches("x OR lang:hu", lang="HU")
    assert matches("x OR lang:pt", lang="pt-BR")
    assert not matches("x OR lang:hu", lang="")
    assert matches("x OR source:bluesky", source="bluesky")
    assert not matches("x OR source:bluesky", source="mastodon")


def test_title_field_matches_within_the_title_alone() -> None:
    assert matches("title:jaguar", "", title="New Jaguar")
    assert not matches("title:jaguar", "jaguar", title="news")
    assert matches('title:"big cat"~1', "", title="A cat, big")
    assert matches("title:#ad", "", title="#ad here")
    assert not matches("title:jaguar", "jaguar")


def test_search_text_is_text_then_title() -> None:
    assert matches("jaguar", "nothing here", title="Jaguar news")
    assert matches("here NEAR/1 jaguar", "nothing here", title="Jaguar news")
    assert not matches("jaguar NEAR/1 here", "jaguar", title="")


def test_match_doc_tokenizes_once_and_compares_by_fields() -> None:
    doc = MatchDoc.build(text="Jaguar ad", lang="en")
    assert doc.index is doc.index
    assert doc == MatchDoc.build(text="Jaguar ad", lang="en")
    assert doc.search_text == "jaguar ad"


def test_long_slop_phrase_does_not_exhaust_the_stack() -> None:
    words = " ".join(["a"] * 1500)
    assert matches(f'"{words}"~2', words)
    assert not matches(f'"{words} b"~2', words)


# Oracles: brute force straight from the definitions in docs/QUERY.md.

_VOCAB = st.lists(st.sampled_from("abcd"), max_size=12)


def _positions(tokens: list[str], pattern: str) -> list[int]:
    return [i for i, token in enumerate(tokens) if fnmatchcase(token, pattern)]


def _loose_spans(tokens: list[str], words: list[str], slop: int) -> set[tuple[int, int]]:
    spans = set()
    for chosen in itertools.product(*(_positions(tokens, w) for w in words)):
        if len(set(chosen)) == len(chosen) and max(chosen) - min(chosen) <= len(words) - 1 + slop:
            spans.add((min(chosen), max(chosen)))
    return spans


def _near(
    left: set[tuple[int, int]], right: set[tuple[int, int]], distance: int, ordered: bool
) -> bool:
    for s1, e1 in left:
        for s2, e2 in right:
            if e1 < s2 and s2 - e1 <= distance:
                return True
            if not ordered and e2 < s1 and s1 - e2 <= distance:
                return True
    return False


@settings(max_examples=200)
@given(_VOCAB, st.lists(st.sampled_from("abc"), min_size=1, max_size=3), st.integers(0, 3))
def test_slop_phrase_agrees_with_brute_force(
    tokens: list[str], words: list[str], slop: int
) -> None:
    query = f'"{" ".join(words)}"~{slop}' if len(words) > 1 else words[0]
    expected = bool(_loose_spans(tokens, words, slop))
    assert matches(query, " ".join(tokens)) is expected


@settings(max_examples=300)
@given(
    st.lists(st.sampled_from(["ab", "abc", "abd", "x"]), max_size=10),
    st.lists(st.sampled_from(["ab*", "abc", "ab?", "x"]), min_size=2, max_size=4),
    st.integers(0, 3),
    st.sampled_from(["x", "ab?"]),
    st.integers(1, 3),
    st.booleans(),
)
def test_wildcard_slop_phrase_near_agrees_with_brute_force(
    tokens: list[str], words: list[str], slop: int, other: str, distance: int, ordered: bool
) -> None:
    text = " ".join(tokens)
    phrase = f'"{" ".join(words)}"~{slop}'
    left = _loose_spans(tokens, words, slop)
    assert matches(phrase, text) is bool(left)
    right = {(p, p) for p in _positions(tokens, other)}
    query = f"{phrase} NEAR/{distance}{'f' if ordered else ''} {other}"
    assert matches(query, text) is _near(left, right, distance, ordered)


@settings(max_examples=300)
@given(
    _VOCAB,
    st.lists(st.sampled_from("abc"), min_size=1, max_size=2),
    st.sampled_from(["", "~0", "~2"]),
    st.sampled_from("abd"),
    st.integers(0, 4),
    st.booleans(),
)
def test_near_agrees_with_brute_force(
    tokens: list[str], words: list[str], slop: str, other: str, distance: int, ordered: bool
) -> None:
    if len(words) == 1:
        left_query, left = words[0], {(p, p) for p in _positions(tokens, words[0])}
    elif slop:
        left_query = f'"{" ".join(words)}"{slop}'
        left = _loose_spans(tokens, words, int(slop[1:]))
    else:
        left_query = f'"{" ".join(words)}"'
        last = len(words) - 1
        left = {
            (p, p + last) for p in range(len(tokens) - last) if tokens[p : p + len(words)] == words
        }
    right = {(p, p) for p in _positions(tokens, other)}
    query = f"{left_query} NEAR/{distance}{'f' if ordered else ''} {other}"
    assert matches(query, " ".join(tokens)) is _near(left, right, distance, ordered)
