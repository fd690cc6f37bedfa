"""Turn a raw item into a :class:`Post`, or into a :class:`Reject` that says precisely why not.

``normalize`` picks the normalizer for the item's source kind; ``normalize_generic`` reads
the generic post JSON format (``docs/post-format.md``) that the demo, webhook ingest and
file import speak. This is the hot path (thousands of items a second): decoding is one
typed msgspec pass, and text cleaning only does work when the text needs it.

Must never raise for bad input (any bytes give a Post or a Reject), never do I/O and never
read the clock: ``received_at`` comes from the item.
"""

from __future__ import annotations

import functools
import math
import re
import unicodedata
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Annotated, Final

import msgspec

from signalroom.errors import RejectError
from signalroom.models import Author, Engagement, Post, RawItem, Reject, post_id
from signalroom.pipeline.normalizers.change import Revision, Tombstone

MAX_PAYLOAD_BYTES: Final = 2_000_000
MAX_ID_CHARS: Final = 200
MAX_TEXT_CHARS: Final = 100_000
MAX_TITLE_CHARS: Final = 2_000
MAX_NAME_CHARS: Final = 300
MAX_URL_CHARS: Final = 4_096
MAX_MEDIA: Final = 50
MAX_COUNT: Final = 2**53 - 1
"""Counts above this cannot be shown exactly by a browser, so they are not believed."""

# Epoch seconds of 1970-01-01 .. 9999-12-31T23:59:59Z: what every later stage can format.
_MIN_INSTANT: Final = 0.0
_MAX_INSTANT: Final = 253_402_300_799.0

_Count = Annotated[int, msgspec.Meta(ge=0, le=MAX_COUNT)]
# Lengths are checked by msgspec while decoding (fast); the reasons are reworded below.
_Id = Annotated[str, msgspec.Meta(max_length=MAX_ID_CHARS)]
_Name = Annotated[str, msgspec.Meta(max_length=MAX_NAME_CHARS)]
_Url = Annotated[str, msgspec.Meta(max_length=MAX_URL_CHARS)]


class _AuthorIn(msgspec.Struct, frozen=True):
    handle: _Name
    name: _Name | None = None
    followers: _Count | None = None


class _EngagementIn(msgspec.Struct, frozen=True):
    likes: _Count | None = None
    reposts: _Count | None = None
    replies: _Count | None = None
    quotes: _Count | None = None


class _GenericIn(msgspec.Struct, frozen=True):
    """The generic post format as it arrives. Unknown fields are ignored (forward compatible);
    optional fields may be absent or ``null``."""

    id: _Id
    author: _AuthorIn
    created_at: str | float
    url: _Url | None = None
    text: Annotated[str, msgspec.Meta(max_length=MAX_TEXT_CHARS)] | None = None
    title: Annotated[str, msgspec.Meta(max_length=MAX_TITLE_CHARS)] | None = None
    engagement: _EngagementIn | None = None
    reply_to: _Id | None = None
    quote_of: _Id | None = None
    repost_of: _Id | None = None
    media: Annotated[list[_Url], msgspec.Meta(max_length=MAX_MEDIA)] | None = None
    lang: Annotated[str, msgspec.Meta(max_length=35)] | None = None


_decoder: Final = msgspec.json.Decoder(_GenericIn)

# C0 and C1 controls and DEL, except \t and \n (\r is turned into \n before this runs).
_CONTROL: Final = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_WHITESPACE: Final = re.compile(r"\s")
_LANG: Final = re.compile(r"([A-Za-z]{2,3})(?:[-_][A-Za-z0-9]{1,8})*")
_ERROR_AT: Final = re.compile(r"(?P<message>.*?)(?: - at `\$(?P<path>[^`]*)`)?", re.DOTALL)
_MISSING: Final = re.compile(r"Object missing required field `(?P<field>[^`]+)`")
_TOO_LONG: Final = re.compile(r"expected (?:str|array) of length <= (?P<limit>\d+)")
_EMPTY_ENGAGEMENT: Final = Engagement()


