"""YouTube comments, as the connector yields them, to a :class:`Post`.

The connector wraps each comment resource (exactly as the Data API sent it) with the video
it belongs to::

    {"videoId": "aBcDeFgHiJk", "totalReplyCount": 2, "comment": {"id": "Ugx...", "snippet": {...}}}

(``totalReplyCount`` only for a thread's top-level comment; ``comment`` is null and
``thread`` holds the raw item when a thread had no readable ``topLevelComment``). The native
id is the comment id; a reply (``snippet.parentId``) replies to its thread's comment. Text
is ``textOriginal`` (else ``textDisplay``, asked for as plain text). The author's handle is
their ``@handle`` when ``authorDisplayName`` is one, else their channel id. Likes count as
likes and a thread's replies as replies; the API gives no follower counts, so reach is 0.
An edited comment (``updatedAt`` later than ``publishedAt``) is the same post: the
connector meets a comment once, so an edit is never news about a stored post. Never does
I/O or reads the clock.
"""

from __future__ import annotations

import re
from typing import Annotated, Final

import msgspec

from signalroom.errors import RejectError
from signalroom.models import Author, Engagement, Post, RawItem, post_id
from signalroom.pipeline.normalize import MAX_ID_CHARS, MAX_TEXT_CHARS, parse_instant
from signalroom.pipeline.normalize import _clean_line as clean_line
from signalroom.pipeline.normalize import _clean_text as clean_text
from signalroom.pipeline.normalize import _show as show
from signalroom.pipeline.normalizers.payload import Count, Id, Name, decode_payload

KIND: Final = "youtube"
WATCH_URL: Final = "https://www.youtube.com/watch?v="
_COMMENT_ID: Final = re.compile(r"[A-Za-z0-9_.-]+")
_VIDEO_ID: Final = re.compile(r"[A-Za-z0-9_-]{1,64}")
_MAX_INSTANT: Final = 253_402_300_799.0

_Text = Annotated[str, msgspec.Meta(max_length=MAX_TEXT_CHARS)]


class _ChannelId(msgspec.Struct, frozen=True):
    value: Name = ""


class _Snippet(msgspec.Struct, frozen=True, rename="camel"):
    published_at: Annotated[str, msgspec.Meta(max_length=64)]
    text_original: _Text | None = None
    text_display: _Text | None = None
    author_display_name: Name | None = None
    author_channel_id: _ChannelId | None = None
    like_count: Count | None = None
    parent_id: Id | None = None
    video_id: Id | None = None
    updated_at: Annotated[str, msgspec.Meta(max_length=64)] | None = None


class _Comment(msgspec.Struct, frozen=True):
    id: Id
    snippet: _Snippet


class _Wrapped(msgspec.Struct, frozen=True, rename="camel"):
    video_id: Id | None = None
    total_reply_count: Count | None = None
    comment: _Comment | None = None
    thread: msgspec.Raw = msgspec.field(default_factory=msgspec.Raw)
    """Empty when absent (msgspec cannot decode ``Raw | None``)."""


_decoder: Final = msgspec.json.Decoder(_Wrapped)


def normalize_youtube(item: RawItem) -> Post:
    """One wrapped comment as a Post. Raises RejectError with the reason."""
    wrapped = decode_payload(item.payload, _decoder, whole_utf8=True)
    comment = wrapped.comment
    if comment is None:
        if bytes(wrapped.thread) not in (b"", b"null"):
            raise RejectError("thread: no topLevelComment with an id (not a comment thread)")
        raise RejectError("comment: missing")
    native_id = comment.id
    if not native_id or len(native_id) > MAX_ID_CHARS or not _COMMENT_ID.fullmatch(native_id):
        raise RejectError(f"comment.id: not a YouTube comment id: {show(native_id)}")
    snippet = comment.snippet
    raw_text = snippet.text_original or snippet.text_display or ""
    text = clean_text(raw_text).strip() if raw_text else ""
    if not text:
        raise RejectError("comment.snippet: no text (textOriginal and textDisplay empty)")
    video = wrapped.video_id or snippet.video_id or ""
    if video and not _VIDEO_ID.fullmatch(video):
        raise RejectError(f"videoId: not a YouTube video id: {show(video)}")
    parent = snippet.parent_id
    if parent is not None and not _COMMENT_ID.fullmatch(parent):
        raise RejectError(f"comment.snippet.parentId: not a comment id: {show(parent)}")
    return Post(
        source=item.source,
        native_id=native_id,
        url=f"{WATCH_URL}{video}&lc={native_id}" if video else "",
        author=_author(snippet),
        text=text,
        created_at=parse_instant(snippet.published_at, "comment.snippet.publishedAt"),
        received_at=item.received_at,
        engagement=Engagement(
            likes=snippet.like_count or 0,
            replies=0 if parent else wrapped.total_reply_count or 0,
        ),
        reply_to=post_id(KIND, parent) if parent else None,
    )


def _author(snippet: _Snippet) -> Author:
    name = clean_line(snippet.author_display_name) if snippet.author_display_name else ""
    channel = snippet.author_channel_id.value.strip() if snippet.author_channel_id else ""
    handle = ""
    if name.startswith("@") and len(name) > 1 and " " not in name:
        handle = name[1:]
    elif channel and _VIDEO_ID.fullmatch(channel):
        handle = channel
    if not handle:
        raise RejectError(
            "comment.snippet: no author (neither an @handle in authorDisplayName nor an "
            "authorChannelId)"
        )
    return Author(handle=handle, name=name)
