"""Signatures: one-click acknowledge tokens and signed webhook deliveries.

Both are HMAC-SHA256; comparisons are constant-time. Acknowledge tokens are signed with
the server's own key (and a fixed prefix, so no other use of that key can mint one);
webhooks with each team's shared secret, exactly as Stripe does, so that a receiver can
check them with a few lines of any language.

Acknowledge token (goes into the ``ack_url`` of a notification)::

    <base64url(payload)>.<base64url(hmac)>      payload = "<trigger>.<expires_at>.<alert_id>"

It names one trigger of one alert: a link sent for trigger N does not acknowledge the
alert once it re-triggered as N+1 (the caller compares ``AckClaim.trigger`` with the
alert's). ``expires_at`` is whole epoch seconds.

Webhook signature (Stripe's scheme, with the timestamp in its own header)::

    X-Signalroom-Timestamp: 1700000000
    X-Signalroom-Signature: sha256=<hex of hmac-sha256(secret, b"<timestamp>." + raw body)>

A signature header may hold several ``sha256=`` entries separated by commas (key rotation);
any one matching is enough. Pure: no I/O, no clock (instants are passed in).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import math
import secrets
from dataclasses import dataclass
from typing import Final, Literal

from signalroom.errors import ValidationError

AckFailure = Literal["malformed", "bad_signature", "expired"]

SIGNATURE_VERSION: Final = "sha256"
"""The scheme name before ``=`` in a signature; inbound webhooks (``/api/ingest``) use the same."""
TIMESTAMP_HEADER: Final = "X-Signalroom-Timestamp"
SIGNATURE_HEADER: Final = "X-Signalroom-Signature"
DEFAULT_TOLERANCE_S: Final = 300.0
"""How far a webhook's timestamp may be from the receiver's clock, either way."""

KEY_BYTES: Final = 32
MIN_KEY_BYTES: Final = 16
MAX_TOKEN_CHARS: Final = 1024
MAX_ALERT_ID_CHARS: Final = 200
_ACK_DOMAIN: Final = b"signalroom/ack/v1\x00"


class AckTokenError(ValidationError):
    """An acknowledge token was refused; ``reason`` says why, for the page and the log."""

    def __init__(self, reason: AckFailure, message: str) -> None:
        super().__init__(message, "token")
        self.reason: AckFailure = reason


@dataclass(frozen=True, slots=True)
class AckClaim:
    """What a valid acknowledge token says: acknowledge this trigger of this alert."""

    alert_id: str
    trigger: int
    expires_at: int


def new_signing_key() -> bytes:
    """A fresh random key (32 bytes) for acknowledge tokens."""
    return secrets.token_bytes(KEY_BYTES)


def sign_ack(alert_id: str, trigger: int, *, expires_at: float, key: bytes) -> str:
    """A URL-safe token that lets its holder acknowledge ``trigger`` of ``alert_id``
    until ``expires_at`` (rounded down to whole seconds).

    Raises ValidationError for an empty or oversized alert id, a trigger below 1, a
    non-finite expiry or a key shorter than 16 bytes.
    """
    _check_key(key)
    if not alert_id or len(alert_id) > MAX_ALERT_ID_CHARS or not alert_id.isprintable():
        raise ValidationError(f"must be 1 to {MAX_ALERT_ID_CHARS} printable characters", "alert_id")
    if trigger < 1:
        raise ValidationError(f"must be at least 1, got {trigger}", "trigger")
    if not math.isfinite(expires_at):
        raise ValidationError(f"must be a finite epoch time, got {expires_at!r}", "expires_at")
    payload = f"{trigger}.{math.floor(expires_at)}.{alert_id}".encode()
    return f"{_b64encode(payload)}.{_b64encode(_ack_mac(payload, key))}"


def verify_ack(token: str, *, key: bytes, now: float) -> AckClaim:
    """The claim a token makes, once its signature and expiry check out.

    Raises AckTokenError with reason ``malformed`` (not a token of ours),
    ``bad_signature`` (altered, or signed with another key) or ``expired``.
    """
    _check_key(key)
    if len(token) > MAX_TOKEN_CHARS or token.count(".") != 1:
        raise AckTokenError("malformed", "the acknowledge link is not a Signalroom link")
    encoded_payload, encoded_mac = token.split(".")
    try:
        payload = _b64decode(encoded_payload)
        mac = _b64decode(encoded_mac)
    except ValueError as err:
        raise AckTokenError("malformed", "the acknowledge link is damaged") from err
    if not hmac.compare_digest(mac, _ack_mac(payload, key)):
        raise AckTokenError(
            "bad_signature", "the acknowledge link was altered or signed with another key"
        )
    claim = _parse_claim(payload)
    if now >= claim.expires_at:
        raise AckTokenError("expired", "the acknowledge link has expired")
    return claim


def ack_url(public_url: str, token: str) -> str:
    """The link to put in a notification: ``<public_url>/ack/<token>``.

    The page behind it must ask for one click (a POST) before acknowledging: mail
    scanners and chat link previews fetch every link they see.
    """
    return f"{public_url.rstrip('/')}/ack/{token}"


def webhook_signature(body: bytes, timestamp: int, key: bytes) -> str:
    """The ``X-Signalroom-Signature`` value for ``body`` sent at ``timestamp``: ``sha256=<hex>``."""
    if not key:
        raise ValidationError("must not be empty", "key")
    return f"{SIGNATURE_VERSION}={_webhook_mac(body, timestamp, key)}"


def verify_webhook_signature(
    body: bytes,
    *,
    timestamp: str,
    signature: str,
    key: bytes,
    now: float,
    tolerance_s: float = DEFAULT_TOLERANCE_S,
) -> None:
    """Check a delivery's headers against its raw body; return quietly when it is genuine.

    ``timestamp`` and ``signature`` are the header values as received. Raises
    ValidationError (field ``signature`` or ``timestamp``) when the timestamp is not an
    integer, lies more than ``tolerance_s`` from ``now`` (a replay), or no ``sha256``
    entry matches.
    """
    if not key:
        raise ValidationError("must not be empty", "key")
    text = timestamp.strip()
    if not text.isascii() or not text.isdigit() or len(text) > 12:
        raise ValidationError("must be whole epoch seconds", "timestamp")
    sent_at = int(text)
    if abs(now - sent_at) > tolerance_s:
        raise ValidationError(
            f"is {now - sent_at:.0f} s away from now, more than {tolerance_s:g} s", "timestamp"
        )
    expected = _webhook_mac(body, sent_at, key)
    candidates = [
        value.strip()
        for name, _, value in (part.strip().partition("=") for part in signature.split(","))
        if name == SIGNATURE_VERSION
    ]
    # Every candidate is compared, so the time taken does not say which one matched.
    matched = False
    for candidate in candidates[:8]:
        matched |= hmac.compare_digest(candidate.encode("ascii", "replace"), expected.encode())
    if not matched:
        raise ValidationError("does not match the body", "signature")


def _check_key(key: bytes) -> None:
    if len(key) < MIN_KEY_BYTES:
        raise ValidationError(f"must be at least {MIN_KEY_BYTES} bytes", "key")


def _ack_mac(payload: bytes, key: bytes) -> bytes:
    return hmac.new(key, _ACK_DOMAIN + payload, hashlib.sha256).digest()


def _webhook_mac(body: bytes, timestamp: int, key: bytes) -> str:
    message = f"{timestamp}.".encode() + body
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def _parse_claim(payload: bytes) -> AckClaim:
    # Only reached with a valid signature: a failure here means a bug or a leaked key.
    try:
        trigger_text, expires_text, alert_id = payload.decode("utf-8").split(".", 2)
        trigger, expires_at = int(trigger_text), int(expires_text)
    except ValueError as err:
        raise AckTokenError("malformed", "the acknowledge link is damaged") from err
    if trigger < 1 or not alert_id:
        raise AckTokenError("malformed", "the acknowledge link is damaged")
    return AckClaim(alert_id=alert_id, trigger=trigger, expires_at=expires_at)


def _b64encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _b64decode(text: str) -> bytes:
    if not text or not text.isascii():
        raise ValueError("not base64url")
    try:
        data = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError) as err:
        raise ValueError("not base64url") from err
    # Decoding ignores stray bits in the last character; re-encoding catches them so
    # that one token has exactly one spelling.
    if _b64encode(data) != text:
        raise ValueError("not canonical base64url")
    return data
