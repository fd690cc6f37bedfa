"""The webhook source: posts pushed to ``POST /api/ingest/{name}``, signed with a shared key.

Unlike the other connectors it is not pulled: the web layer receives a request, checks its
signature here, and hands the items to the pipeline (``Pipeline.submit``). This module holds
what is specific to the source: its settings, and the signature scheme senders follow::

    X-Signalroom-Timestamp: 1767225600
    X-Signalroom-Signature: sha256=<hex HMAC-SHA256(key, "<timestamp>." + body)>

The timestamp is whole epoch seconds and must lie within 5 minutes of the receiver's clock
(a captured request cannot be replayed later). The signature header may hold several
comma-separated ``sha256=`` entries (a sender rotating keys); one match is enough, and
every entry is compared in constant time. Pure: no I/O and no clock (``now`` is passed in);
the key is resolved by the caller, at request time, so a rotated secret needs no restart.
"""

from __future__ import annotations

import hmac
from typing import Annotated, Final

import msgspec

from signalroom.alerting.signing import SIGNATURE_VERSION, webhook_signature
from signalroom.errors import AuthError, ConfigError, SignalroomError
from signalroom.secrets import SecretResolver, check_reference
from signalroom.sources.base import SourceCheck

KIND: Final = "webhook"
TIMESTAMP_HEADER: Final = "X-Signalroom-Timestamp"
SIGNATURE_HEADER: Final = "X-Signalroom-Signature"
SIGNATURE_PREFIX: Final = f"{SIGNATURE_VERSION}="
TOLERANCE_S: Final = 300.0
"""How far a request's timestamp may be from the receiver's clock, either way."""
MAX_SIGNATURES: Final = 8
"""Entries of one signature header that are looked at (rotation needs two)."""
MAX_BATCH_ITEMS: Final = 10_000
MAX_BODY_BYTES: Final = 50_000_000


class WebhookSettings(msgspec.Struct, frozen=True, forbid_unknown_fields=True, kw_only=True):
    """Settings of a ``webhook`` source (a ``[[sources]]`` table in the config); its ``name``
    is the last part of its URL, ``/api/ingest/{name}``."""

    secret: str
    """Reference to the shared HMAC key (``env:NAME`` or ``file:/path``), never the key."""
    max_batch_items: Annotated[int, msgspec.Meta(ge=1, le=MAX_BATCH_ITEMS)] = 1_000
    """Items one request may carry; a larger batch is refused whole (413)."""
    max_body_bytes: Annotated[int, msgspec.Meta(ge=1_024, le=MAX_BODY_BYTES)] = 5_000_000
    """Bytes one request body may have; a larger body is refused whole (413)."""


def validate(name: str, settings: WebhookSettings) -> None:
    """Raise ConfigError naming the first bad setting."""
    check_reference(f"sources.{name}.secret", settings.secret)


def check(name: str, settings: WebhookSettings, secrets: SecretResolver) -> SourceCheck:
    """Whether the source can take requests: its key can be read (what ``sources test``
    prints). Never shows the key."""
    try:
        validate(name, settings)
        secrets.resolve(settings.secret)
    except SignalroomError as err:
        return SourceCheck(ok=False, detail=str(err))
    return SourceCheck(
        ok=True, detail=f"POST /api/ingest/{name} accepts requests signed with {settings.secret}"
    )


def sign(body: bytes, timestamp: int, key: bytes) -> str:
    """The ``X-Signalroom-Signature`` value a sender puts on ``body`` sent at ``timestamp``."""
    if not key:
        raise ConfigError("secret", "the webhook key is empty")
    return SIGNATURE_PREFIX + _mac(body, timestamp, key)


def verify(body: bytes, *, timestamp: str, signature: str, key: bytes, now: float) -> None:
    """Return quietly when the request is genuine; raise AuthError saying why not.

    ``timestamp`` and ``signature`` are the header values as received.
    """
    if not key:
        raise AuthError("the webhook key is empty")
    text = timestamp.strip()
    if not text:
        raise AuthError(f"{TIMESTAMP_HEADER} is missing")
    if not (text.isascii() and text.isdigit() and len(text) <= 12):
        raise AuthError(f"{TIMESTAMP_HEADER} must be whole epoch seconds")
    sent_at = int(text)
    if abs(now - sent_at) > TOLERANCE_S:
        raise AuthError(
            f"{TIMESTAMP_HEADER} is {now - sent_at:.0f} s away from the server's clock, more "
            f"than {TOLERANCE_S:.0f} s (a replayed request, or a clock to set right)"
        )
    candidates = [
        part.strip()[len(SIGNATURE_PREFIX) :]
        for part in signature.split(",")
        if part.strip().startswith(SIGNATURE_PREFIX)
    ]
    if not candidates:
        raise AuthError(f"{SIGNATURE_HEADER} is missing or has no {SIGNATURE_PREFIX} entry")
    expected = _mac(body, sent_at, key).encode("ascii")
    # Every entry is compared, so the time taken says nothing about which one matched.
    matched = False
    for candidate in candidates[:MAX_SIGNATURES]:
        matched |= hmac.compare_digest(candidate.lower().encode("ascii", "replace"), expected)
    if not matched:
        raise AuthError(f"{SIGNATURE_HEADER} does not match the body and timestamp")


def _mac(body: bytes, timestamp: int, key: bytes) -> str:
    # The outgoing webhooks' scheme (alerting.signing): one scheme for both directions.
    return webhook_signature(body, timestamp, key).removeprefix(SIGNATURE_PREFIX)
