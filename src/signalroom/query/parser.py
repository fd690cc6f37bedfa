"""Query text → :class:`~signalroom.query.ast.Query`, following ``docs/QUERY.md``.

Two steps: a lexer cuts the text into operators, parentheses and atoms (terms, phrases,
fields, built into nodes right away), then a recursive-descent parser applies the
precedence ``NEAR`` > ``NOT`` > ``AND`` (explicit or implicit) > ``OR``.

The promise: for *any* string, :func:`parse_query` returns a Query or raises
:class:`~signalroom.errors.QueryError` with a 0-based offset within ``[0, len(text)]``;
never another exception. Group nesting is bounded so that no input can exhaust the stack.
This module must not match or print queries.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from signalroom.errors import QueryError
from signalroom.query.ast import (
    FIELD_NAMES,
    And,
    Field,
    FieldName,
    Near,
    Node,
    Not,
    Or,
    Phrase,
    Query,
    Term,
    Title,
    is_near_operand,
)
from signalroom.query.token import WILDCARDS, QueryToken, normalize, scan_query_tokens

MAX_QUERY_CHARS = 4096
MAX_DEPTH = 32
"""Nested parentheses allowed; far beyond any real query, well inside Python's stack."""

_TERMINATORS = '()"'
_FIELD = re.compile(r"([^\W\d_]+):")
_NEAR = re.compile(r"NEAR/([0-9]+)(f?)")
_LANG = re.compile(r"[a-z]{2,3}")
_SOURCE = re.compile(r"[a-z0-9][a-z0-9_.\-]*")
_HOST = re.compile(r"[\w\-]+(?:\.[\w\-]+)*")
_SHOWN_CHARS = 40
_FIELDS: dict[str, FieldName] = {name: name for name in FIELD_NAMES}

LexKind = Literal["(", ")", "AND", "OR", "NOT", "NEAR", "atom", "end"]


@dataclass(frozen=True, slots=True)
class _Lexeme:
    kind: LexKind
    offset: int
    text: str = ""
    node: Node | None = None
    distance: int = 0
    ordered: bool = False


def parse_query(text: str) -> Query:
    """Parse ``text``; raises :class:`QueryError` (message, offset) when it is not a query."""
    if len(text) > MAX_QUERY_CHARS:
        raise QueryError(f"query is longer than {MAX_QUERY_CHARS} characters", MAX_QUERY_CHARS)
    if not text.strip():
        raise QueryError("empty query", 0)
    lexemes = _Lexer(text).run()
    root = _Parser(lexemes).parse()
    if _matches_empty_post(root):
        raise QueryError("query only excludes (add a positive term)", 0)
    return Query(root)


def _matches_empty_post(node: Node) -> bool:
    """Whether the query matches a post with no text and no fields at all.

    Such a query says only what a topic is not (``NOT spam``, ``a OR NOT b``), so it is
    refused; and the topic matcher may rely on it when it skips posts by their words.
    """
    if isinstance(node, Not):
        return not _matches_empty_post(node.operand)
    if isinstance(node, And):
        return all(_matches_empty_post(child) for child in node.operands)
    if isinstance(node, Or):
        return any(_matches_empty_post(child) for child in node.operands)
    return False


def _shown(text: str) -> str:
    """Part of the query as it may appear in a one-line message: short and printable."""
    if len(text) > _SHOWN_CHARS:
        text = text[: _SHOWN_CHARS - 1] + "…"
    return "".join(char if char.isprintable() else f"\\u{ord(char):04x}" for char in text)


