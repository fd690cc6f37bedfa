"""Key terms and phrases of a post: up to :data:`MAX_KEYWORDS` words and 2- to 3-word
phrases that say what it is about, for trending terms, word clouds and alert evidence.

The text is read as docs/QUERY.md's tokens, case-folded with :mod:`signalroom.casefold`
(so a keyword reads like a query term). Links, hashtags and mentions are left out (they
have fields of their own) and break phrases; so do punctuation, emoji, line breaks, stop
words of the post's language (the packaged lists of ``models/stopwords``, built by
``scripts/build_stopwords.py``; posts in an undetermined or unlisted language use the
multilingual core list), numbers and junk (one letter, one character repeated, over 40
characters). An English possessive ``'s`` and an elided article (``l'``, ``dell'``) are
dropped from a word. What is left forms runs of content words: every run of 2 or 3 words
is a phrase, a longer run is cut, from its start, into phrases of 3 words and 2 words
(``new aurora air`` + ``business seat``).

The keywords are up to :data:`MAX_PHRASES` phrases, ranked by how often they occur and then
by their length in words, then the single words, ranked by how often they occur and then by
length (long words say more than short ones); ties go to the earlier one.

Pure and total: any ``str`` gives a tuple of non-empty strings, never an exception, the
same in every process (a memo of what each piece of text reads as only saves time). It
must not do I/O after loading.
"""

from __future__ import annotations

import importlib.resources
import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from importlib.resources.abc import Traversable
from pathlib import Path

from signalroom.casefold import fold
from signalroom.nlp.text import (
    HASHTAG_PATTERN,
    LINK_PATTERN,
    MENTION_PATTERN,
    bound,
    scrub,
)

MAX_KEYWORDS = 8
MAX_PHRASES = 3
"""At most this many of the keywords are phrases, so single words (a brand, a product)
always have room."""
MAX_PHRASE_WORDS = 3
MAX_INPUT_CHARS = 4000
"""Each part of a post (text, title) is cut to this: the first few thousand characters of
a long article hold its key terms, and the work stays bounded."""
MIN_WORD_CHARS = 2
MAX_WORD_CHARS = 40
STOPWORDS_FILE = "stopwords.json"
UNDETERMINED = "und"

_ENTITY = re.compile(f"{LINK_PATTERN}|{HASHTAG_PATTERN}|{MENTION_PATTERN}")
_WORD_CHARS = (
    r"\w\u0300-\u036f\u0483-\u0489\u0591-\u05c7\u0610-\u061a\u064b-\u065f\u0670"
    r"\u06d6-\u06ed\u0900-\u0dff\u0e31-\u0e4e\u0eb1-\u0ecd\u0f18-\u0fbc\u1000-\u109f"
    r"\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f"
)
"""Letters, digits, ``_`` and the combining-mark blocks of the scripts that need them (Latin
accents, Hebrew points, Arabic harakat, the Indic and South-East Asian scripts): the
tokens of docs/QUERY.md, with whole blocks standing in for its code-point-exact mark list
(:data:`signalroom.nlp.text.TOKEN_CHARS`), a class so long that it makes a regex three
times slower."""
_TOKEN = re.compile(rf"([{_WORD_CHARS}]+(?:['\-][{_WORD_CHARS}]+)*)|[^{_WORD_CHARS}]+")
"""In a piece of text without spaces: a word (inner apostrophes and hyphens kept:
``check-in``, ``don't``), or a break, a run of anything else (punctuation, emoji), which
yields ``""``."""
_BREAK = " \x00 "
"""Stands for a link, hashtag, mention or line break: a piece of its own that breaks a
phrase."""
_LAUGH_CHARS = 6
"""A pair of characters repeated to at least this length is laughter (``hahaha``,
``jajaja``, ``kkkkkk``), not a word."""
_MEMO_SIZE = 50_000
"""Distinct pieces of text remembered, all languages together, before the memo starts over
(a few megabytes)."""


def default_stopwords_dir() -> Traversable:
    return importlib.resources.files("signalroom.nlp") / "models" / "stopwords"


@dataclass(frozen=True, slots=True)
class StopWords:
    """The stop words of each language, and the core list for any other."""

    languages: dict[str, frozenset[str]]
    core: frozenset[str]

    @classmethod
    def load(cls, where: Path | Traversable | None = None) -> StopWords:
        """Read the packaged lists (or ``where``'s ``stopwords.json``)."""
        directory = default_stopwords_dir() if where is None else where
        data = json.loads((directory / STOPWORDS_FILE).read_text(encoding="utf-8"))
        languages = {
            str(code): frozenset(str(word) for word in words)
            for code, words in data["languages"].items()
        }
        return cls(languages, frozenset(str(word) for word in data["core"]))

    def of(self, lang: str) -> frozenset[str]:
        """The list for ``lang`` (an ISO 639-1 code); the core list when there is none."""
        return self.languages.get(lang, self.core)


