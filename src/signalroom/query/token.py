"""Text → tokens with positions: the one tokenizer shared by the query parser and the matcher.

The text model of ``docs/QUERY.md``: text is NFC-normalised and case-folded; a token is a
maximal run of Unicode letters, digits, marks and ``_``; ``#`` or ``@`` directly before a
token makes it a hashtag or a mention, and a mention may be a dotted handle
(``@jaguar.bsky.social``). A mark continues a token but never starts one: a mark after a
separator belongs to whatever is not a word (the variation selector of ``❤️``, the keycap
of ``#️⃣``), so emoji never turn into stray one-mark tokens that would shift positions. Because the parser cuts query terms with the same rules (plus the
wildcards ``*`` and ``?``), a term can only ever be compared with tokens cut the same way.

Positions: one position per token. A hashtag or a mention is also an ordinary word at its own
position; a dotted handle takes one position, and each of its dot-separated parts is a word at
that same position (so ``jaguar`` finds ``@jaguar.bsky.social``).

This module must stay pure and fast: no I/O, no knowledge of queries or posts.
"""

from __future__ import annotations

import re
import sys
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from signalroom.casefold import fold

TokenKind = Literal["word", "hashtag", "mention"]

WILDCARDS = "*?"


def _mark_ranges() -> str:
    """A regex class body for every combining mark (``\\w`` covers letters, digits, ``_``).

    ``re`` has no ``\\p{M}``; marks matter (Devanagari vowel signs, decomposed accents), so
    the class is built from the running Python's Unicode database once, at import. Planes
    4-13 hold no assigned characters and 15-16 only private use, so they are skipped.
    """
    ranges: list[tuple[int, int]] = []
    scan = (range(0x40000), range(0xE0000, min(0xF0000, sys.maxunicode + 1)))
    for block in scan:
        for code in block:
            if unicodedata.category(chr(code))[0] == "M":
                if ranges and ranges[-1][1] == code - 1:
                    ranges[-1] = (ranges[-1][0], code)
                else:
                    ranges.append((code, code))
    return "".join(
        re.escape(chr(lo)) if lo == hi else f"{re.escape(chr(lo))}-{re.escape(chr(hi))}"
        for lo, hi in ranges
    )


_CHAR = r"\w" + _mark_ranges()
_BODY = rf"\w[{_CHAR}]*"
_QBODY = rf"[\w*?][{_CHAR}*?]*"

# Alternation order matters: a dotted handle is tried before a plain mention.
_TEXT_TOKEN = re.compile(rf"@({_BODY}(?:\.{_BODY})+)|([#@]?)({_BODY})")
# For ASCII text (most posts) the same tokens, without the large class of marks.
_ASCII_TOKEN = re.compile(r"@(\w+(?:\.\w+)+)|([#@]?)(\w+)", re.ASCII)
_QUERY_TOKEN = re.compile(rf"@({_QBODY}(?:\.{_QBODY})+)|([#@]?)({_QBODY})")
_TOKEN_TEXT = re.compile(_BODY)


def normalize(text: str) -> str:
    """NFC, case-folded (the text model of docs/QUERY.md)."""
    return fold(text)


def is_token_text(text: str) -> bool:
    """Whether ``text`` is exactly one run of token characters."""
    return _TOKEN_TEXT.fullmatch(text) is not None


@dataclass(frozen=True, slots=True)
class QueryToken:
    """One token of a query term, cut from *normalised* term text.

    ``start`` is the character offset of ``pattern`` (after any ``#``/``@``) in that
    normalised text; ``pattern`` may hold wildcards.
    """

    kind: TokenKind
    pattern: str
    start: int


def scan_query_tokens(normalized: str) -> list[QueryToken]:
    """Cut normalised query-term text into tokens; ``*`` and ``?`` count as token characters."""
    tokens: list[QueryToken] = []
    for found in _QUERY_TOKEN.finditer(normalized):
        handle, sign, body = found.groups()
        if handle is not None:
            tokens.append(QueryToken("mention", handle, found.start(1)))
        elif sign == "#":
            tokens.append(QueryToken("hashtag", body, found.start(3)))
        elif sign == "@":
            tokens.append(QueryToken("mention", body, found.start(3)))
        else:
            tokens.append(QueryToken("word", body, found.start(3)))
    return tokens


class TokenIndex:
    """Where each token occurs in one normalised text: token → ascending positions.

    Built once per text and then only read; the lists must never be mutated by callers.
    """

    __slots__ = ("_keys", "hashtags", "mentions", "size", "words")

    def __init__(
        self,
        words: dict[str, list[int]],
        hashtags: dict[str, list[int]],
        mentions: dict[str, list[int]],
        size: int,
    ) -> None:
        self.words = words
        self.hashtags = hashtags
        self.mentions = mentions
        self.size = size
        self._keys: dict[TokenKind, str] = {}

    @classmethod
    def build(cls, normalized: str) -> TokenIndex:
        words: dict[str, list[int]] = {}
        hashtags: dict[str, list[int]] = {}
        mentions: dict[str, list[int]] = {}
        position = 0
        pattern = _ASCII_TOKEN if normalized.isascii() else _TEXT_TOKEN
        for handle, sign, body in pattern.findall(normalized):
            if handle:
                mentions.setdefault(handle, []).append(position)
                for part in handle.split("."):
                    at = words.setdefault(part, [])
                    # A handle like a.a repeats a part at the same position.
                    if not at or at[-1] != position:
                        at.append(position)
            else:
                words.setdefault(body, []).append(position)
                if sign == "#":
                    hashtags.setdefault(body, []).append(position)
                elif sign == "@":
                    mentions.setdefault(body, []).append(position)
            position += 1
        return cls(words, hashtags, mentions, position)

    def table(self, kind: TokenKind) -> dict[str, list[int]]:
        if kind == "word":
            return self.words
        if kind == "hashtag":
            return self.hashtags
        return self.mentions

    def keys_text(self, kind: TokenKind) -> str:
        """The distinct tokens of ``kind``, each fenced by :data:`KEY_SEPARATOR` on both
        sides, so that one regular-expression search (:func:`token_pattern`) finds whether
        any token fits a wildcard pattern, instead of one match per token. Built on first
        use and kept."""
        text = self._keys.get(kind)
        if text is None:
            table = self.table(kind)
            text = self._keys[kind] = (
                f"{KEY_SEPARATOR}{KEY_SEPARATOR.join(table)}{KEY_SEPARATOR}"
                if table
                else KEY_SEPARATOR
            )
        return text


KEY_SEPARATOR = "\x00"
"""Never part of a token (it is not a token character), so it can fence tokens apart."""


def token_pattern(patterns: Iterable[str]) -> re.Pattern[str]:
    """A regex that finds, in :meth:`TokenIndex.keys_text`, a whole token fitting any of
    ``patterns`` (``*`` any run of characters, ``?`` one character, the rest literal)."""
    alternatives = [
        "".join(
            "[^\x00]*" if char == "*" else "[^\x00]" if char == "?" else re.escape(char)
            for char in pattern
        )
        for pattern in patterns
    ]
    return re.compile(f"\x00(?:{'|'.join(alternatives)})\x00")
