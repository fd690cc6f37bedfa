"""Hashtags, mentions and links found in a post's text.

Hashtags and mentions follow the tokens of docs/QUERY.md (``#SuperBowl`` → ``superbowl``,
``@jaguar.bsky.social`` → ``jaguar.bsky.social``: NFC, case-folded, without ``#``/``@``), so
what the trending widgets count is what a topic query matches. Links are http(s) URLs as
written, with trailing punctuation trimmed. Each kind is de-duplicated in order of first
appearance and capped, so a spam post cannot bloat a row. Pure and total: never raises,
never does I/O.
"""

from __future__ import annotations

import re

import msgspec

from signalroom.casefold import fold
from signalroom.nlp.text import HASHTAG_PATTERN, LINK_PATTERN, MENTION_PATTERN, scrub

MAX_PER_KIND = 64
"""At most this many distinct hashtags, mentions and links are kept per post."""

_ENTITY = re.compile(f"(?P<link>{LINK_PATTERN})|{HASHTAG_PATTERN}|{MENTION_PATTERN}")
# Links come first in the alternation so that a URL's "#fragment" or "/@user" path is
# consumed as part of the link and never read as a hashtag or a mention.

_HAS_WORD_CHAR = re.compile(r"\w")

_TRAILING = frozenset(".,;:!?'\"…*`")
_CLOSERS = {")": "(", "]": "[", "}": "{"}


class Entities(msgspec.Struct, frozen=True):
    """What a post's text points at: hashtags and mentions as bare case-folded tokens,
    links as written."""

    hashtags: tuple[str, ...] = ()
    mentions: tuple[str, ...] = ()
    links: tuple[str, ...] = ()


def extract_entities(text: str) -> Entities:
    """The hashtags, mentions and links of ``text``, each in order of first appearance."""
    if "#" not in text and "@" not in text and "://" not in text:
        return _NONE
    hashtags: dict[str, None] = {}
    mentions: dict[str, None] = {}
    links: dict[str, None] = {}
    for match in _ENTITY.finditer(scrub(text)):
        kind = match.lastgroup
        if kind == "link":
            if len(links) < MAX_PER_KIND:
                link = _trim_link(match.group("link"))
                if link:
                    links[link] = None
        elif kind == "tag":
            if len(hashtags) < MAX_PER_KIND:
                _add_token(hashtags, match.group("tag"))
        elif len(mentions) < MAX_PER_KIND:
            _add_token(mentions, match.group("mention"))
    return Entities(tuple(hashtags), tuple(mentions), tuple(links))


_NONE = Entities()


def _add_token(found: dict[str, None], token: str) -> None:
    # A run of combining marks alone (the keycap emoji "#️⃣" is '#' + two marks) is a
    # token to the query grammar but names nothing a person would call a hashtag.
    if _HAS_WORD_CHAR.search(token):
        found[fold(token)] = None


def _trim_link(link: str) -> str:
    """The link without the punctuation that ends the sentence around it, keeping closing
    brackets that balance an opening one inside the link (``.../Jaguar_(car)``)."""
    end = len(link)
    unbalanced = {
        closer: link.count(closer) - link.count(opener) for closer, opener in _CLOSERS.items()
    }
    while end:
        last = link[end - 1]
        if last in _TRAILING:
            end -= 1
        elif last in unbalanced and unbalanced[last] > 0:
            unbalanced[last] -= 1
            end -= 1
        else:
            break
    scheme_length = len("https://") if link[4] in "sS" else len("http://")
    return link[:end] if end > scheme_length else ""
