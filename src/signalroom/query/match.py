"""A parsed query compiled into a matcher: ``compile_query(q).matches(doc)``.

Compiling turns each node into a small evaluator once (wildcards become anchored regular
expressions, ``AND`` operands are ordered cheapest first), so matching a document is dict
look-ups on its token index plus, for phrases and ``NEAR``, the position arithmetic of
:mod:`signalroom.query.proximity`. This module must not parse text or read files.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from typing import Protocol

from signalroom.query.ast import And, Field, Node, Not, Or, Phrase, Query, Term, Title
from signalroom.query.doc import MatchDoc
from signalroom.query.proximity import LooseSlots, Span, is_near
from signalroom.query.token import TokenIndex, TokenKind, token_pattern


class CompiledQuery:
    """A query ready to match documents. Immutable after construction; safe to share."""

    __slots__ = ("_root", "query")

    def __init__(self, query: Query) -> None:
        self.query = query
        self._root = _compile(query.root)

    def matches(self, doc: MatchDoc) -> bool:
        return self._root.test(doc)


def compile_query(query: Query) -> CompiledQuery:
    return CompiledQuery(query)


def wildcard_regex(pattern: str) -> re.Pattern[str]:
    """``*`` → any run of characters, ``?`` → one character, the rest literal; anchored."""
    parts = [".*" if char == "*" else "." if char == "?" else re.escape(char) for char in pattern]
    return re.compile("".join(parts), re.DOTALL)


class _Test(Protocol):
    def test(self, doc: MatchDoc) -> bool: ...


class _Spans(Protocol):
    """A term, phrase or OR of them, looked up in one token index."""

    def present(self, index: TokenIndex) -> bool: ...

    def spans(self, index: TokenIndex) -> list[Span]: ...


class _TermSpans:
    __slots__ = ("kind", "literal", "regex", "search")

    def __init__(self, term: Term) -> None:
        self.kind = term.kind
        self.literal = term.pattern
        self.regex = wildcard_regex(term.pattern).fullmatch if term.has_wildcard else None
        self.search = token_pattern([term.pattern]).search if term.has_wildcard else None

    def positions(self, index: TokenIndex) -> list[int]:
        table = index.table(self.kind)
        if self.regex is None:
            return table.get(self.literal, [])
        found: list[int] = []
        for token, positions in table.items():
            if self.regex(token) is not None:
                found.extend(positions)
        found.sort()
        return found

    def present(self, index: TokenIndex) -> bool:
        if self.search is None:
            return self.literal in index.table(self.kind)
        return self.search(index.keys_text(self.kind)) is not None

    def spans(self, index: TokenIndex) -> list[Span]:
        return [(position, position) for position in self.positions(index)]


class _PhraseSpans:
    __slots__ = ("slop", "terms")

    def __init__(self, phrase: Phrase) -> None:
        self.terms = tuple(_TermSpans(term) for term in phrase.terms)
        self.slop = phrase.slop

    def present(self, index: TokenIndex) -> bool:
        if not all(term.present(index) for term in self.terms):
            return False
        if self.slop is None:
            return bool(self._ordered_starts(index))
        return any(True for _ in LooseSlots(self._lists(index), self.slop).starts())

    def spans(self, index: TokenIndex) -> list[Span]:
        if self.slop is None:
            last = len(self.terms) - 1
            return [(start, start + last) for start in self._ordered_starts(index)]
        return LooseSlots(self._lists(index), self.slop).spans()

    def _lists(self, index: TokenIndex) -> list[list[int]]:
        """Each token's positions; a repeated token is looked up once."""
        seen: dict[tuple[str, str], list[int]] = {}
        for term in self.terms:
            key = (term.kind, term.literal)
            if key not in seen:
                seen[key] = term.positions(index)
        return [seen[(term.kind, term.literal)] for term in self.terms]

    def _ordered_starts(self, index: TokenIndex) -> list[int]:
        if len(self.terms) > index.size:
            return []
        lists = self._lists(index)
        if not all(lists):
            return []
        # A repeated token shares one list (see _lists), so one set serves all its slots.
        sets: dict[int, set[int]] = {}
        for at in lists[1:]:
            if id(at) not in sets:
                sets[id(at)] = set(at)
        following = [sets[id(at)] for at in lists[1:]]
        last_start = index.size - len(self.terms)
        return [
            start
            for start in lists[0][: bisect_right(lists[0], last_start)]
            if all(start + step in at for step, at in enumerate(following, 1))
        ]


class _OrSpans:
    __slots__ = ("_gated", "_literals", "_others", "_wildcards", "parts")

    def __init__(self, parts: tuple[_Spans, ...]) -> None:
        self.parts = parts
        # Presence is what most posts are asked (a long OR of risk words that is mostly
        # absent): plain terms become one set look-up per token kind, and wildcard terms
        # one regex search per kind, rather than one call per term; a phrase of plain
        # terms is only looked at when its longest word is there.
        literals: dict[TokenKind, set[str]] = {}
        wildcards: dict[TokenKind, list[str]] = {}
        gated: dict[TokenKind, dict[str, list[_PhraseSpans]]] = {}
        others: list[_Spans] = []
        for part in parts:
            if isinstance(part, _PhraseSpans) and not any(t.search for t in part.terms):
                gate = max(part.terms, key=lambda term: len(term.literal))
                gated.setdefault(gate.kind, {}).setdefault(gate.literal, []).append(part)
            elif not isinstance(part, _TermSpans):
                others.append(part)
            elif part.search is None:
                literals.setdefault(part.kind, set()).add(part.literal)
            else:
                wildcards.setdefault(part.kind, []).append(part.literal)
        self._literals = tuple((kind, frozenset(words)) for kind, words in literals.items())
        self._wildcards = tuple(
            (kind, token_pattern(patterns).search) for kind, patterns in wildcards.items()
        )
        self._gated = tuple(
            (kind, {gate: tuple(phrases) for gate, phrases in by_gate.items()})
            for kind, by_gate in gated.items()
        )
        self._others = tuple(others)

    def present(self, index: TokenIndex) -> bool:
        for kind, words in self._literals:
            if not words.isdisjoint(index.table(kind)):
                return True
        for kind, search in self._wildcards:
            if search(index.keys_text(kind)) is not None:
                return True
        for kind, by_gate in self._gated:
            table = index.table(kind)
            for gate in by_gate.keys() & table.keys():
                if any(phrase.present(index) for phrase in by_gate[gate]):
                    return True
        return any(part.present(index) for part in self._others)

    def spans(self, index: TokenIndex) -> list[Span]:
        return [span for part in self.parts for span in part.spans(index)]