def normalize_generic(item: RawItem) -> Post:
    """Read one item in the generic post format. Raises RejectError with the reason."""
    raw = _decode(item.payload)
    native_id = _native_id("id", raw.id)
    if native_id is None:
        raise RejectError("id: empty")
    text = raw.text
    text = _clean_text(text).strip() if text else ""
    title = raw.title
    title = _clean_line(title) if title else ""
    if not text and not title:
        raise RejectError("text: empty and no title")
    source = item.source
    reply_to = _native_id("reply_to", raw.reply_to)
    quote_of = _native_id("quote_of", raw.quote_of)
    repost_of = _native_id("repost_of", raw.repost_of)
    engagement = raw.engagement
    url = raw.url
    return Post(
        source=source,
        native_id=native_id,
        url=_url("url", url) if url else "",
        author=_author(raw.author),
        text=text,
        created_at=parse_instant(raw.created_at),
        received_at=item.received_at,
        title=title,
        engagement=_EMPTY_ENGAGEMENT
        if engagement is None
        else Engagement(
            likes=engagement.likes or 0,
            reposts=engagement.reposts or 0,
            replies=engagement.replies or 0,
            quotes=engagement.quotes or 0,
        ),
        reply_to=None if reply_to is None else post_id(source, reply_to),
        quote_of=None if quote_of is None else post_id(source, quote_of),
        repost_of=None if repost_of is None else post_id(source, repost_of),
        media=_media(raw.media) if raw.media else (),
        lang_hint=_lang(raw.lang) if raw.lang else None,
    )


Normalizer = Callable[[RawItem], Post | Revision | Tombstone]


@functools.cache
def normalizers() -> Mapping[str, Normalizer]:
    """The normalizer of each source kind. Built on first use: the connectors' normalizers
    import this module's limits and cleaners, so they cannot be imported at its top."""
    from signalroom.pipeline.normalizers import (
        bluesky,
        hackernews,
        mastodon,
        reddit,
        rss,
        x,
        youtube,
    )

    return {
        "demo": normalize_generic,
        "webhook": normalize_generic,
        "file": normalize_generic,
        "bluesky": bluesky.normalize_bluesky,
        "mastodon": mastodon.read_mastodon,
        "rss": rss.normalize_rss,
        "hackernews": hackernews.normalize_hackernews,
        "reddit": reddit.normalize_reddit,
        "x": x.normalize_x,
        "youtube": youtube.normalize_youtube,
    }


def normalize(item: RawItem) -> Post | Revision | Tombstone | Reject:
    """The item as a Post (or, from a source that reports them, an edit or a deletion of a
    post it sent before), or as a Reject (with its payload, kept) when it cannot be one."""
    normalizer = normalizers().get(item.source)
    if normalizer is None:
        reason = f"no normalizer for source {item.source!r}"
    else:
        try:
            return normalizer(item)
        except RejectError as err:
            reason = err.reason
    return Reject(
        source=item.source, reason=reason, payload=item.payload, received_at=item.received_at
    )


def _decode(payload: bytes) -> _GenericIn:
    if len(payload) > MAX_PAYLOAD_BYTES:
        raise RejectError(f"payload: larger than {MAX_PAYLOAD_BYTES} bytes")
    if not payload.isascii():
        # msgspec checks UTF-8 only in the fields it keeps; the whole payload must be text.
        try:
            payload.decode("utf-8")
        except UnicodeDecodeError as err:
            raise RejectError(f"not UTF-8: {err.reason} at byte {err.start}") from err
    try:
        return _decoder.decode(payload)
    except msgspec.ValidationError as err:
        raise RejectError(_validation_reason(str(err))) from err
    except msgspec.DecodeError as err:
        detail = str(err).removeprefix("JSON is malformed: ")
        raise RejectError(f"not JSON: {_lower_first(detail)}") from err


def _validation_reason(message: str) -> str:
    """msgspec's wording (``Expected `str`, got `int` - at `$.author.handle```) in ours
    (``author.handle: expected str, got int``)."""
    found = _ERROR_AT.fullmatch(message)
    assert found is not None  # the pattern matches any text
    path = (found["path"] or "").lstrip(".")
    detail = found["message"]
    missing = _MISSING.fullmatch(detail)
    if missing is not None:
        return f"{path}.{missing['field']}: missing" if path else f"{missing['field']}: missing"
    detail = _lower_first(detail.replace("`", ""))
    if not path:
        if detail.startswith("expected object, got "):
            return f"not a JSON object: got {detail.removeprefix('expected object, got ')}"
        return detail
    too_long = _TOO_LONG.match(detail)
    if too_long is not None:
        unit = "items" if detail.startswith("expected array") else "characters"
        return f"{path}: longer than {too_long['limit']} {unit}"
    if path == "created_at" and detail.startswith("expected float | str"):
        detail = "expected an ISO 8601 string or epoch seconds" + detail.removeprefix(
            "expected float | str"
        )
    return f"{path}: {detail}"


