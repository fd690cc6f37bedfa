"""Query → its normalised text, what ``signalroom query check`` prints.

Operators in upper case and explicit (an implicit AND is written ``AND``), terms as the
matcher sees them (case-folded, NFC), multi-token terms as quoted phrases, and only the
parentheses precedence needs, plus ones around an ``AND`` inside an ``OR`` for the reader.
For any query the parser returns, ``parse_query(format_query(q)) == q``.
This module must not parse or match.
"""

from __future__ import annotations

from signalroom.query.ast import And, Field, Near, Node, Not, Or, Phrase, Query, Term, Title


def format_query(query: Query) -> str:
    return format_node(query.root)


def format_node(node: Node) -> str:
    if isinstance(node, Term):
        return _term(node)
    if isinstance(node, Phrase):
        inner = " ".join(_term(term) for term in node.terms)
        return f'"{inner}"' if node.slop is None else f'"{inner}"~{node.slop}'
    if isinstance(node, Field):
        return f"{node.name}:{node.value}"
    if isinstance(node, Title):
        return f"title:{format_node(node.match)}"
    if isinstance(node, Not):
        return f"NOT {_grouped(node.operand, (And, Or, Not))}"
    if isinstance(node, And):
        return " AND ".join(_grouped(child, (And, Or)) for child in node.operands)
    if isinstance(node, Or):
        return " OR ".join(_grouped(child, (And, Or)) for child in node.operands)
    operator = f"NEAR/{node.distance}{'f' if node.ordered else ''}"
    left = _grouped(node.left, (And, Or, Not, Near))
    right = _grouped(node.right, (And, Or, Not, Near))
    return f"{left} {operator} {right}"


def _term(term: Term) -> str:
    if term.kind == "hashtag":
        return f"#{term.pattern}"
    if term.kind == "mention":
        return f"@{term.pattern}"
    return term.pattern


def _grouped(node: Node, needs_parentheses: tuple[type, ...]) -> str:
    text = format_node(node)
    return f"({text})" if isinstance(node, needs_parentheses) else text
