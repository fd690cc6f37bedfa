"""News-feed entries (a :class:`~signalroom.sources.feed_item.FeedItem` payload from the
``rss`` source) to a :class:`Post`: a press hit.

The author is the outlet (handle = its domain, name = its name, followers = its estimated
audience). The title loses Google News' `` - Publisher`` suffix; the text is the entry's
content or summary as plain text, left empty when it only repeats the title (Google News
descriptions do). ``created_at`` is the entry's date, else when it was received. The
native id is :func:`~signalroom.sources.feed_item.entry_native_id`. Never does I/O or reads
the clock.
"""

from __future__ import annotations

from typing import Final

import msgspec

from signalroom.errors import RejectError
from signalroom.models import Author, Post, RawItem
from signalroom.pipeline.normalize import (
    MAX_NAME_CHARS,
    MAX_TEXT_CHARS,
    MAX_TITLE_CHARS,
    MAX_URL_CHARS,
)
from signalroom.pipeline.normalize import _clean_line as clean_line
from signalroom.pipeline.normalize import _clean_text as clean_text
from signalroom.pipeline.normalize import _lang as language_code
from signalroom.pipeline.normalizers.html_text import html_to_text
from signalroom.pipeline.normalizers.payload import decode_payload
from signalroom.sources.feed_item import FeedItem, entry_native_id

KIND: Final = "rss"
_MAX_INSTANT: Final = 253_402_300_799.0
_decoder: Final = msgspec.json.Decoder(FeedItem)


def normalize_rss(item: RawItem) -> Post:
    """One feed entry as a Post. Raises RejectError with the reason."""
    entry = decode_payload(item.payload, _decoder)
    native_id = entry_native_id(entry.guid, entry.link, entry.feed_url)
    if native_id is None:
        raise RejectError("entry has neither a guid nor an http(s) link")
    title = clean_line(entry.title)[:MAX_TITLE_CHARS] if entry.title else ""
    outlet = clean_line(entry.outlet)[:MAX_NAME_CHARS]
    if entry.source_title and title.endswith(f" - {clean_line(entry.source_title)}"):
        title = title[: -len(f" - {clean_line(entry.source_title)}")].rstrip()
    body = entry.content or entry.summary
    text = clean_text(html_to_text(body)).strip()[:MAX_TEXT_CHARS] if body else ""
    if text and _only_repeats(text, title, outlet):
        text = ""
    if not text and not title:
        raise RejectError("entry has no title and no text")
    domain = entry.outlet_domain.strip().lower()
    if not domain or any(c.isspace() for c in domain) or len(domain) > MAX_NAME_CHARS:
        raise RejectError(f"outlet_domain: not a domain: {domain[:60]!r}")
    created = entry.published_at
    if created is None or not (0.0 <= created <= _MAX_INSTANT):
        created = item.received_at
    lang = None
    if entry.feed_lang:
        try:
            lang = language_code(entry.feed_lang)
        except RejectError:
            lang = None  # a feed's odd language tag is a hint we can do without
    return Post(
        source=item.source,
        native_id=native_id,
        url=_web_url(entry.link) or _web_url(entry.guid),
        author=Author(handle=domain, name=outlet, followers=max(0, entry.outlet_reach)),
        text=text,
        title=title,
        created_at=created,
        received_at=item.received_at,
        lang_hint=lang,
    )


def _only_repeats(text: str, title: str, outlet: str) -> bool:
    """Whether the text says nothing but the title and the outlet's name."""
    flat = " ".join(text.split())
    for part in (title, outlet):
        if part and flat.startswith(part):
            flat = flat[len(part) :].strip(" -–—|·")
    return not flat


def _web_url(value: str) -> str:
    value = value.strip()
    if (
        value[:8].lower().startswith(("http://", "https://"))
        and len(value) <= MAX_URL_CHARS
        and value.isprintable()
        and " " not in value
    ):
        return value
    return ""
