"""A topic's Boolean query (``docs/QUERY.md``) as a service's search: X filtered-stream rule
syntax and Google News search operators (:func:`boolean_search`), or plain keyword searches
for services without ``OR`` such as Hacker News' Algolia and Reddit (:func:`keyword_searches`).

A service search only chooses what to fetch; the pipeline still matches every post against
the topic's real query. So a part that cannot be said in the service's language is dropped
in the direction that fetches *more* (an untranslatable term inside ``AND`` is left out)
except where that would fetch everything (inside ``OR``, where it is left out too), and every
such loss is reported in ``notes``. Pure: no I/O.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Final, Literal

from signalroom.errors import QueryError
from signalroom.query import parse_query
from signalroom.query.ast import And, Field, Near, Node, Not, Or, Phrase, Term, Title

Dialect = Literal["x", "google_news"]
DIALECT_SOURCE: Final[dict[Dialect, str]] = {"x": "x", "google_news": "rss"}
"""The source kind a dialect's posts arrive as (``source:`` fields are decided by it)."""


@dataclass(frozen=True, slots=True)
class Translation:
    """``text`` is the service's query (None when nothing searchable is left); ``notes``
    say what was loosened or left out, in words for the console."""

    text: str | None
    notes: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class KeywordSearches:
    """Plain searches whose results together cover the topic (each one all-words-must-match)."""

    searches: tuple[str, ...]
    notes: tuple[str, ...] = ()


class _Const(enum.Enum):
    TRUE = "true"
    FALSE = "false"
    UNKNOWN = "unknown"
    """Cannot be said in the dialect: left out of AND and OR alike (noted)."""


@dataclass(frozen=True, slots=True)
class _Text:
    value: str
    atomic: bool
    """A single term, phrase or operator (may be negated with ``-`` as is)."""
    conjunction: bool = False
    """Parts joined by AND: spliced into an enclosing AND without parentheses."""


_Out = _Text | _Const


def boolean_search(query: str, dialect: Dialect) -> Translation:
    """The query in X rule syntax or Google News search syntax, as close as the service
    allows. Raises nothing: an unparsable query gives ``text=None`` with the reason."""
    try:
        root = parse_query(query).root
    except QueryError as err:
        return Translation(None, (f"query does not parse: {err}",))
    notes: list[str] = []
    out = _Translator(dialect, notes).node(root)
    if isinstance(out, _Text):
        return Translation(out.value, tuple(dict.fromkeys(notes)))
    if out is _Const.FALSE:
        notes.append(
            f"the query only matches posts from sources other than {DIALECT_SOURCE[dialect]}"
        )
    else:
        notes.append("nothing left to search for")
    return Translation(None, tuple(dict.fromkeys(notes)))