class KeyphraseExtractor:
    """Keywords of posts, read with the stop words of each post's language."""

    def __init__(self, stop_words: StopWords, max_keywords: int = MAX_KEYWORDS) -> None:
        if max_keywords < 1:
            raise ValueError(f"max_keywords must be at least 1, got {max_keywords}")
        self._stop_words = stop_words
        self._max_keywords = max_keywords
        self._max_phrases = min(MAX_PHRASES, max_keywords)
        self._memo: dict[frozenset[str], dict[str, tuple[str, ...]]] = {}
        self._memo_size = 0

    @classmethod
    def load(cls) -> KeyphraseExtractor:
        return cls(StopWords.load())

    def extract_batch(self, texts: Sequence[str], langs: Sequence[str]) -> list[tuple[str, ...]]:
        """The keywords of each text, read in the language beside it."""
        if len(texts) != len(langs):
            raise ValueError(f"{len(langs)} languages given for {len(texts)} texts")
        return [self.extract(text, lang) for text, lang in zip(texts, langs, strict=True)]

    def extract(self, text: str, lang: str = UNDETERMINED) -> tuple[str, ...]:
        """The keywords of one text, best first."""
        runs = self._runs(text, self._stop_words.of(lang))
        return self._rank(runs) if runs else ()

    def _runs(self, text: str, stops: frozenset[str]) -> list[list[str]]:
        """The runs of consecutive content words."""
        text = bound(text, MAX_INPUT_CHARS)
        if not text.isascii():
            text = scrub(text).replace("’", "'")
        if "#" in text or "@" in text or "://" in text:
            text = _ENTITY.sub(_BREAK, text)
        if "\n" in text:
            text = text.replace("\n", _BREAK)
        if self._memo_size > _MEMO_SIZE:
            self._memo.clear()
            self._memo_size = 0
        memo = self._memo.get(stops)
        if memo is None:
            memo = self._memo[stops] = {}
        runs: list[list[str]] = []
        run: list[str] = []
        # Split on white space, then look each piece up: what a piece reads as depends
        # only on it and the list, and social text repeats its pieces, so most are looked
        # up rather than folded and tokenized (four times faster than one regex pass).
        for piece in text.split():
            words = memo.get(piece)
            if words is None:
                words = memo[piece] = _piece_words(fold(piece), stops)
                self._memo_size += 1
            for word in words:
                if word:
                    run.append(word)
                elif run:
                    runs.append(run)
                    run = []
        if run:
            runs.append(run)
        return runs

    def _rank(self, runs: list[list[str]]) -> tuple[str, ...]:
        keywords = self._phrases(runs) if self._max_phrases else []
        return tuple(keywords + _ranked([word for run in runs for word in run], len))[
            : self._max_keywords
        ]

    def _phrases(self, runs: list[list[str]]) -> list[str]:
        """The best phrases: the most frequent, then the longest, then the first."""
        phrases: list[str] = []
        for run in runs:
            size = len(run)
            if size < 2:
                continue
            if size <= MAX_PHRASE_WORDS:
                phrases.append(" ".join(run))
                continue
            start = 0
            while start < size:
                left = size - start
                # A long run is cut into 3- and 2-word phrases, never leaving one word.
                span = 2 if left in (2, 4) else min(left, MAX_PHRASE_WORDS)
                if span > 1:
                    phrases.append(" ".join(run[start : start + span]))
                start += span
        return _ranked(phrases, _word_count)[: self._max_phrases]


def _ranked(items: list[str], weight: Callable[[str], int]) -> list[str]:
    """The distinct items, the most frequent first, then the heaviest, then the first seen
    (``sorted`` is stable)."""
    distinct = dict.fromkeys(items)
    if len(distinct) == len(items):
        return sorted(distinct, key=weight, reverse=True)
    counts: dict[str, int] = {}
    for item in items:
        counts[item] = counts.get(item, 0) + 1
    return sorted(counts, key=lambda item: (counts[item], weight(item)), reverse=True)


def _word_count(phrase: str) -> int:
    return phrase.count(" ") + 1


def _piece_words(piece: str, stops: frozenset[str]) -> tuple[str, ...]:
    """The words of a piece of text between spaces, ``""`` standing for each break (a
    run of punctuation or emoji, a stop word, a number, junk)."""
    if piece.isalpha():
        return (_content_word(piece, stops),)
    return tuple(_content_word(token, stops) for token in _TOKEN.findall(piece))


def _content_word(token: str, stops: frozenset[str]) -> str:
    """The word a token counts as, or ``""`` when it breaks a phrase."""
    if not token:
        return ""
    word = _drop_clitic(token, stops) if "'" in token else token
    if word in stops or not _is_content(word):
        return ""
    return word


def _drop_clitic(word: str, stops: frozenset[str]) -> str:
    """``kestrava's`` → ``kestrava``; ``l'avion`` → ``avion``; other words unchanged."""
    head, _, tail = word.partition("'")
    if tail == "s" and "'" not in head:
        return head
    if head in stops and tail:
        return tail
    return word


def _is_content(word: str) -> bool:
    """Not junk: 2 to 40 characters, a letter among them, not one character or pair of
    characters repeated (``zzzz``, ``hahaha``)."""
    size = len(word)
    if not MIN_WORD_CHARS <= size <= MAX_WORD_CHARS:
        return False
    if not word.isalpha() and not any(char.isalpha() for char in word):
        return False
    if word.count(word[0]) == size:
        return False
    return size < _LAUGH_CHARS or word != (word[:2] * size)[:size]
