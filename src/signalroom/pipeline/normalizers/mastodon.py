"""Mastodon statuses, as the connector yields them, to posts, revisions and tombstones.

The connector wraps each streaming event (or REST status) with the event name and the
instance it came from::

    {"event": "update" | "status.update", "instance": "https://social.example", "status": {...}}
    {"event": "delete", "instance": "https://social.example", "id": "1130...", "uri": "https://..."}

The native id is the status ``uri`` (its federation id), so the same post seen on several
instances is one post. ``read_mastodon`` says what an item is: a new :class:`Post`, a
:class:`Revision` (``status.update``: the post as edited) or a :class:`Tombstone`
(``delete``); it is the :func:`~signalroom.pipeline.normalize.normalizers` entry, and the
pipeline applies revisions and tombstones to the store. HTML content becomes plain text through a real parser. Never does I/O or
reads the clock.
"""

from __future__ import annotations

from typing import Annotated, Final, Literal
from urllib.parse import urlsplit

import msgspec

from signalroom.errors import RejectError
from signalroom.models import Author, Engagement, Post, RawItem, post_id
from signalroom.pipeline.normalize import (
    MAX_ID_CHARS,
    MAX_MEDIA,
    MAX_TEXT_CHARS,
    parse_instant,
)
from signalroom.pipeline.normalize import _clean_line as clean_line
from signalroom.pipeline.normalize import _clean_text as clean_text
from signalroom.pipeline.normalize import _lang as language_code
from signalroom.pipeline.normalize import _show as show
from signalroom.pipeline.normalize import _url as checked_url
from signalroom.pipeline.normalizers.change import Revision, Tombstone
from signalroom.pipeline.normalizers.html_text import html_to_text
from signalroom.pipeline.normalizers.payload import Count, Id, Name, Url, decode_payload

KIND: Final = "mastodon"
EventName = Literal["update", "status.update", "delete"]


class _Account(msgspec.Struct, frozen=True):
    acct: Name
    display_name: Name | None = None
    followers_count: Count | None = None


class _Attachment(msgspec.Struct, frozen=True):
    type: str = ""
    url: Url | None = None


class _Status(msgspec.Struct, frozen=True):
    id: Id
    uri: Url
    created_at: str
    account: _Account
    url: Url | None = None
    edited_at: str | None = None
    language: Annotated[str, msgspec.Meta(max_length=35)] | None = None
    content: str = ""
    spoiler_text: str = ""
    replies_count: Count | None = None
    reblogs_count: Count | None = None
    favourites_count: Count | None = None
    quotes_count: Count | None = None
    reblog: _Status | None = None
    media_attachments: Annotated[list[_Attachment], msgspec.Meta(max_length=MAX_MEDIA)] | None = (
        None
    )


class _Wrapped(msgspec.Struct, frozen=True):
    event: EventName
    instance: Url
    status: _Status | None = None
    id: Id | None = None
    uri: Url | None = None


_decoder: Final = msgspec.json.Decoder(_Wrapped)


def read_mastodon(item: RawItem) -> Post | Revision | Tombstone:
    """What one wrapped event says. Raises RejectError with the reason when it is malformed."""
    wrapped = decode_payload(item.payload, _decoder, whole_utf8=True)
    host = _host(wrapped.instance)
    if wrapped.event == "delete":
        if not wrapped.uri:
            raise RejectError("uri: missing (a deletion must name the status it removes)")
        return Tombstone(
            source=KIND, native_id=_native_id("uri", wrapped.uri), received_at=item.received_at
        )
    status = wrapped.status
    if status is None:
        raise RejectError("status: missing")
    post = _post(status, host, item.received_at)
    if wrapped.event == "status.update" and status.edited_at:
        return Revision(post=post, edited_at=parse_instant(status.edited_at, "status.edited_at"))
    return post


def _post(status: _Status, host: str, received_at: float) -> Post:
    shown = status.reblog or status
    text = _text(shown)
    if not text:
        raise RejectError("status.content: empty")
    if len(text) > MAX_TEXT_CHARS:
        raise RejectError(f"status.content: longer than {MAX_TEXT_CHARS} characters")
    reblog = status.reblog
    link = status.url or shown.url or status.uri
    return Post(
        source=KIND,
        native_id=_native_id("status.uri", status.uri),
        url=checked_url("status.url", link),
        author=_author(status.account, host),
        text=text,
        created_at=parse_instant(status.created_at, "status.created_at"),
        received_at=received_at,
        engagement=Engagement(
            likes=shown.favourites_count or 0,
            reposts=shown.reblogs_count or 0,
            replies=shown.replies_count or 0,
            quotes=shown.quotes_count or 0,
        ),
        repost_of=post_id(KIND, _native_id("status.reblog.uri", reblog.uri)) if reblog else None,
        media=_media(shown.media_attachments),
        lang_hint=_lang_hint(shown.language),
    )


def _text(status: _Status) -> str:
    body = clean_text(html_to_text(status.content)).strip() if status.content else ""
    warning = clean_line(status.spoiler_text) if status.spoiler_text else ""
    # A content warning is what readers see first; topics may match on it too.
    if warning and body:
        return f"{warning}\n\n{body}"
    return warning or body


def _author(account: _Account, host: str) -> Author:
    acct = clean_line(account.acct).removeprefix("@")
    if not acct or " " in acct:
        raise RejectError(f"status.account.acct: not an account: {show(account.acct)}")
    # A local account's acct has no domain: add the instance's, so handles are global.
    handle = acct if "@" in acct else f"{acct}@{host}"
    name = clean_line(account.display_name) if account.display_name else ""
    return Author(handle=handle, name=name, followers=account.followers_count or 0)


def _native_id(field: str, uri: str) -> str:
    if not uri.isprintable() or " " in uri:
        raise RejectError(f"{field}: contains whitespace or control characters: {show(uri)}")
    if not uri:
        raise RejectError(f"{field}: empty")
    if len(uri) > MAX_ID_CHARS:
        raise RejectError(f"{field}: longer than {MAX_ID_CHARS} characters")
    return uri


def _host(instance: str) -> str:
    host = urlsplit(instance).hostname if "://" in instance else None
    if not host:
        raise RejectError(f"instance: not a URL: {show(instance)}")
    return host


def _media(attachments: list[_Attachment] | None) -> tuple[str, ...]:
    if not attachments:
        return ()
    urls: list[str] = []
    for attachment in attachments:
        if attachment.type in ("image", "gifv") and attachment.url:
            try:
                urls.append(checked_url("media", attachment.url))
            except RejectError:
                continue  # a bad attachment link loses the picture, not the post
    return tuple(urls)


def _lang_hint(language: str | None) -> str | None:
    if not language:
        return None
    try:
        return language_code(language)
    except RejectError:
        return None