def _lower_first(text: str) -> str:
    """``Expected str`` → ``expected str``; an acronym (``JSON``) stays as it is."""
    if text[1:2].isupper():
        return text
    return text[:1].lower() + text[1:]


def _show(value: str) -> str:
    """A bad value quoted in a reason, cut short so a reason stays one readable line."""
    return repr(value) if len(value) <= 60 else repr(value[:60]) + "…"


def _clean_text(value: str) -> str:
    """NFC, line breaks as ``\\n``, and no control characters but ``\\n`` and ``\\t``."""
    if not value.isprintable():  # the common case, printable text, skips both passes
        if "\r" in value:
            value = value.replace("\r\n", "\n").replace("\r", "\n")
        if _CONTROL.search(value) is not None:
            value = _CONTROL.sub("", value)
    if not value.isascii():
        value = unicodedata.normalize("NFC", value)
    return value


def _clean_line(value: str) -> str:
    """Like ``_clean_text`` for one-line fields: whitespace runs become one space."""
    value = _clean_text(value)
    if (
        not value.isprintable()
        or "  " in value
        or value[:1] == " "
        or value[-1:] == " "
        or (not value.isascii() and _WHITESPACE.search(value) is not None)
    ):
        value = " ".join(value.split())
    return value


def _native_id(field: str, value: str | None) -> str | None:
    if not value:
        return None
    if not value.isprintable() and (
        _CONTROL.search(value) is not None or "\r" in value or "\n" in value or "\t" in value
    ):
        raise RejectError(f"{field}: contains control characters: {_show(value)}")
    return value


def _author(raw: _AuthorIn) -> Author:
    handle = raw.handle
    if not (handle.isascii() and handle.isprintable() and " " not in handle):
        handle = _clean_line(handle)
        if " " in handle:
            raise RejectError(f"author.handle: contains whitespace: {_show(handle)}")
    handle = handle.removeprefix("@")
    if not handle:
        raise RejectError("author.handle: empty")
    name = raw.name
    return Author(
        handle=handle, name=_clean_line(name) if name else "", followers=raw.followers or 0
    )


def parse_instant(value: str | float, field: str = "created_at") -> float:
    """Epoch seconds from an ISO 8601 time (UTC when it names no zone) or a number, within
    1970..9999; RejectError naming ``field`` otherwise. Every normalizer reads times so."""
    if isinstance(value, str):
        try:
            moment = datetime.fromisoformat(value.strip())
            if moment.tzinfo is None:
                moment = moment.replace(tzinfo=UTC)
            instant = moment.timestamp()
        except (ValueError, OverflowError) as err:
            raise RejectError(f"{field}: not a date: {_show(value)}") from err
        hint = ""
    else:
        instant = float(value)
        hint = " (epoch milliseconds? send seconds)" if instant > _MAX_INSTANT else ""
    if not (math.isfinite(instant) and _MIN_INSTANT <= instant <= _MAX_INSTANT):
        raise RejectError(f"{field}: out of range 1970..9999: {value!r}{hint}")
    return instant


def _url(field: str, value: str) -> str:
    scheme = value[:8].lower()
    if scheme.startswith("http://"):
        rest = value[7:]
    elif scheme == "https://":
        rest = value[8:]
    else:
        rest = ""
    # Screens render links: only web URLs, never javascript: or data: ones.
    if not rest:
        raise RejectError(f"{field}: not an http(s) URL: {_show(value)}")
    if not value.isprintable() or " " in value or _WHITESPACE.search(value) is not None:
        raise RejectError(f"{field}: contains whitespace or control characters: {_show(value)}")
    return value


def _media(values: list[str]) -> tuple[str, ...]:
    return tuple(_url(f"media[{index}]", value) for index, value in enumerate(values))


def _lang(value: str) -> str:
    if len(value) == 2 and value.isascii() and value.isalpha() and value.islower():
        return value
    if _LANG.fullmatch(value) is None:
        raise RejectError(f"lang: not a language code: {_show(value)}")
    return value.split("-", 1)[0].split("_", 1)[0].lower()
