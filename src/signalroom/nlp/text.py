"""Post text as the NLP layer sees it: the searchable text, the shapes of links, hashtags
and mentions in it, and how to make any string safe and bounded before a model reads it.

Everything here is pure and total: any ``str`` in (lone surrogates, control characters,
100 KB of junk), a valid ``str`` out, never an exception. It must not load models or do I/O.
"""

from __future__ import annotations

import re
import unicodedata

from signalroom.models import Post


def searchable_text(post: Post) -> str:
    """The text and, where the source has one, the title, joined by a newline (docs/QUERY.md)."""
    return f"{post.text}\n{post.title}" if post.title else post.text


def model_text(post: Post, max_chars: int) -> str:
    """The searchable text bounded for a model, each part cut on its own so that a huge
    body never pushes the title (a news headline, the most telling line) out of view."""
    text = bound(post.text, max_chars)
    return f"{text}\n{bound(post.title, max_chars)}" if post.title else text


def bound(text: str, max_chars: int) -> str:
    """At most ``max_chars`` characters, cut at a space near the limit when there is one so
    that the last word is not chopped into something the model mistakes for another word."""
    if len(text) <= max_chars:
        return text
    head = text[:max_chars]
    space = head.rfind(" ", max_chars - max_chars // 8)
    return head[:space] if space > 0 else head


def scrub(text: str) -> str:
    """The text with lone surrogates replaced by ``?``: the models take UTF-8, which cannot
    encode them, and the store and the wire must be able to encode whatever we derive."""
    if text.isascii():
        return text
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return text.encode("utf-8", "replace").decode("utf-8")
    return text


def _mark_ranges() -> str:
    # Python's \w has letters, digits and "_" but not combining marks, which docs/QUERY.md
    # counts as token characters (Devanagari vowel signs, Arabic harakat, decomposed
    # accents). Unicode assigns marks only in planes 0, 1 and 14, so scanning those keeps
    # the one-off cost at import to a few milliseconds.
    ranges: list[str] = []
    start = -1
    previous = -1
    for plane in (range(0x20000), range(0xE0000, 0xE1000)):
        for code in plane:
            if unicodedata.category(chr(code))[0] == "M":
                if start < 0:
                    start = code
                previous = code
            elif start >= 0:
                ranges.append(_class_range(start, previous))
                start = -1
    if start >= 0:
        ranges.append(_class_range(start, previous))
    return "".join(ranges)


def _class_range(first: int, last: int) -> str:
    if first == last:
        return f"\\U{first:08x}"
    return f"\\U{first:08x}-\\U{last:08x}"


TOKEN_CHARS = r"\w" + _mark_ranges()
"""The body of a regex character class matching one token character of docs/QUERY.md:
a Unicode letter, digit, mark or ``_``."""

LINK_PATTERN = r"(?i:https?)://[^\s<>\"“”‘’«»]+"
"""An http(s) URL up to the first whitespace or quote; trailing punctuation is trimmed by
whoever needs it exact (:mod:`signalroom.nlp.entities`)."""

HASHTAG_PATTERN = rf"#(?<![{TOKEN_CHARS}&]#)(?P<tag>[{TOKEN_CHARS}]+)"
"""``#`` directly before a token, not glued to a word (``C#x``) nor an HTML entity (``&#39;``).
The ``#`` comes before the look-behind so the regex engine tries the look-behind only at a
``#``, not at every character (four times faster on typical posts)."""

MENTION_PATTERN = rf"@(?<![{TOKEN_CHARS}]@)(?P<mention>[{TOKEN_CHARS}]+(?:\.[{TOKEN_CHARS}]+)*)"
"""``@`` directly before a handle: tokens joined by single dots (``jaguar.bsky.social``).
Not after a token character, so an e-mail address is not a mention."""

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def one_line(text: str) -> str:
    """The words of ``text`` separated by single spaces: fastText refuses newlines and
    splits words on only a few control characters, so every model input goes through this."""
    if not text.isprintable():
        text = _CONTROL.sub(" ", text)
    return " ".join(text.split())