class _Lexer:
    def __init__(self, text: str) -> None:
        self.text = text
        self.out: list[_Lexeme] = []

    def run(self) -> list[_Lexeme]:
        text, at = self.text, 0
        while at < len(text):
            char = text[at]
            if char.isspace():
                at += 1
            elif char in "()":
                self.out.append(_Lexeme("(" if char == "(" else ")", at, char))
                at += 1
            elif char == '"':
                node, at_end = self._phrase(at)
                self.out.append(_Lexeme("atom", at, text[at:at_end], node))
                at = at_end
            else:
                end = self._run_end(at)
                at = self._word(at, end)
        self.out.append(_Lexeme("end", len(text)))
        return self.out

    def _run_end(self, start: int) -> int:
        text, end = self.text, start
        while end < len(text) and not text[end].isspace() and text[end] not in _TERMINATORS:
            end += 1
        return end

    def _word(self, start: int, end: int) -> int:
        """Lex the run ``text[start:end]``; returns where lexing continues."""
        run = self.text[start:end]
        if run in ("AND", "OR", "NOT"):
            kind: LexKind = "AND" if run == "AND" else "OR" if run == "OR" else "NOT"
            self.out.append(_Lexeme(kind, start, run))
            return end
        if run == "NEAR" or run.startswith("NEAR/"):
            near = _NEAR.fullmatch(run)
            if near is None:
                raise QueryError(
                    "NEAR needs a whole number of positions (NEAR/5 or NEAR/5f)", start
                )
            distance, ordered = int(near.group(1)), near.group(2) == "f"
            self.out.append(_Lexeme("NEAR", start, run, distance=distance, ordered=ordered))
            return end
        field = _FIELD.match(run)
        if field is None:
            self.out.append(_Lexeme("atom", start, run, _term(run, start)))
            return end
        name = field.group(1).lower()
        value, value_at = run[field.end() :], start + field.end()
        if name == "title":
            if value:
                node: Node = Title(_term(value, value_at))
            elif end < len(self.text) and self.text[end] == '"':
                phrase, end = self._phrase(end)
                node = Title(phrase)
            else:
                raise QueryError("field 'title' needs a term or a phrase", start)
        elif name in _FIELDS:
            node = _field(_FIELDS[name], value, value_at, self.text, end)
        else:
            raise QueryError(f"unknown field '{_shown(field.group(1))}'", start)
        self.out.append(_Lexeme("atom", start, self.text[start:end], node))
        return end

    def _phrase(self, start: int) -> tuple[Term | Phrase, int]:
        """Lex ``"..."`` (and an optional ``~k``) at ``start``; returns the node and its end."""
        text = self.text
        close = text.find('"', start + 1)
        if close < 0:
            raise QueryError("unbalanced quote", start)
        content = text[start + 1 : close]
        terms = _terms(content, start + 1)
        if not terms:
            raise QueryError("empty phrase", start)
        end, slop = close + 1, None
        if end < len(text) and text[end] == "~":
            digits_end = end + 1
            while digits_end < len(text) and "0" <= text[digits_end] <= "9":
                digits_end += 1
            if digits_end == end + 1 or (
                digits_end < len(text)
                and not text[digits_end].isspace()
                and text[digits_end] not in _TERMINATORS
            ):
                raise QueryError("'~' needs a whole number", end)
            slop, end = int(text[end + 1 : digits_end]), digits_end
        if len(terms) == 1:
            # One token in any order within k extra positions is just that token.
            return terms[0], end
        return Phrase(tuple(terms), slop), end


def _field(name: FieldName, value: str, value_at: int, text: str, end: int) -> Field:
    if not value:
        if end < len(text) and text[end] == '"':
            raise QueryError(f"field '{name}' takes a plain value, not a phrase", end)
        raise QueryError(f"field '{name}' needs a value", value_at - len(name) - 1)
    normalized = normalize(value)
    if name == "author":
        handle = normalized.lstrip("@")
        if not handle or any(c.isspace() or c in _TERMINATORS for c in handle):
            raise QueryError(f"invalid author '{_shown(value)}'", value_at)
        _check_wildcards(handle, value, value_at)
        return Field("author", handle)
    if name == "lang":
        if _LANG.fullmatch(normalized) is None:
            raise QueryError(
                f"invalid language '{_shown(value)}' (expected a code like 'hu')", value_at
            )
        return Field("lang", normalized)
    if name == "source":
        if _SOURCE.fullmatch(normalized) is None:
            raise QueryError(
                f"invalid source '{_shown(value)}' (expected a kind like 'bluesky')", value_at
            )
        return Field("source", normalized)
    host = normalized.removesuffix(".")
    if _HOST.fullmatch(host) is None:
        raise QueryError(
            f"invalid site '{_shown(value)}' (expected a host name like 'bbc.co.uk')", value_at
        )
    return Field("site", host)


def _term(raw: str, at: int) -> Term | Phrase:
    """A bare term: one token is a term, several are a phrase (``car-crash``)."""
    terms = _terms(raw, at)
    if not terms:
        raise QueryError(f"no letters or digits in '{_shown(raw)}'", at)
    if len(terms) == 1:
        return terms[0]
    return Phrase(tuple(terms))


def _terms(raw: str, at: int) -> list[Term]:
    normalized = normalize(raw)
    tokens = scan_query_tokens(normalized)
    for token in tokens:
        _check_token_wildcards(token, normalized, raw, at)
    return [Term(token.kind, token.pattern) for token in tokens]


def _check_token_wildcards(token: QueryToken, normalized: str, raw: str, at: int) -> None:
    first = _first_wildcard(token.pattern)
    if first is not None and first < 2:
        _raise_wildcard(normalized, token.start + first, raw, at)


def _check_wildcards(pattern: str, raw: str, at: int) -> None:
    """The 2-literal-characters rule for a field value (``author:``)."""
    first = _first_wildcard(pattern)
    if first is not None and first < 2:
        _raise_wildcard(pattern, first, raw, at)


def _first_wildcard(pattern: str) -> int | None:
    found = [index for index in (pattern.find(mark) for mark in WILDCARDS) if index >= 0]
    return min(found) if found else None