class _InText:
    __slots__ = ("spanner",)

    def __init__(self, spanner: _Spans) -> None:
        self.spanner = spanner

    def test(self, doc: MatchDoc) -> bool:
        return self.spanner.present(doc.index)


class _InTitle:
    __slots__ = ("spanner",)

    def __init__(self, spanner: _Spans) -> None:
        self.spanner = spanner

    def test(self, doc: MatchDoc) -> bool:
        return bool(doc.title) and self.spanner.present(doc.title_index)


class _Near:
    __slots__ = ("distance", "left", "ordered", "right")

    def __init__(self, left: _Spans, right: _Spans, distance: int, ordered: bool) -> None:
        self.left = left
        self.right = right
        self.distance = distance
        self.ordered = ordered

    def test(self, doc: MatchDoc) -> bool:
        index = doc.index
        if not (self.left.present(index) and self.right.present(index)):
            return False
        return is_near(self.left.spans(index), self.right.spans(index), self.distance, self.ordered)


class _Not:
    __slots__ = ("operand",)

    def __init__(self, operand: _Test) -> None:
        self.operand = operand

    def test(self, doc: MatchDoc) -> bool:
        return not self.operand.test(doc)


class _All:
    __slots__ = ("operands",)

    def __init__(self, operands: tuple[_Test, ...]) -> None:
        self.operands = operands

    def test(self, doc: MatchDoc) -> bool:
        return all(operand.test(doc) for operand in self.operands)


class _Any:
    __slots__ = ("operands",)

    def __init__(self, operands: tuple[_Test, ...]) -> None:
        self.operands = operands

    def test(self, doc: MatchDoc) -> bool:
        return any(operand.test(doc) for operand in self.operands)


class _Author:
    __slots__ = ("literal", "regex")

    def __init__(self, pattern: str) -> None:
        wild = any(mark in pattern for mark in "*?")
        self.literal = pattern
        self.regex = wildcard_regex(pattern).fullmatch if wild else None

    def test(self, doc: MatchDoc) -> bool:
        if self.regex is None:
            return doc.author_key == self.literal
        return self.regex(doc.author_key) is not None


class _Lang:
    __slots__ = ("code",)

    def __init__(self, code: str) -> None:
        self.code = code

    def test(self, doc: MatchDoc) -> bool:
        return doc.lang_key == self.code


class _Source:
    __slots__ = ("kind",)

    def __init__(self, kind: str) -> None:
        self.kind = kind

    def test(self, doc: MatchDoc) -> bool:
        return doc.source_key == self.kind


class _Site:
    __slots__ = ("host", "suffix")

    def __init__(self, host: str) -> None:
        self.host = host
        self.suffix = "." + host

    def test(self, doc: MatchDoc) -> bool:
        return any(host == self.host or host.endswith(self.suffix) for host in doc.hosts)


def _spanner(node: Node) -> _Spans:
    if isinstance(node, Term):
        return _TermSpans(node)
    if isinstance(node, Phrase):
        return _PhraseSpans(node)
    if isinstance(node, Or):
        return _OrSpans(tuple(_spanner(child) for child in node.operands))
    raise TypeError(f"not a NEAR operand: {node!r}")


def _compile(node: Node) -> _Test:
    if isinstance(node, Term | Phrase):
        return _InText(_spanner(node))
    if isinstance(node, Title):
        return _InTitle(_spanner(node.match))
    if isinstance(node, Field):
        if node.name == "author":
            return _Author(node.value)
        if node.name == "lang":
            return _Lang(node.value)
        if node.name == "source":
            return _Source(node.value)
        return _Site(node.value)
    if isinstance(node, Not):
        return _Not(_compile(node.operand))
    if isinstance(node, And):
        ordered = sorted(node.operands, key=_cost)
        return _All(tuple(_compile(child) for child in ordered))
    if isinstance(node, Or):
        return _Any(tuple(_compile(child) for child in sorted(node.operands, key=_cost)))
    return _Near(_spanner(node.left), _spanner(node.right), node.distance, node.ordered)


def _cost(node: Node) -> int:
    """A rough evaluation cost, so cheap operands decide first."""
    if isinstance(node, Field):
        return 0
    if isinstance(node, Term):
        return 2 if node.has_wildcard else 1
    if isinstance(node, Title):
        return 1 + _cost(node.match)
    if isinstance(node, Phrase):
        return 4
    if isinstance(node, Not):
        return _cost(node.operand)
    if isinstance(node, And | Or):
        return sum(_cost(child) for child in node.operands)
    return 8
