"""The parser and the normalised form: docs/QUERY.md's grammar, errors and offsets."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from signalroom.errors import QueryError
from signalroom.query import Query, format_query, parse_query
from signalroom.query.ast import And, Field, Near, Node, Not, Or, Phrase, Term, Title

from .strategies import nodes, query_like


def word(pattern: str) -> Term:
    return Term("word", pattern)


def parse_error(text: str) -> tuple[str, int]:
    with pytest.raises(QueryError) as caught:
        parse_query(text)
    return caught.value.message, caught.value.offset


@pytest.mark.parametrize(
    ("text", "normal"),
    [
        (
            '(jaguar OR "jaguar land rover" OR #jaguar) NOT (animal OR zoo OR "big cat")',
            '(jaguar OR "jaguar land rover" OR #jaguar) AND NOT (animal OR zoo OR "big cat")',
        ),
        (
            '(#superbowl OR "super bowl") NEAR/10 (ad OR advert OR commercial)',
            '(#superbowl OR "super bowl") NEAR/10 (ad OR advert OR commercial)',
        ),
        (
            '@acmebank AND (refund OR "charged twice" OR complaint*) AND lang:en',
            '@acmebank AND (refund OR "charged twice" OR complaint*) AND lang:en',
        ),
        ("acme* AND site:reuters.com", "acme* AND site:reuters.com"),
        (
            "(jaguar OR #jaguar) AND lang:hu NOT site:spam.example",
            "(jaguar OR #jaguar) AND lang:hu AND NOT site:spam.example",
        ),
        ("a OR b c", "a OR (b AND c)"),
        ("NOT a b", "NOT a AND b"),
        ("Jaguar   AD", "jaguar AND ad"),
        ("car-crash", '"car crash"'),
        ("don't", '"don t"'),
        ('"Jaguar"', "jaguar"),
        ('"jaguar"~3', "jaguar"),
        ('"jaguar ad"~5', '"jaguar ad"~5'),
        ('"jag* rover"', '"jag* rover"'),
        ("colo?r #super* @Jaguar.Bsky.Social", "colo?r AND #super* AND @jaguar.bsky.social"),
        ("a NEAR/3f b", "a NEAR/3f b"),
        ("a NEAR/03 b", "a NEAR/3 b"),
        ("apple and pear or not near", "apple AND and AND pear AND or AND not AND near"),
        ("NOT NOT a", "a"),
        ("a AND NOT (NOT b)", "a AND b"),
        ("((a AND b) AND (c AND d))", "a AND b AND c AND d"),
        ("(a OR (b OR c)) NEAR/2 d", "(a OR b OR c) NEAR/2 d"),
        ("NOT a NEAR/2 b c", "NOT a NEAR/2 b AND c"),
        (
            'title:Jaguar title:"big cat"~1 title:#ad',
            'title:jaguar AND title:"big cat"~1 AND title:#ad',
        ),
        ("title:car-crash", 'title:"car crash"'),
        ("author:@AcmeBank author:ac*", "author:acmebank AND author:ac*"),
        (
            "LANG:HU Source:Bluesky site:WWW.BBC.co.uk.",
            "lang:hu AND source:bluesky AND site:www.bbc.co.uk",
        ),
        ("x\u00a0AND\ty", "x AND y"),
        ("Jo\u0301 STRASSE", "jó AND strasse"),
    ],
)
def test_parse_query_gives_the_normal_form(text: str, normal: str) -> None:
    query = parse_query(text)
    assert format_query(query) == normal
    assert parse_query(normal) == query


def test_parse_query_builds_the_documented_tree() -> None:
    query = parse_query('(#superbowl OR "super bowl") NEAR/10f (ad OR commercial) NOT zoo')
    assert query == Query(
        And(
            (
                Near(
                    Or((Term("hashtag", "superbowl"), Phrase((word("super"), word("bowl"))))),
                    Or((word("ad"), word("commercial"))),
                    10,
                    ordered=True,
                ),
                Not(word("zoo")),
            )
        )
    )


def test_parse_query_precedence_near_over_not_over_and_over_or() -> None:
    a, b, c, d = (word(x) for x in "abcd")
    assert parse_query("a OR b c").root == Or((a, And((b, c))))
    assert parse_query("NOT a b").root == And((Not(a), b))
    assert parse_query("a OR NOT b NEAR/2 c d").root == Or((a, And((Not(Near(b, c, 2)), d))))


def test_parse_query_reads_fields_and_title() -> None:
    root = parse_query('title:"a b"~2 author:Jo?n lang:pt source:webhook site:bbc.co.uk').root
    assert root == And(
        (
            Title(Phrase((word("a"), word("b")), 2)),
            Field("author", "jo?n"),
            Field("lang", "pt"),
            Field("source", "webhook"),
            Field("site", "bbc.co.uk"),
        )
    )


def test_parse_query_keeps_hashtag_and_mention_kinds_in_phrases() -> None:
    root = parse_query('"#super bowl @acme.bsky.social"').root
    assert root == Phrase(
        (Term("hashtag", "super"), word("bowl"), Term("mention", "acme.bsky.social"))
    )


@pytest.mark.parametrize(
    ("text", "message", "offset"),
    [
        # The four examples of docs/QUERY.md's Errors section.
        ("(jaguar OR zoo", "unbalanced parenthesis", 14),
        ("autor:jaguar", "unknown field 'autor'", 0),
        ("jaguar *ad", "wildcard needs 2 characters before '*'", 7),
        ("NOT spam", "query only excludes (add a positive term)", 0),
        # And the rest of the contract.
        ("", "empty query", 0),
        ("  \n\t", "empty query", 0),
        ("a" * 4097, "query is longer than 4096 characters", 4096),
        ("jaguar j*", "wildcard needs 2 characters before '*'", 8),
        ("ja?guar j?x", "wildcard needs 2 characters before '?'", 9),
        ('"j* rover"', "wildcard needs 2 characters before '*'", 2),
        ("#j*", "wildcard needs 2 characters before '*'", 2),
        ("@j?.social", "wildcard needs 2 characters before '?'", 2),
        ("author:a*", "wildcard needs 2 characters before '*'", 8),
        ("jaguar ß* x*", "wildcard needs 2 characters before '*'", 11),
        ("e\u0301* ok", "wildcard needs 2 characters before '*'", 2),
        ("car-c*", "wildcard needs 2 characters before '*'", 5),
        ("*", "wildcard needs 2 characters before '*'", 0),
        ("a NEAR/x b", "NEAR needs a whole number of positions (NEAR/5 or NEAR/5f)", 2),
        ("a NEAR/ b", "NEAR needs a whole number of positions (NEAR/5 or NEAR/5f)", 2),
        ("a NEAR b", "NEAR needs a whole number of positions (NEAR/5 or NEAR/5f)", 2),
        ("a NEAR/5F b", "NEAR needs a whole number of positions (NEAR/5 or NEAR/5f)", 2),
        (
            "(a AND b) NEAR/2 c",
            "NEAR operand must be a term, a phrase, or a group of them joined by OR",
            0,
        ),
        (
            "a NEAR/2 NOT b",
            "NEAR operand must be a term, a phrase, or a group of them joined by OR",
            9,
        ),
        (
            "a NEAR/2 lang:hu",
            "NEAR operand must be a term, a phrase, or a group of them joined by OR",
            9,
        ),
        (
            "title:a NEAR/2 b",
            "NEAR operand must be a term, a phrase, or a group of them joined by OR",
            0,
        ),
        (
            "(a NEAR/1 b) NEAR/2 c",
            "NEAR operand must be a term, a phrase, or a group of them joined by OR",
            0,
        ),
        ("a NEAR/2 b NEAR/2 c", "NEAR takes exactly two operands", 11),
        ("a NEAR/2", "missing term after 'NEAR/2'", 8),
        ("a AND", "missing term after 'AND'", 5),
        ("a OR OR b", "missing term after 'OR'", 5),
        ("a AND ) b", "missing term after 'AND'", 6),
        ("NOT", "missing term after 'NOT'", 3),
        ("AND a", "missing term before 'AND'", 0),
        ("(OR a)", "missing term before 'OR'", 1),
        ("NEAR/2 a", "missing term before 'NEAR/2'", 0),
        ("a) b", "unbalanced parenthesis", 1),
        ("((a)", "unbalanced parenthesis", 4),
        ("a ()", "empty parentheses", 2),
        ('a "b c', "unbalanced quote", 2),
        ('a ""', "empty phrase", 2),
        ('"!?"', "wildcard needs 2 characters before '?'", 2),
        ('" - "', "empty phrase", 0),
        ('"a b"~', "'~' needs a whole number", 5),
        ('"a b"~x', "'~' needs a whole number", 5),
        ('"a b"~2x', "'~' needs a whole number", 5),
        ("a -", "no letters or digits in '-'", 2),
        ("\x00", "no letters or digits in '\\u0000'", 0),
        ("lang:", "field 'lang' needs a value", 0),
        ("x site:", "field 'site' needs a value", 2),
        ('author:"x"', "field 'author' takes a plain value, not a phrase", 7),
        ("title:", "field 'title' needs a term or a phrase", 0),
        ("title:(a OR b)", "field 'title' needs a term or a phrase", 0),
        ("lang:english", "invalid language 'english' (expected a code like 'hu')", 5),
        ("source:b!", "invalid source 'b!' (expected a kind like 'bluesky')", 7),
        (
            "site:http://x.org",
            "invalid site 'http://x.org' (expected a host name like 'bbc.co.uk')",
            5,
        ),
        ("author:@", "invalid author '@'", 7),
        ("NOT a AND NOT b", "query only excludes (add a positive term)", 0),
        ("a OR NOT b", "query only excludes (add a positive term)", 0),
        ("NOT (a AND b)", "query only excludes (add a positive term)", 0),
        ("(" * 40 + "a" + ")" * 40, "more than 32 nested parentheses", 32),
    ],
)
def test_parse_query_rejects_with_message_and_offset(text: str, message: str, offset: int) -> None:
    assert parse_error(text) == (message, offset)


def test_query_error_renders_message_at_offset() -> None:
    with pytest.raises(QueryError, match=r"^unbalanced parenthesis at 14$"):
        parse_query("(jaguar OR zoo")


def test_parse_query_accepts_long_not_chains_and_the_maximum_length() -> None:
    assert parse_query("NOT " * 1000 + "jaguar").root == word("jaguar")
    assert parse_query("a" * 4096).root == word("a" * 4096)
    nested = "(" * 32 + "a" + ")" * 32
    assert parse_query(nested).root == word("a")


def test_parse_query_allows_field_only_and_double_negated_queries() -> None:
    assert parse_query("lang:hu").root == Field("lang", "hu")
    assert parse_query("NOT NOT spam").root == word("spam")


def outcome(text: str) -> Query | QueryError:
    """The parse result or the QueryError, so properties can assert on either."""
    try:
        return parse_query(text)
    except QueryError as err:
        return err


@settings(max_examples=400)
@given(query_like())
def test_parse_query_never_raises_anything_but_query_error(text: str) -> None:
    result = outcome(text)
    if isinstance(result, QueryError):
        assert 0 <= result.offset <= len(text)
        assert result.message
        return
    normal = format_query(result)
    assert parse_query(normal) == result
    assert format_query(parse_query(normal)) == normal


@settings(max_examples=300)
@given(st.text(max_size=200))
def test_parse_query_never_raises_on_arbitrary_text(text: str) -> None:
    result = outcome(text)
    if isinstance(result, QueryError):
        assert 0 <= result.offset <= len(text)


@settings(max_examples=150, suppress_health_check=[HealthCheck.too_slow])
@given(nodes())
def test_format_query_parses_back_to_the_same_query(node: Node) -> None:
    query = Query(node)
    normal = format_query(query)
    result = outcome(normal)
    if isinstance(result, QueryError):
        # Generated trees may say only what a topic is not; nothing else may fail.
        assert result.message == "query only excludes (add a positive term)"
        return
    assert result == query
    assert format_query(result) == normal