def _raise_wildcard(normalized: str, index: int, raw: str, at: int) -> None:
    """Report the wildcard at ``normalized[index]`` at its offset in the text as written.

    Normalising may change lengths (``ß`` → ``ss``) but never adds or drops a ``*`` or a
    ``?``, so the n-th wildcard of one is the n-th wildcard of the other.
    """
    mark = normalized[index]
    nth = sum(1 for char in normalized[:index] if char in WILDCARDS)
    seen = 0
    for offset, char in enumerate(raw):
        if char in WILDCARDS:
            if seen == nth:
                raise QueryError(f"wildcard needs 2 characters before '{mark}'", at + offset)
            seen += 1
    raise QueryError(f"wildcard needs 2 characters before '{mark}'", at)  # pragma: no cover


class _Parser:
    """Recursive descent over the lexemes; each method parses one precedence level."""

    def __init__(self, lexemes: list[_Lexeme]) -> None:
        self.lexemes = lexemes
        self.at = 0

    def peek(self) -> _Lexeme:
        return self.lexemes[self.at]

    def take(self) -> _Lexeme:
        lexeme = self.lexemes[self.at]
        self.at += 1
        return lexeme

    def parse(self) -> Node:
        node = self.or_expr(0)
        extra = self.peek()
        if extra.kind == ")":
            raise QueryError("unbalanced parenthesis", extra.offset)
        if extra.kind != "end":  # pragma: no cover - every level consumes all it can
            raise QueryError(f"unexpected '{_shown(extra.text)}'", extra.offset)
        return node

    def or_expr(self, depth: int) -> Node:
        operands = [self.and_expr(depth, None)]
        while self.peek().kind == "OR":
            self.take()
            operands.append(self.and_expr(depth, "OR"))
        return _joined(Or, operands)

    def and_expr(self, depth: int, after: str | None) -> Node:
        operands = [self.not_expr(depth, after)]
        while True:
            kind = self.peek().kind
            if kind == "AND":
                self.take()
                operands.append(self.not_expr(depth, "AND"))
            elif kind in ("atom", "(", "NOT"):
                operands.append(self.not_expr(depth, None))
            else:
                return _joined(And, operands)

    def not_expr(self, depth: int, after: str | None) -> Node:
        negations = 0
        while self.peek().kind == "NOT":
            self.take()
            negations += 1
        node = self.near_expr(depth, "NOT" if negations else after)
        if negations % 2 == 0:
            return node
        # NOT NOT x is x, also across parentheses: the normal form never nests NOT.
        return node.operand if isinstance(node, Not) else Not(node)

    def near_expr(self, depth: int, after: str | None) -> Node:
        left_at = self.peek().offset
        left = self.primary(depth, after)
        if self.peek().kind != "NEAR":
            return left
        near = self.take()
        _check_near_operand(left, left_at)
        right_lexeme = self.peek()
        if right_lexeme.kind == "NOT":
            raise QueryError(_NEAR_OPERAND, right_lexeme.offset)
        right = self.primary(depth, near.text)
        _check_near_operand(right, right_lexeme.offset)
        if self.peek().kind == "NEAR":
            raise QueryError("NEAR takes exactly two operands", self.peek().offset)
        return Near(left, right, near.distance, near.ordered)

    def primary(self, depth: int, after: str | None) -> Node:
        lexeme = self.peek()
        if lexeme.kind == "atom" and lexeme.node is not None:
            self.take()
            return lexeme.node
        if lexeme.kind == "(":
            self.take()
            if self.peek().kind == ")":
                raise QueryError("empty parentheses", lexeme.offset)
            if depth >= MAX_DEPTH:
                raise QueryError(f"more than {MAX_DEPTH} nested parentheses", lexeme.offset)
            node = self.or_expr(depth + 1)
            close = self.peek()
            if close.kind != ")":
                raise QueryError("unbalanced parenthesis", close.offset)
            self.take()
            return node
        if after is not None:
            raise QueryError(f"missing term after '{after}'", lexeme.offset)
        if lexeme.kind == ")":
            raise QueryError("unbalanced parenthesis", lexeme.offset)
        if lexeme.kind == "end":  # pragma: no cover - an empty query is refused before
            raise QueryError("empty query", lexeme.offset)
        raise QueryError(f"missing term before '{_shown(lexeme.text)}'", lexeme.offset)


_NEAR_OPERAND = "NEAR operand must be a term, a phrase, or a group of them joined by OR"


def _check_near_operand(node: Node, offset: int) -> None:
    if not is_near_operand(node):
        raise QueryError(_NEAR_OPERAND, offset)


def _joined(kind: type[And] | type[Or], operands: list[Node]) -> Node:
    if len(operands) == 1:
        return operands[0]
    flat: list[Node] = []
    for operand in operands:
        if isinstance(operand, kind):
            flat.extend(operand.operands)
        else:
            flat.append(operand)
    return kind(tuple(flat))
