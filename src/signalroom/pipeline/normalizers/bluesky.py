"""Bluesky posts: a Jetstream ``app.bsky.feed.post`` create, wrapped by the connector with
its author's profile (``{"profile": {...} | null, "event": {...}}``), to a :class:`Post`.

The native id is ``{did}/{rkey}``; the URL is ``https://bsky.app/profile/{did}/post/{rkey}``
(the DID form never breaks when a handle changes). ``created_at`` is the event's ``time_us``
(when Jetstream saw the post): the record's ``createdAt`` is set by the client and can be
back- or future-dated. A post whose profile was not resolved carries its DID as handle and
0 followers. Never does I/O or reads the clock.
"""

from __future__ import annotations

import re
from typing import Annotated, Final

import msgspec

from signalroom.errors import RejectError
from signalroom.models import Author, Post, RawItem, post_id
from signalroom.pipeline.normalize import (
    MAX_ID_CHARS,
    MAX_MEDIA,
    MAX_TEXT_CHARS,
    MAX_TITLE_CHARS,
)
from signalroom.pipeline.normalize import _clean_line as clean_line
from signalroom.pipeline.normalize import _clean_text as clean_text
from signalroom.pipeline.normalize import _lang as language_code
from signalroom.pipeline.normalize import _show as show
from signalroom.pipeline.normalizers.change import Tombstone
from signalroom.pipeline.normalizers.payload import Count, Name, Url, decode_payload

KIND: Final = "bluesky"
POST_COLLECTION: Final = "app.bsky.feed.post"
IMAGE_CDN: Final = "https://cdn.bsky.app/img/feed_fullsize/plain"
# Instants Jetstream can have stamped: 2023-01-01 .. 2100-01-01, in microseconds.
_MIN_TIME_US: Final = 1_672_531_200_000_000
_MAX_TIME_US: Final = 4_102_444_800_000_000
_DID: Final = re.compile(r"did:[a-z]+:[a-zA-Z0-9._:%-]{1,180}")
_RKEY: Final = re.compile(r"[a-zA-Z0-9._:~-]{1,100}")
_CID: Final = re.compile(r"[a-zA-Z0-9]{8,120}")
_POST_URI: Final = re.compile(r"at://(?P<did>[^/]+)/app\.bsky\.feed\.post/(?P<rkey>[^/?#]+)")


class _Profile(msgspec.Struct, frozen=True, rename="camel"):
    handle: Name
    display_name: Name | None = None
    followers_count: Count | None = None


class _Ref(msgspec.Struct, frozen=True):
    uri: Url


class _Reply(msgspec.Struct, frozen=True):
    parent: _Ref


class _BlobLink(msgspec.Struct, frozen=True):
    link: str = msgspec.field(name="$link")


class _Blob(msgspec.Struct, frozen=True):
    ref: _BlobLink | None = None


class _Image(msgspec.Struct, frozen=True):
    image: _Blob | None = None
    alt: Annotated[str, msgspec.Meta(max_length=MAX_TEXT_CHARS)] = ""


class _External(msgspec.Struct, frozen=True):
    title: Annotated[str, msgspec.Meta(max_length=MAX_TITLE_CHARS)] = ""
    description: Annotated[str, msgspec.Meta(max_length=MAX_TEXT_CHARS)] = ""


class _Media(msgspec.Struct, frozen=True):
    images: Annotated[list[_Image], msgspec.Meta(max_length=MAX_MEDIA)] | None = None
    external: _External | None = None


class _Quoted(msgspec.Struct, frozen=True):
    """``record`` of ``embed.record`` is a strong ref; of ``embed.recordWithMedia`` it is an
    ``embed.record`` whose own ``record`` is the ref."""

    uri: Url | None = None
    record: _Ref | None = None


class _Embed(msgspec.Struct, frozen=True):
    """Every embed kind in one loose shape, so a kind added later never rejects a post."""

    images: Annotated[list[_Image], msgspec.Meta(max_length=MAX_MEDIA)] | None = None
    external: _External | None = None
    record: _Quoted | None = None
    media: _Media | None = None


class _Record(msgspec.Struct, frozen=True):
    text: Annotated[str, msgspec.Meta(max_length=MAX_TEXT_CHARS)] = ""
    langs: (
        Annotated[list[Annotated[str, msgspec.Meta(max_length=35)]], msgspec.Meta(max_length=8)]
        | None
    ) = None
    reply: _Reply | None = None
    embed: _Embed | None = None


class _Commit(msgspec.Struct, frozen=True):
    operation: str
    collection: str
    rkey: str
    record: _Record | None = None


class _Event(msgspec.Struct, frozen=True):
    did: str
    time_us: int
    kind: str
    commit: _Commit | None = None


class _Wrapped(msgspec.Struct, frozen=True):
    event: _Event
    profile: _Profile | None = None


_decoder: Final = msgspec.json.Decoder(_Wrapped)


