"""Many topics against one post: which topic ids match, fast enough for thousands of topics.

Each query is compiled once. For every query we derive a set of keys at least one of which
every post it matches must carry: literal strings of the normalised search text (a word, the
longest literal part of a wildcard, ``#tag``, ``@handle``...) or field keys (``lang``,
``source``, ``site`` suffix, author). A multi-pattern pre-filter (Aho-Corasick over the
search text) plus dict look-ups of the post's field keys find the few topics that could
match, and only those are evaluated. (A query without keys would match an empty post,
which the parser refuses; a hand-built one is simply checked against every post.)
The result is exactly what evaluating every compiled query would give.
This module must not parse text or know about posts beyond :class:`MatchDoc`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import ahocorasick

from signalroom.query.ast import And, Field, Node, Not, Or, Phrase, Query, Term, Title
from signalroom.query.doc import MatchDoc
from signalroom.query.match import CompiledQuery, compile_query

_WILDCARD_SPLIT = re.compile(r"[*?]")


FieldKey = tuple[str, str]
Key = str | FieldKey
"""What a pre-filter looks for: a literal of the search text, or a field key such as
``("lang", "hu")``, ``("site", "bbc.co.uk")``, ``("author", "acme")`` or
``("author2", "ac")`` (the first two characters of an author pattern with wildcards)."""

_FIELD_SELECTIVITY = {"lang": 1, "source": 1, "author2": 2, "site": 4, "author": 6}
"""How rare a post carrying the key is, on the scale of a text literal's length."""


class TopicMatcher:
    """Built once per topic set (swap the whole object when topics change); read-only after."""

    def __init__(self, topics: Iterable[tuple[int, Query]]) -> None:
        ids: list[int] = []
        compiled: list[CompiledQuery] = []
        always: list[int] = []
        by_literal: dict[str, list[int]] = {}
        by_field: dict[FieldKey, list[int]] = {}
        needs_lang = False
        for topic_id, query in topics:
            entry = len(ids)
            ids.append(topic_id)
            compiled.append(compile_query(query))
            needs_lang = needs_lang or _uses_field(query.root, "lang")
            keys = required_keys(query.root)
            if keys is None:
                always.append(entry)
                continue
            for key in keys:
                if isinstance(key, str):
                    by_literal.setdefault(key, []).append(entry)
                else:
                    by_field.setdefault(key, []).append(entry)
        self._ids = tuple(ids)
        self._compiled = tuple(compiled)
        self._always = frozenset(always)
        self._by_field = {key: tuple(entries) for key, entries in by_field.items()}
        self._field_kinds = frozenset(kind for kind, _ in by_field)
        self._automaton: ahocorasick.Automaton | None = None
        if by_literal:
            automaton = ahocorasick.Automaton()
            for literal, entries in by_literal.items():
                automaton.add_word(literal, tuple(entries))
            automaton.make_automaton()
            self._automaton = automaton
        self.needs_lang = needs_lang
        """Whether any topic uses ``lang:`` (a pipeline may skip detection when none does)."""
        self.always_checked = len(always)
        """How many topics the pre-filter cannot rule out (evaluated for every post)."""

    def __len__(self) -> int:
        return len(self._ids)

    def match(self, doc: MatchDoc) -> tuple[int, ...]:
        """The ids of the topics whose query matches ``doc``, ascending, without repeats."""
        candidates = set(self._always)
        if self._automaton is not None:
            for _, entries in self._automaton.iter(doc.search_text):
                candidates.update(entries)
        if self._by_field:
            by_field = self._by_field
            for key in field_keys(doc, self._field_kinds):
                entries = by_field.get(key)
                if entries is not None:
                    candidates.update(entries)
        if not candidates:
            return ()
        ids, compiled = self._ids, self._compiled
        return tuple(sorted({ids[entry] for entry in candidates if compiled[entry].matches(doc)}))


def field_keys(
    doc: MatchDoc, kinds: frozenset[str] = frozenset(_FIELD_SELECTIVITY)
) -> list[FieldKey]:
    """The field keys of the given kinds that ``doc`` carries; a field operator can match
    only a post that carries its key."""
    keys: list[FieldKey] = []
    if "lang" in kinds:
        keys.append(("lang", doc.lang_key))
    if "source" in kinds:
        keys.append(("source", doc.source_key))
    if "author" in kinds:
        keys.append(("author", doc.author_key))
    if "author2" in kinds:
        keys.append(("author2", doc.author_key[:2]))
    if "site" in kinds:
        for host in doc.hosts:
            labels = host.split(".")
            keys += [("site", ".".join(labels[first:])) for first in range(len(labels))]
    return keys


def required_keys(node: Node, negated: bool = False) -> frozenset[Key] | None:
    """Keys one of which every post that ``node`` (or ``NOT node``, when ``negated``)
    matches carries (see :data:`Key`); ``None`` when there is no such set.

    Negations are pushed inward (De Morgan), so ``None`` comes back exactly when the
    query matches a post with no text and no fields, which the parser refuses: every
    parsed query gets keys, and no topic has to be checked against every post.
    """
    if isinstance(node, Not):
        return required_keys(node.operand, not negated)
    if isinstance(node, And | Or):
        children = [required_keys(child, negated) for child in node.operands]
        # NOT (a AND b) is (NOT a) OR (NOT b), and the other way round.
        if isinstance(node, And) != negated:
            return _best(children)
        union: set[Key] = set()
        for keys in children:
            if keys is None:
                return None
            union.update(keys)
        return frozenset(union)
    if negated:
        return None
    if isinstance(node, Term):
        return frozenset((_term_literal(node),))
    if isinstance(node, Phrase):
        return _best([frozenset((_term_literal(term),)) for term in node.terms])
    if isinstance(node, Title):
        # The title is part of the search text, so its literals are too.
        return required_keys(node.match)
    if isinstance(node, Field):
        if node.name == "author" and any(mark in node.value for mark in "*?"):
            # The 2-literal-characters rule makes the first two characters fixed.
            return frozenset((("author2", node.value[:2]),))
        return frozenset(((node.name, node.value),))
    return _best([required_keys(node.left), required_keys(node.right)])


def _term_literal(term: Term) -> str:
    """The longest literal part of the pattern; a leading part keeps its ``#``/``@``."""
    parts = _WILDCARD_SPLIT.split(term.pattern)
    longest = max(range(len(parts)), key=lambda index: len(parts[index]))
    if longest == 0 and term.kind != "word":
        return ("#" if term.kind == "hashtag" else "@") + parts[0]
    return parts[longest]


def _selectivity(key: Key) -> int:
    if isinstance(key, str):
        return min(len(key), 8)
    return _FIELD_SELECTIVITY[key[0]]


def _best(options: list[frozenset[Key] | None]) -> frozenset[Key] | None:
    """Of several key sets that are *all* required, the most selective: the one whose least
    selective key is best, then the one with fewest keys."""
    known = [option for option in options if option is not None]
    if not known:
        return None
    return max(known, key=lambda option: (min(map(_selectivity, option)), -len(option)))


def _uses_field(node: Node, name: str) -> bool:
    if isinstance(node, Field):
        return node.name == name
    if isinstance(node, Not):
        return _uses_field(node.operand, name)
    if isinstance(node, And | Or):
        return any(_uses_field(child, name) for child in node.operands)
    return False
