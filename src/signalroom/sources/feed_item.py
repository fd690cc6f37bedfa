"""The payload of one news-feed entry as the ``rss`` source yields it, and the entry's stable
native id: the contract between ``sources.feeds`` (which writes it) and the ``rss``
normalizer (which reads it).

The source re-encodes what feedparser read from the feed (values untouched, HTML still
HTML) plus what it knows about the outlet, so the normalizer stays a pure function of the
payload. Pure: no I/O.
"""

from __future__ import annotations

import hashlib
from typing import Final
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import msgspec

MAX_NATIVE_ID_CHARS: Final = 200
_TRACKING_PREFIXES: Final = ("utm_",)
_TRACKING_KEYS: Final = frozenset({"fbclid", "gclid", "mc_cid", "mc_eid"})


class FeedItem(msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True):
    """One entry of an RSS or Atom feed, with its feed and outlet."""

    feed_url: str
    """The URL the entry was fetched from (a Google News search URL for searches)."""
    feed_title: str = ""
    feed_lang: str = ""
    guid: str = ""
    """RSS ``<guid>`` or Atom ``<id>``, as written."""
    link: str = ""
    title: str = ""
    summary: str = ""
    """RSS ``<description>`` or Atom ``<summary>``, HTML or text as in the feed."""
    content: str = ""
    """Atom ``<content>`` or RSS ``<content:encoded>``, when present."""
    author: str = ""
    published: str = ""
    """The date as written in the feed."""
    published_at: float | None = None
    """``published`` (else ``updated``) read by feedparser, UTC epoch seconds."""
    source_title: str = ""
    """The ``<source>`` element: the publisher, on aggregators such as Google News."""
    source_url: str = ""
    outlet: str
    """The outlet's name: ``<source>``'s title, else the feed's title, else its domain."""
    outlet_domain: str
    outlet_reach: int
    """The outlet's estimated audience (``sources.outlets`` or the settings' override)."""


def entry_native_id(guid: str, link: str, feed_url: str) -> str | None:
    """The stable id of an entry: its guid (a URL guid normalised; an opaque one prefixed
    with the feed's host, so two feeds' guid ``"1"`` stay apart while one Google News
    article found by two searches stays one), else its normalised link; hashed when too
    long to be an id. None when the entry has neither."""
    guid, link = guid.strip(), link.strip()
    if guid:
        if _is_web_url(guid):
            native = normalize_url(guid)
        else:
            host = (urlsplit(feed_url).hostname or "feed").lower()
            native = f"{host}/{guid}"
    elif link and _is_web_url(link):
        native = normalize_url(link)
    else:
        return None
    if len(native) > MAX_NATIVE_ID_CHARS or not native.isprintable():
        return "sha256:" + hashlib.sha256(native.encode("utf-8", "replace")).hexdigest()[:40]
    return native


def normalize_url(url: str) -> str:
    """Lower-case scheme and host, no default port, no fragment, no tracking parameters."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        return url.strip()
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    if port is not None and not (
        (scheme == "http" and port == 80) or (scheme == "https" and port == 443)
    ):
        host = f"{host}:{port}"
    query = parts.query
    if query:
        pairs = parse_qsl(query, keep_blank_values=True)
        kept = [
            (k, v)
            for k, v in pairs
            if not k.lower().startswith(_TRACKING_PREFIXES) and k.lower() not in _TRACKING_KEYS
        ]
        if len(kept) != len(pairs):
            query = urlencode(kept)
    return urlunsplit((scheme, host, parts.path or "/", query, ""))


def _is_web_url(value: str) -> bool:
    lowered = value[:8].lower()
    return lowered.startswith(("http://", "https://"))