def normalize_bluesky(item: RawItem) -> Post | Tombstone:
    """Read one wrapped Jetstream post create (a Post) or delete (a Tombstone). Raises
    RejectError with the reason."""
    wrapped = decode_payload(item.payload, _decoder, whole_utf8=True)
    event = wrapped.event
    commit = event.commit
    if event.kind != "commit" or commit is None:
        raise RejectError(f"event.kind: not a commit: {show(event.kind)}")
    if commit.collection == POST_COLLECTION and commit.operation == "delete":
        if _DID.fullmatch(event.did) is None or _RKEY.fullmatch(commit.rkey) is None:
            raise RejectError("event: a deletion must name a DID and a record key")
        return Tombstone(
            source=KIND, native_id=f"{event.did}/{commit.rkey}", received_at=item.received_at
        )
    if commit.collection != POST_COLLECTION or commit.operation != "create":
        raise RejectError(
            f"event.commit: not a post create: {show(commit.operation)} "
            f"of {show(commit.collection)}"
        )
    record = commit.record
    if record is None:
        raise RejectError("event.commit.record: missing")
    did = event.did
    if _DID.fullmatch(did) is None:
        raise RejectError(f"event.did: not a DID: {show(did)}")
    rkey = commit.rkey
    if _RKEY.fullmatch(rkey) is None:
        raise RejectError(f"event.commit.rkey: not a record key: {show(rkey)}")
    if not _MIN_TIME_US <= event.time_us <= _MAX_TIME_US:
        raise RejectError(f"event.time_us: out of range 2023..2100: {event.time_us}")
    native_id = f"{did}/{rkey}"
    if len(native_id) > MAX_ID_CHARS:
        raise RejectError(f"id: longer than {MAX_ID_CHARS} characters")
    text = clean_text(record.text).strip() if record.text else ""
    embed = record.embed
    title = ""
    if embed is not None:
        external = embed.external or (embed.media.external if embed.media else None)
        if external is not None and external.title:
            title = clean_line(external.title)[:MAX_TITLE_CHARS]
        if not text:
            text = _embed_text(embed)
    if not text and not title:
        raise RejectError("text: empty and no link card or image description")
    return Post(
        source=KIND,
        native_id=native_id,
        url=f"https://bsky.app/profile/{did}/post/{rkey}",
        author=_author(did, wrapped.profile),
        text=text,
        created_at=event.time_us / 1e6,
        received_at=item.received_at,
        title=title,
        reply_to=_post_ref(record.reply.parent.uri) if record.reply else None,
        quote_of=_quote_of(embed) if embed else None,
        media=_media(did, embed) if embed else (),
        lang_hint=_lang_hint(record.langs),
    )


def _author(did: str, profile: _Profile | None) -> Author:
    if profile is None:
        return Author(handle=did)
    handle = clean_line(profile.handle).removeprefix("@") if profile.handle else ""
    if not handle or " " in handle or handle == "handle.invalid":
        handle = did
    name = clean_line(profile.display_name) if profile.display_name else ""
    return Author(handle=handle, name=name, followers=profile.followers_count or 0)


def _embed_text(embed: _Embed) -> str:
    """What a post with no text says through its embed: the link card, or image alt texts."""
    external = embed.external or (embed.media.external if embed.media else None)
    if external is not None and external.description:
        return clean_text(external.description).strip()
    images = embed.images or (embed.media.images if embed.media else None) or []
    alts = [clean_text(image.alt).strip() for image in images if image.alt]
    return "\n".join(alt for alt in alts if alt)[:MAX_TEXT_CHARS]


def _post_ref(uri: str) -> str | None:
    """The post id an ``at://`` post URI points at, or None for anything else."""
    found = _POST_URI.fullmatch(uri)
    if found is None:
        return None
    did, rkey = found["did"], found["rkey"]
    if _DID.fullmatch(did) is None or _RKEY.fullmatch(rkey) is None:
        return None
    return post_id(KIND, f"{did}/{rkey}")


def _quote_of(embed: _Embed) -> str | None:
    quoted = embed.record
    if quoted is None:
        return None
    if quoted.uri is not None:
        return _post_ref(quoted.uri)
    if quoted.record is not None:
        return _post_ref(quoted.record.uri)
    return None


def _media(did: str, embed: _Embed) -> tuple[str, ...]:
    images = embed.images or (embed.media.images if embed.media else None) or []
    urls: list[str] = []
    for image in images:
        link = image.image.ref.link if image.image and image.image.ref else ""
        if _CID.fullmatch(link):
            urls.append(f"{IMAGE_CDN}/{did}/{link}@jpeg")
    return tuple(urls)


def _lang_hint(langs: list[str] | None) -> str | None:
    if not langs:
        return None
    try:
        return language_code(langs[0])
    except RejectError:
        # A bad self-declared language is only a hint lost, not a bad post.
        return None
