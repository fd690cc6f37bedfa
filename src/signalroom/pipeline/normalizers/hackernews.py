"""Hacker News items (one Algolia search hit, exactly as Algolia sent it) to a :class:`Post`.

A story keeps its title and its ``story_text`` (Ask HN and the like) as text; a comment's
HTML ``comment_text`` becomes plain text and it replies to its ``parent_id``. The URL is the
item's page on news.ycombinator.com; points are likes and a story's comment count its
replies. HN has no followers, so an author's reach is 0. Never does I/O or reads the clock.
"""

from __future__ import annotations

from typing import Annotated, Final

import msgspec

from signalroom.errors import RejectError
from signalroom.models import Author, Engagement, Post, RawItem, post_id
from signalroom.pipeline.normalize import (
    MAX_COUNT,
    MAX_NAME_CHARS,
    MAX_TEXT_CHARS,
    MAX_TITLE_CHARS,
    MAX_URL_CHARS,
)
from signalroom.pipeline.normalize import _clean_line as clean_line
from signalroom.pipeline.normalize import _clean_text as clean_text
from signalroom.pipeline.normalizers.html_text import html_to_text
from signalroom.pipeline.normalizers.payload import Count, decode_payload

KIND: Final = "hackernews"
ITEM_URL: Final = "https://news.ycombinator.com/item?id="
_MAX_INSTANT: Final = 253_402_300_799

_Id = Annotated[str, msgspec.Meta(min_length=1, max_length=40, pattern=r"^[0-9]+$")]


class _Hit(msgspec.Struct, frozen=True):
    object_id: _Id = msgspec.field(name="objectID")
    created_at_i: Annotated[int, msgspec.Meta(ge=0, le=_MAX_INSTANT)] = -1
    author: Annotated[str, msgspec.Meta(max_length=MAX_NAME_CHARS)] | None = None
    title: Annotated[str, msgspec.Meta(max_length=MAX_TITLE_CHARS)] | None = None
    url: Annotated[str, msgspec.Meta(max_length=MAX_URL_CHARS)] | None = None
    story_text: Annotated[str, msgspec.Meta(max_length=MAX_TEXT_CHARS * 2)] | None = None
    comment_text: Annotated[str, msgspec.Meta(max_length=MAX_TEXT_CHARS * 2)] | None = None
    parent_id: Count | None = None
    story_id: Count | None = None
    points: int | None = None
    num_comments: int | None = None
    tags: list[str] = msgspec.field(default_factory=list, name="_tags")


_decoder: Final = msgspec.json.Decoder(_Hit)


def normalize_hackernews(item: RawItem) -> Post:
    """One Algolia hit as a Post. Raises RejectError with the reason."""
    hit = decode_payload(item.payload, _decoder)
    if hit.created_at_i < 0:
        raise RejectError("created_at_i: missing")
    author = (hit.author or "").strip()
    if not author or any(c.isspace() for c in author):
        raise RejectError(f"author: not an HN user name: {author[:60]!r}")
    is_comment = "comment" in hit.tags or hit.comment_text is not None
    body = hit.comment_text if is_comment else hit.story_text
    text = clean_text(html_to_text(body)).strip()[:MAX_TEXT_CHARS] if body else ""
    title = "" if is_comment else clean_line(hit.title or "")
    if not text and not title:
        raise RejectError("neither text nor title (a deleted item?)")
    reply_to = None
    if is_comment and (hit.parent_id or hit.story_id):
        reply_to = post_id(KIND, str(hit.parent_id or hit.story_id))
    return Post(
        source=item.source,
        native_id=hit.object_id,
        url=f"{ITEM_URL}{hit.object_id}",
        author=Author(handle=author, name=author),
        text=text,
        title=title,
        created_at=float(hit.created_at_i),
        received_at=item.received_at,
        engagement=Engagement(likes=max(0, hit.points or 0), replies=max(0, hit.num_comments or 0)),
        reply_to=reply_to,
    )


def _count(value: int | None) -> int:
    return min(max(0, value or 0), MAX_COUNT)
