"""Decoding a connector's JSON payload into its typed shape, with the pipeline's wording for
what is wrong (``author.handle: expected str, got int``, ``not JSON: ...``), and the field
types that carry the pipeline's limits (:data:`Count`, :data:`Id`, :data:`Name`, :data:`Url`).
Shared by the normalizers of every connector with its own payload shape. No I/O.
"""

from __future__ import annotations

from typing import TypeAlias, TypeVar

import msgspec

from signalroom.errors import RejectError
from signalroom.pipeline.normalize import MAX_PAYLOAD_BYTES, _Count, _Id, _Name, _Url
from signalroom.pipeline.normalize import _lower_first as lower_first
from signalroom.pipeline.normalize import _validation_reason as validation_reason

T = TypeVar("T")

Count: TypeAlias = _Count
"""A count the pipeline believes: 0 up to what a browser shows exactly (2**53 - 1)."""
Id: TypeAlias = _Id
"""A native id, at most ``MAX_ID_CHARS`` long."""
Name: TypeAlias = _Name
"""A handle or display name, at most ``MAX_NAME_CHARS`` long."""
Url: TypeAlias = _Url
"""A URL, at most ``MAX_URL_CHARS`` long (not yet checked to be http(s))."""


def decode_payload(
    payload: bytes, decoder: msgspec.json.Decoder[T], *, whole_utf8: bool = False
) -> T:
    """The payload decoded by ``decoder``, or RejectError saying why it cannot be. With
    ``whole_utf8`` every byte must be UTF-8, as the generic format demands (msgspec checks
    only the fields it keeps); the Bluesky and Mastodon normalizers ask for it."""
    if len(payload) > MAX_PAYLOAD_BYTES:
        raise RejectError(f"payload: larger than {MAX_PAYLOAD_BYTES} bytes")
    if whole_utf8 and not payload.isascii():
        try:
            payload.decode("utf-8")
        except UnicodeDecodeError as err:
            raise RejectError(f"not UTF-8: {err.reason} at byte {err.start}") from err
    try:
        return decoder.decode(payload)
    except msgspec.ValidationError as err:
        raise RejectError(validation_reason(str(err))) from err
    except msgspec.DecodeError as err:
        detail = str(err).removeprefix("JSON is malformed: ")
        raise RejectError(f"not JSON: {lower_first(detail)}") from err
