"""Reddit items (one listing child, ``{"kind": "t3"|"t1", "data": {...}}``, exactly as
Reddit sent it) to a :class:`Post`.

The native id is the fullname (``t3_...`` for a submission, ``t1_...`` for a comment), so
the ``parent_id`` of a comment is already a post id. Text is the Markdown source
(``selftext``/``body``) as written; a submission keeps its title. The score is likes and the
comment count replies. Reddit does not give authors' followers in listings: 0. Never does
I/O or reads the clock.
"""

from __future__ import annotations

import re
from typing import Annotated, Final, Literal

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
from signalroom.pipeline.normalizers.payload import decode_payload

KIND: Final = "reddit"
SITE: Final = "https://www.reddit.com"
_FULLNAME: Final = re.compile(r"t[1-6]_[0-9a-z]{1,20}")
_MAX_INSTANT: Final = 253_402_300_799.0

_Fullname = Annotated[str, msgspec.Meta(max_length=30)]


class _Data(msgspec.Struct, frozen=True):
    name: _Fullname
    created_utc: Annotated[float, msgspec.Meta(ge=0, le=_MAX_INSTANT)]
    author: Annotated[str, msgspec.Meta(max_length=MAX_NAME_CHARS)] = ""
    permalink: Annotated[str, msgspec.Meta(max_length=MAX_URL_CHARS)] = ""
    subreddit: Annotated[str, msgspec.Meta(max_length=MAX_NAME_CHARS)] = ""
    title: Annotated[str, msgspec.Meta(max_length=MAX_TITLE_CHARS)] = ""
    selftext: Annotated[str, msgspec.Meta(max_length=MAX_TEXT_CHARS)] = ""
    body: Annotated[str, msgspec.Meta(max_length=MAX_TEXT_CHARS)] = ""
    parent_id: _Fullname | None = None
    score: int = 0
    num_comments: int = 0


class _Child(msgspec.Struct, frozen=True):
    kind: Literal["t1", "t3"]
    data: _Data


_decoder: Final = msgspec.json.Decoder(_Child)


def normalize_reddit(item: RawItem) -> Post:
    """One listing child as a Post. Raises RejectError with the reason."""
    child = decode_payload(item.payload, _decoder)
    data = child.data
    if _FULLNAME.fullmatch(data.name) is None or not data.name.startswith(child.kind):
        raise RejectError(f"data.name: not a {child.kind} fullname: {data.name[:40]!r}")
    author = data.author.strip()
    if not author or any(c.isspace() for c in author):
        raise RejectError(f"data.author: not a user name: {author[:40]!r}")
    is_comment = child.kind == "t1"
    text = clean_text(data.body if is_comment else data.selftext).strip()
    title = "" if is_comment else clean_line(data.title)
    if text in ("[deleted]", "[removed]"):
        text = ""
    if not text and not title:
        raise RejectError("neither text nor title (deleted or removed?)")
    reply_to = None
    if is_comment and data.parent_id and _FULLNAME.fullmatch(data.parent_id):
        reply_to = post_id(KIND, data.parent_id)
    permalink = data.permalink
    url = f"{SITE}{permalink}" if permalink.startswith("/") and " " not in permalink else ""
    return Post(
        source=item.source,
        native_id=data.name,
        url=url,
        author=Author(handle=author, name=author),
        text=text,
        title=title,
        created_at=data.created_utc,
        received_at=item.received_at,
        engagement=Engagement(likes=_count(data.score), replies=_count(data.num_comments)),
        reply_to=reply_to,
    )


def _count(value: int) -> int:
    return min(max(0, value), MAX_COUNT)
