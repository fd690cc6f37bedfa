"""TopicMatcher: its pre-filter never changes the answer, only the work."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from signalroom.errors import QueryError
from signalroom.query import MatchDoc, Query, TopicMatcher, compile_query, parse_query
from signalroom.query.ast import Not, Term

_LEAVES = [
    "jaguar",
    "jag*",
    "#jaguar",
    "#jag*",
    "@acme",
    "@acme.bsky.social",
    "@ac*",
    "ad",
    '"super bowl"',
    '"jaguar ad"~2',
    "car-crash",
    "zo?",
    "lang:hu",
    "lang:en",
    "source:rss",
    "site:bbc.co.uk",
    "author:ac*",
    "author:acme",
    "title:jaguar",
    'title:"super bowl"',
    "crash",
    "über",
    "ub*",
]
_NEAR_OPERANDS = ["jaguar", "ad", '"super bowl"', "(ad OR #jaguar)", '"jaguar ad"~1', "jag*"]


def _combine(parts: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    return st.one_of(
        st.tuples(parts, parts).map(lambda p: f"({p[0]} OR {p[1]})"),
        st.tuples(parts, parts).map(lambda p: f"{p[0]} AND {p[1]}"),
        st.tuples(parts, parts).map(lambda p: f"{p[0]} NOT {p[1]}"),
        parts.map(lambda p: f"NOT ({p})"),
    )


def _valid(text: str) -> bool:
    try:
        parse_query(text)
    except QueryError:
        return False
    return True


_NEAR = st.builds(
    "{} NEAR/{}{} {}".format,
    st.sampled_from(_NEAR_OPERANDS),
    st.integers(1, 4),
    st.sampled_from(["", "f"]),
    st.sampled_from(_NEAR_OPERANDS),
)
QUERIES = st.recursive(st.one_of(st.sampled_from(_LEAVES), _NEAR), _combine, max_leaves=5).filter(
    _valid
)

_TOKENS = [
    "jaguar",
    "Jaguar",
    "#jaguar",
    "#Jagged",
    "@acme",
    "@ACME.bsky.social",
    "@acmex",
    "ad",
    "super",
    "bowl",
    "car",
    "crash",
    "zoo",
    "zoe",
    "x",
    "Über",
    "ub",
    "ac",
]
_TEXT = st.builds(
    lambda tokens, sep: sep.join(tokens),
    st.lists(st.sampled_from(_TOKENS), max_size=10),
    st.sampled_from([" ", ", ", "-", "\n"]),
)
DOCS = st.builds(
    MatchDoc.build,
    text=_TEXT,
    title=st.one_of(st.just(""), _TEXT),
    author=st.sampled_from(["", "acme", "@Acme", "acme.bsky.social", "bob", "a"]),
    lang=st.sampled_from(["", "en", "hu", "HU", "pt-BR"]),
    source=st.sampled_from(["", "rss", "bluesky"]),
    url=st.sampled_from(["", "https://www.bbc.co.uk/x", "https://bbc.com/", "http://co.uk/"]),
    site=st.sampled_from(["", "bbc.co.uk", "https://news.bbc.co.uk/", "reuters.com"]),
)


def _one_by_one(topics: list[tuple[int, Query]], doc: MatchDoc) -> tuple[int, ...]:
    return tuple(sorted({tid for tid, query in topics if compile_query(query).matches(doc)}))


@settings(max_examples=250)
@given(st.lists(QUERIES, max_size=8), st.lists(DOCS, min_size=1, max_size=4))
def test_topic_matcher_equals_matching_every_query(texts: list[str], docs: list[MatchDoc]) -> None:
    topics = [(100 + i, parse_query(text)) for i, text in enumerate(texts)]
    matcher = TopicMatcher(topics)
    assert matcher.always_checked == 0
    for doc in docs:
        assert matcher.match(doc) == _one_by_one(topics, doc)


def test_topic_matcher_returns_sorted_unique_ids() -> None:
    topics = [(7, parse_query("jaguar")), (3, parse_query("ad")), (7, parse_query("zoo"))]
    matcher = TopicMatcher(topics)
    assert matcher.match(MatchDoc.build(text="jaguar ad zoo")) == (3, 7)
    assert matcher.match(MatchDoc.build(text="nothing")) == ()
    assert len(matcher) == 3


def test_topic_matcher_with_no_topics_matches_nothing() -> None:
    assert TopicMatcher([]).match(MatchDoc.build(text="jaguar")) == ()


def test_topic_matcher_checks_field_only_topics_through_field_keys() -> None:
    matcher = TopicMatcher(
        [
            (1, parse_query("lang:hu")),
            (2, parse_query("site:bbc.co.uk")),
            (3, parse_query("author:ac* OR source:rss")),
            (4, parse_query("author:acme")),
            (5, parse_query("NOT (NOT lang:en OR x) AND NOT (y AND z)")),
        ]
    )
    assert matcher.always_checked == 0
    assert matcher.needs_lang
    doc = MatchDoc.build(lang="hu", url="https://news.bbc.co.uk/", author="@acmebank")
    assert matcher.match(doc) == (1, 2, 3)
    assert matcher.match(MatchDoc.build(author="Acme", source="rss", text="y w")) == (3, 4)
    assert matcher.match(MatchDoc.build(lang="en", text="y")) == (5,)


def test_topic_matcher_checks_a_hand_built_keyless_query_on_every_post() -> None:
    spam = Query(Not(Term("word", "spam")))
    matcher = TopicMatcher([(1, spam), (2, parse_query("jaguar"))])
    assert matcher.always_checked == 1
    assert matcher.match(MatchDoc.build(text="jaguar")) == (1, 2)
    assert matcher.match(MatchDoc.build(text="jaguar spam")) == (2,)


def test_every_parsed_query_has_pre_filter_keys() -> None:
    matcher = TopicMatcher(
        (i, parse_query(text))
        for i, text in enumerate(["NOT (NOT a OR b)", "(a OR NOT b) AND (c OR NOT d) AND e"])
    )
    assert matcher.always_checked == 0


def test_topic_matcher_does_not_need_lang_without_lang_fields() -> None:
    assert not TopicMatcher([(1, parse_query("jaguar NOT site:x.org"))]).needs_lang
