"""X posts (one filtered-stream line, ``{"data": {...}, "includes": {"users": [...]},
"matching_rules": [...]}``, exactly as X sent it) to a :class:`Post`.

The author comes from ``includes.users`` (handle, name, followers); the URL is
``https://x.com/<username>/status/<id>``. ``referenced_tweets`` give the reply, quote and
repost parents; ``public_metrics`` the engagement. An edited post arrives again with a new
id and is a new post (its ``edit_history_tweet_ids`` name the versions). Never does I/O or
reads the clock.
"""

from __future__ import annotations

import re
from typing import Annotated, Final

import msgspec

from signalroom.errors import RejectError
from signalroom.models import Author, Engagement, Post, RawItem, post_id
from signalroom.pipeline.normalize import (
    MAX_COUNT,
    MAX_NAME_CHARS,
    MAX_TEXT_CHARS,
    parse_instant,
)
from signalroom.pipeline.normalize import _clean_line as clean_line
from signalroom.pipeline.normalize import _clean_text as clean_text
from signalroom.pipeline.normalize import _lang as language_code
from signalroom.pipeline.normalizers.payload import decode_payload

KIND: Final = "x"
_ID: Final = re.compile(r"[0-9]{1,25}")
_USERNAME: Final = re.compile(r"[A-Za-z0-9_]{1,50}")

_Count = Annotated[int, msgspec.Meta(ge=0)]


class _Metrics(msgspec.Struct, frozen=True):
    retweet_count: _Count = 0
    reply_count: _Count = 0
    like_count: _Count = 0
    quote_count: _Count = 0


class _Reference(msgspec.Struct, frozen=True):
    type: str
    id: str


class _Tweet(msgspec.Struct, frozen=True):
    id: str
    text: Annotated[str, msgspec.Meta(max_length=MAX_TEXT_CHARS)]
    author_id: str = ""
    created_at: str = ""
    lang: str | None = None
    public_metrics: _Metrics | None = None
    referenced_tweets: list[_Reference] = msgspec.field(default_factory=list)


class _UserMetrics(msgspec.Struct, frozen=True):
    followers_count: _Count = 0


class _User(msgspec.Struct, frozen=True):
    id: str
    username: str
    name: Annotated[str, msgspec.Meta(max_length=MAX_NAME_CHARS)] = ""
    public_metrics: _UserMetrics | None = None


class _Includes(msgspec.Struct, frozen=True):
    users: list[_User] = msgspec.field(default_factory=list)


class _Line(msgspec.Struct, frozen=True):
    data: _Tweet
    includes: _Includes = msgspec.field(default_factory=_Includes)


_decoder: Final = msgspec.json.Decoder(_Line)


def normalize_x(item: RawItem) -> Post:
    """One stream line as a Post. Raises RejectError with the reason."""
    line = decode_payload(item.payload, _decoder)
    tweet = line.data
    if _ID.fullmatch(tweet.id) is None:
        raise RejectError(f"data.id: not a post id: {tweet.id[:40]!r}")
    user = next((u for u in line.includes.users if u.id == tweet.author_id), None)
    if user is None:
        raise RejectError("includes.users: the author is missing (expansions=author_id?)")
    if _USERNAME.fullmatch(user.username) is None:
        raise RejectError(f"includes.users.username: not an X handle: {user.username[:40]!r}")
    created = parse_instant(tweet.created_at, "data.created_at")
    text = clean_text(tweet.text).strip()
    if not text:
        raise RejectError("data.text: empty")
    parents = {
        ref.type: post_id(KIND, ref.id) for ref in tweet.referenced_tweets if _ID.fullmatch(ref.id)
    }
    metrics = tweet.public_metrics or _Metrics()
    lang = None
    if tweet.lang and tweet.lang not in ("und", "qme", "qht", "zxx", "art"):
        try:
            lang = language_code(tweet.lang)
        except RejectError:
            lang = None
    followers = user.public_metrics.followers_count if user.public_metrics else 0
    return Post(
        source=item.source,
        native_id=tweet.id,
        url=f"https://x.com/{user.username}/status/{tweet.id}",
        author=Author(
            handle=user.username, name=clean_line(user.name), followers=min(followers, MAX_COUNT)
        ),
        text=text,
        created_at=created,
        received_at=item.received_at,
        engagement=Engagement(
            likes=min(metrics.like_count, MAX_COUNT),
            reposts=min(metrics.retweet_count, MAX_COUNT),
            replies=min(metrics.reply_count, MAX_COUNT),
            quotes=min(metrics.quote_count, MAX_COUNT),
        ),
        reply_to=parents.get("replied_to"),
        quote_of=parents.get("quoted"),
        repost_of=parents.get("retweeted"),
        lang_hint=lang,
    )
