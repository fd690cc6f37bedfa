"""The parsed form of a topic query: small frozen node types, compared by value.

The parser builds these in a normal form (terms already NFC-normalised and case-folded,
nested ``AND``/``OR`` flattened, ``NOT NOT x`` reduced to ``x``, a one-token phrase reduced
to a term), so two queries that mean the same by construction compare equal and
``format_query`` can print them back unambiguously. Nodes hold no source offsets, and this
module must not know how to parse, print or match.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from signalroom.query.token import WILDCARDS, TokenKind

FieldName = Literal["author", "lang", "source", "site"]
FIELD_NAMES: tuple[FieldName, ...] = ("author", "lang", "source", "site")


@dataclass(frozen=True, slots=True)
class Term:
    """One token: a word, a hashtag (without ``#``) or a mention (without ``@``).

    ``pattern`` is normalised and may hold ``*`` (zero or more characters) and ``?``
    (exactly one character) after its first two characters.
    """

    kind: TokenKind
    pattern: str

    @property
    def has_wildcard(self) -> bool:
        return any(mark in self.pattern for mark in WILDCARDS)


@dataclass(frozen=True, slots=True)
class Phrase:
    """Two or more terms at consecutive positions, or, with ``slop`` k, in any order
    within a span of ``len(terms) - 1 + k`` positions."""

    terms: tuple[Term, ...]
    slop: int | None = None


@dataclass(frozen=True, slots=True)
class Field:
    """``author:``, ``lang:``, ``source:`` or ``site:`` with its normalised value."""

    name: FieldName
    value: str


@dataclass(frozen=True, slots=True)
class Title:
    """``title:term`` or ``title:"a phrase"``: the term matched within the title alone."""

    match: Term | Phrase


@dataclass(frozen=True, slots=True)
class Not:
    operand: Node


@dataclass(frozen=True, slots=True)
class And:
    operands: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class Or:
    operands: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class Near:
    """``left NEAR/distance right``; ``ordered`` is the ``f`` form (left comes first).

    Each operand is a term, a phrase, or an ``Or`` of terms and phrases.
    """

    left: Node
    right: Node
    distance: int
    ordered: bool = False


Node = Term | Phrase | Field | Title | Not | And | Or | Near


@dataclass(frozen=True, slots=True)
class Query:
    """A whole parsed query."""

    root: Node


def is_near_operand(node: Node) -> bool:
    """What ``NEAR`` accepts on either side: a term, a phrase, or an OR of those."""
    if isinstance(node, Term | Phrase):
        return True
    if isinstance(node, Or):
        return all(isinstance(child, Term | Phrase) for child in node.operands)
    return False
