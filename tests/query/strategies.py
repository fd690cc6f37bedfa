"""Hypothesis strategies for queries in normal form and for query-like strings."""

from __future__ import annotations

from hypothesis import strategies as st

from signalroom.query.ast import And, Field, Near, Node, Not, Or, Phrase, Term, Title
from signalroom.query.token import TokenKind

# Units already in normal form that cannot compose with each other, so any concatenation
# is one normalised token (no filtering needed, which keeps generation fast).
UNITS = [*"abcdejkorsxz0129_", "é", "ő", "ü", "ss", "α", "β", "д", "ж", "हि"]


# Strategies are built once: building them inside a composite on every draw is slow.
_LITERAL_1 = st.lists(st.sampled_from(UNITS), min_size=1, max_size=5).map("".join)
_LITERAL_2 = st.lists(st.sampled_from(UNITS), min_size=2, max_size=5).map("".join)
_TAIL = st.lists(st.sampled_from(["*", "?", "a", "é", "9"]), max_size=3).map("".join)
_PATTERN = st.one_of(_LITERAL_1, st.tuples(_LITERAL_2, _TAIL).map("".join))
_KIND: st.SearchStrategy[TokenKind] = st.sampled_from(["word", "word", "hashtag", "mention"])
_HANDLE_TAIL = st.tuples(_LITERAL_1, st.sampled_from(["", ".social"])).map("".join)


@st.composite
def _terms(draw: st.DrawFn) -> Term:
    kind = draw(_KIND)
    pattern = draw(_PATTERN)
    if kind == "mention" and draw(st.booleans()):
        pattern += "." + draw(_HANDLE_TAIL)
    return Term(kind, pattern)


_TERMS = _terms()
_PHRASES = st.builds(
    Phrase,
    st.lists(_TERMS, min_size=2, max_size=4).map(tuple),
    st.one_of(st.none(), st.integers(0, 12)),
)


def terms() -> st.SearchStrategy[Term]:
    return _TERMS


def phrases() -> st.SearchStrategy[Phrase]:
    return _PHRASES


def fields() -> st.SearchStrategy[Field]:
    host = st.lists(
        st.sampled_from(["bbc", "co", "uk", "news-1", "example", "xn--bcher-kva"]),
        min_size=1,
        max_size=3,
    )
    return st.one_of(
        st.builds(
            Field,
            st.just("author"),
            st.sampled_from(["acme", "acme.bsky.social", "ac*", "jo?n", "a_b-c"]),
        ),
        st.builds(Field, st.just("lang"), st.sampled_from(["hu", "en", "und"])),
        st.builds(Field, st.just("source"), st.sampled_from(["bluesky", "rss", "hackernews"])),
        st.builds(Field, st.just("site"), host.map(".".join)),
    )


def near_operands() -> st.SearchStrategy[Node]:
    simple: st.SearchStrategy[Node] = st.one_of(terms(), phrases())
    return st.one_of(
        simple, st.lists(simple, min_size=2, max_size=3).map(lambda ops: Or(tuple(ops)))
    )


def leaves() -> st.SearchStrategy[Node]:
    return st.one_of(
        terms(),
        phrases(),
        fields(),
        st.one_of(terms(), phrases()).map(Title),
        st.builds(Near, near_operands(), near_operands(), st.integers(0, 20), st.booleans()),
    )


def _negated(node: Node) -> Node:
    return node.operand if isinstance(node, Not) else Not(node)


def _flat(kind: type[And] | type[Or], operands: list[Node]) -> Node:
    flat: list[Node] = []
    for operand in operands:
        flat.extend(operand.operands if isinstance(operand, kind) else (operand,))
    return kind(tuple(flat))


def _extend(children: st.SearchStrategy[Node]) -> st.SearchStrategy[Node]:
    return st.one_of(
        children.map(_negated),
        st.lists(children, min_size=2, max_size=3).map(lambda ops: _flat(And, ops)),
        st.lists(children, min_size=2, max_size=3).map(lambda ops: _flat(Or, ops)),
    )


_NODES = st.recursive(leaves(), _extend, max_leaves=6)


def nodes() -> st.SearchStrategy[Node]:
    """Query trees in the parser's normal form (they may still only exclude)."""
    return _NODES


FRAGMENTS = [
    " ",
    " ",
    " ",
    "(",
    ")",
    '"',
    "~",
    "~2",
    "*",
    "?",
    "#",
    "@",
    ":",
    ".",
    "-",
    "/",
    "AND",
    "OR",
    "NOT",
    "NEAR/3",
    "NEAR/1f",
    "NEAR/",
    "NEAR",
    "and",
    "near",
    "title:",
    "author:",
    "lang:",
    "site:",
    "source:",
    "autor:",
    "jaguar",
    "jag",
    "ad",
    "bbc.co.uk",
    "hu",
    "é",
    "e\u0301",
    "ß",
    "\u0301",
    "🙂",
    "\x00",
    "\n",
    "0",
    "12",
]


def query_like() -> st.SearchStrategy[str]:
    """Strings made mostly of query syntax, so most parse or fail late."""
    return st.one_of(
        st.lists(st.sampled_from(FRAGMENTS), max_size=25).map("".join),
        st.text(max_size=60),
    )