class _Translator:
    def __init__(self, dialect: Dialect, notes: list[str]) -> None:
        self.dialect = dialect
        self.notes = notes

    def node(self, node: Node) -> _Out:
        if isinstance(node, Term):
            return self.term(node)
        if isinstance(node, Phrase):
            return self.phrase(node)
        if isinstance(node, Field):
            return self.field(node)
        if isinstance(node, Title):
            return self.title(node)
        if isinstance(node, Not):
            return self.negate(node)
        if isinstance(node, Near):
            self.notes.append("NEAR searched as AND (the service has no proximity operator)")
            return self.join_and([self.node(node.left), self.node(node.right)])
        if isinstance(node, And):
            return self.join_and([self.node(child) for child in node.operands])
        return self.join_or([self.node(child) for child in node.operands])

    def term(self, term: Term) -> _Out:
        if term.has_wildcard:
            self.notes.append(f"wildcard term {term.pattern!r} left out (no wildcards)")
            return _Const.UNKNOWN
        if term.kind == "hashtag":
            return _Text(f"#{term.pattern}" if self.dialect == "x" else term.pattern, True)
        if term.kind == "mention":
            if self.dialect == "google_news":
                return _Text(term.pattern, True)
            if "." in term.pattern:
                self.notes.append(f"mention @{term.pattern} left out (not an X handle)")
                return _Const.UNKNOWN
            return _Text(f"@{term.pattern}", True)
        return _Text(term.pattern, True)

    def phrase(self, phrase: Phrase) -> _Out:
        if any(t.has_wildcard for t in phrase.terms):
            self.notes.append("phrase with a wildcard searched as its other words")
            return self.join_and([self.term(t) for t in phrase.terms])
        words = " ".join(t.pattern for t in phrase.terms)
        if phrase.slop is not None:
            self.notes.append(f'"{words}"~{phrase.slop} searched as all of its words')
            return self.join_and([self.term(t) for t in phrase.terms])
        return _Text(f'"{words}"', True)

    def field(self, field: Field) -> _Out:
        if field.name == "source":
            return _Const.TRUE if field.value == DIALECT_SOURCE[self.dialect] else _Const.FALSE
        if self.dialect == "x":
            if field.name == "lang":
                return _Text(f"lang:{field.value}", True)
            if field.name == "author":
                if any(mark in field.value for mark in "*?.") or not field.value:
                    self.notes.append(f"author:{field.value} left out (not an X handle)")
                    return _Const.UNKNOWN
                return _Text(f"from:{field.value}", True)
            return _Text(f'url:"{field.value}"', True)
        if field.name == "site":
            return _Text(f"site:{field.value}", True)
        self.notes.append(f"{field.name}:{field.value} left out (Google News cannot search it)")
        return _Const.UNKNOWN

    def title(self, title: Title) -> _Out:
        inner = self.node(title.match)
        if self.dialect == "google_news" and isinstance(title.match, Term):
            if isinstance(inner, _Text):
                return _Text(f"intitle:{inner.value}", True)
            return inner
        self.notes.append("title: searched in the whole text")
        return inner

    def negate(self, node: Not) -> _Out:
        inner = self.node(node.operand)
        if inner is _Const.TRUE:
            return _Const.FALSE
        if inner is _Const.FALSE:
            return _Const.TRUE
        if inner is _Const.UNKNOWN:
            return _Const.UNKNOWN
        if not inner.atomic and isinstance(node.operand, Or):
            # NOT (a OR b) is -a -b, which both services can say when a and b are single.
            negated = [self.negate(Not(child)) for child in node.operand.operands]
            if all(isinstance(n, _Text) for n in negated):
                return self.join_and(negated, exclusions_only=True)
        if not inner.atomic:
            self.notes.append(f"NOT ({inner.value}) left out (only single terms can be negated)")
            return _Const.UNKNOWN
        return _Text(f"-{inner.value}", True)

    def join_and(self, parts: list[_Out], *, exclusions_only: bool = False) -> _Out:
        if _Const.FALSE in parts:
            return _Const.FALSE
        texts = [p for p in parts if isinstance(p, _Text)]
        if not texts:
            return _Const.TRUE if _Const.TRUE in parts else _Const.UNKNOWN
        if not exclusions_only and all(p.value.startswith("-") for p in texts):
            self.notes.append("only exclusions left in a group: left out")
            return _Const.UNKNOWN
        if len(texts) == 1:
            return texts[0]
        rendered = [p.value if p.atomic or p.conjunction else f"({p.value})" for p in texts]
        return _Text(" ".join(rendered), False, conjunction=True)

    def join_or(self, parts: list[_Out]) -> _Out:
        if _Const.TRUE in parts:
            return _Const.TRUE
        texts = [p for p in parts if isinstance(p, _Text)]
        if not texts:
            return _Const.FALSE if _Const.FALSE in parts else _Const.UNKNOWN
        if len(texts) == 1:
            return texts[0]
        rendered = [p.value if p.atomic else f"({p.value})" for p in texts]
        return _Text(" OR ".join(rendered), False)


def keyword_searches(query: str, source_kind: str, max_searches: int = 8) -> KeywordSearches:
    """Plain all-words searches (phrases quoted) whose union covers what the query can match
    on ``source_kind``: the query's OR-alternatives with the exclusions, fields and wildcards
    left out."""
    try:
        root = parse_query(query).root
    except QueryError as err:
        return KeywordSearches((), (f"query does not parse: {err}",))
    notes: list[str] = []
    alternatives = _alternatives(root, notes, max_searches, source_kind)
    if alternatives is not None and not alternatives:
        return KeywordSearches((), (f"the query only matches sources other than {source_kind}",))
    if alternatives is None:
        return KeywordSearches((), ("nothing left to search for",))
    searches = tuple(dict.fromkeys(" ".join(words) for words in alternatives if words))
    if not searches:
        return KeywordSearches((), ("nothing left to search for",))
    return KeywordSearches(searches, tuple(dict.fromkeys(notes)))


_Alternatives = list[tuple[str, ...]] | None
"""OR of ANDs of words; None means "nothing to say here" (left out of both AND and OR)."""


def _alternatives(node: Node, notes: list[str], cap: int, kind: str) -> _Alternatives:
    if isinstance(node, Term):
        if node.has_wildcard:
            notes.append(f"wildcard term {node.pattern!r} left out")
            return None
        return [(node.pattern,)]
    if isinstance(node, Phrase):
        kept = [t.pattern for t in node.terms if not t.has_wildcard]
        if len(kept) < len(node.terms):
            notes.append("phrase with a wildcard searched as its other words")
        if not kept:
            return None
        if node.slop is not None or len(kept) < len(node.terms):
            return [tuple(kept)]
        return [(f'"{" ".join(kept)}"',)]
    if isinstance(node, Title):
        return _alternatives(node.match, notes, cap, kind)
    if isinstance(node, Field) and node.name == "source":
        return [()] if node.value == kind else []
    if isinstance(node, Field | Not):
        return None  # exclusions and fields only narrow; the pipeline applies them
    if isinstance(node, Near):
        return _alternatives(And((node.left, node.right)), notes, cap, kind)
    children = [_alternatives(child, notes, cap, kind) for child in node.operands]
    known = [c for c in children if c is not None]
    if not known:
        return None
    if isinstance(node, Or):
        merged = [alt for child in known for alt in child]
    else:
        merged = [()]
        for child in known:
            merged = [left + right for left in merged for right in child]
            if len(merged) > cap:
                break
    if len(merged) > cap:
        notes.append(f"only the first {cap} alternatives are searched")
        merged = merged[:cap]
    return merged
