"""Acknowledge tokens and webhook signatures: round trips, tampering, expiry, replay."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from signalroom.alerting.signing import (
    AckClaim,
    AckTokenError,
    ack_url,
    new_signing_key,
    sign_ack,
    verify_ack,
    verify_webhook_signature,
    webhook_signature,
)
from signalroom.errors import ValidationError
from tests.alerting.factory import T0

KEY = bytes(range(32))
OTHER_KEY = bytes(range(1, 33))
URL_SAFE = set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.")

alert_ids = st.text(
    st.characters(blacklist_categories=("Cc", "Cs", "Zl", "Zp", "Cf", "Co", "Cn", "Zs")),
    min_size=1,
    max_size=200,
)
triggers = st.integers(min_value=1, max_value=10**9)
lifetimes = st.integers(min_value=1, max_value=10**8)


@given(alert_id=alert_ids, trigger=triggers, lifetime=lifetimes)
def test_ack_token_round_trips(alert_id: str, trigger: int, lifetime: int) -> None:
    expires_at = int(T0) + lifetime

    token = sign_ack(alert_id, trigger, expires_at=expires_at, key=KEY)

    assert set(token) <= URL_SAFE
    assert verify_ack(token, key=KEY, now=expires_at - 1) == AckClaim(
        alert_id=alert_id, trigger=trigger, expires_at=expires_at
    )


@given(
    trigger=triggers,
    position=st.integers(min_value=0),
    replacement=st.sampled_from(sorted(URL_SAFE | {"+", "/", "=", "~", "é"})),
)
def test_ack_token_any_changed_character_is_refused(
    trigger: int, position: int, replacement: str
) -> None:
    token = sign_ack("4f1c2a9e0b7d3e55-2", trigger, expires_at=T0 + 3600, key=KEY)
    index = position % len(token)
    if token[index] == replacement:
        return
    tampered = token[:index] + replacement + token[index + 1 :]

    with pytest.raises(AckTokenError) as caught:
        verify_ack(tampered, key=KEY, now=T0)

    assert caught.value.reason in ("malformed", "bad_signature")


def test_ack_token_for_one_trigger_claims_only_that_trigger() -> None:
    first = sign_ack("abc-1", 1, expires_at=T0 + 60, key=KEY)
    second = sign_ack("abc-1", 2, expires_at=T0 + 60, key=KEY)

    assert verify_ack(first, key=KEY, now=T0).trigger == 1
    assert verify_ack(second, key=KEY, now=T0).trigger == 2
    assert first != second


def test_ack_token_expires_at_its_expiry() -> None:
    token = sign_ack("abc-1", 1, expires_at=T0 + 60.9, key=KEY)

    assert verify_ack(token, key=KEY, now=T0 + 59.99).expires_at == int(T0) + 60
    with pytest.raises(AckTokenError, match="expired") as caught:
        verify_ack(token, key=KEY, now=T0 + 60)
    assert caught.value.reason == "expired"
    assert caught.value.field == "token"


def test_ack_token_signed_with_another_key_is_refused() -> None:
    token = sign_ack("abc-1", 1, expires_at=T0 + 60, key=OTHER_KEY)

    with pytest.raises(AckTokenError) as caught:
        verify_ack(token, key=KEY, now=T0)

    assert caught.value.reason == "bad_signature"
    assert isinstance(caught.value, ValidationError)


@pytest.mark.parametrize(
    "token",
    ["", "nodot", "a.b.c", "!!!.???", "." * 2, "x" * 2000 + ".y", "YWJj.", ".YWJj", "YWJj.YWJj="],
)
def test_ack_token_malformed_is_refused(token: str) -> None:
    with pytest.raises(AckTokenError) as caught:
        verify_ack(token, key=KEY, now=T0)

    assert caught.value.reason in ("malformed", "bad_signature")


def test_ack_token_refuses_what_it_cannot_sign() -> None:
    with pytest.raises(ValidationError, match="alert_id"):
        sign_ack("", 1, expires_at=T0, key=KEY)
    with pytest.raises(ValidationError, match="alert_id"):
        sign_ack("a\nb", 1, expires_at=T0, key=KEY)
    with pytest.raises(ValidationError, match="trigger"):
        sign_ack("abc-1", 0, expires_at=T0, key=KEY)
    with pytest.raises(ValidationError, match="expires_at"):
        sign_ack("abc-1", 1, expires_at=float("nan"), key=KEY)
    with pytest.raises(ValidationError, match="key"):
        sign_ack("abc-1", 1, expires_at=T0, key=b"short")


def test_new_signing_key_is_random_and_long_enough() -> None:
    keys = {new_signing_key() for _ in range(8)}

    assert len(keys) == 8
    assert all(len(key) == 32 for key in keys)


def test_ack_url_joins_public_url_and_token() -> None:
    assert ack_url("https://sr.example/", "abc.def") == "https://sr.example/ack/abc.def"
    assert ack_url("https://sr.example/base", "abc.def") == "https://sr.example/base/ack/abc.def"


@given(body=st.binary(max_size=2000), timestamp=st.integers(0, 4_000_000_000))
def test_webhook_signature_round_trips(body: bytes, timestamp: int) -> None:
    signature = webhook_signature(body, timestamp, KEY)

    assert signature.startswith("sha256=")
    assert len(signature) == len("sha256=") + 64
    verify_webhook_signature(
        body, timestamp=str(timestamp), signature=signature, key=KEY, now=timestamp + 299
    )


@given(body=st.binary(max_size=500), other=st.binary(max_size=500))
def test_webhook_signature_detects_a_changed_body(body: bytes, other: bytes) -> None:
    if body == other:
        return
    signature = webhook_signature(body, int(T0), KEY)

    with pytest.raises(ValidationError, match="does not match") as caught:
        verify_webhook_signature(
            other, timestamp=str(int(T0)), signature=signature, key=KEY, now=T0
        )
    assert caught.value.field == "signature"


def test_webhook_signature_binds_the_timestamp() -> None:
    signature = webhook_signature(b"{}", int(T0), KEY)

    with pytest.raises(ValidationError, match="does not match"):
        verify_webhook_signature(
            b"{}", timestamp=str(int(T0) + 1), signature=signature, key=KEY, now=T0
        )


@pytest.mark.parametrize("skew_s", [-301.0, 301.0])
def test_webhook_signature_outside_tolerance_is_refused(skew_s: float) -> None:
    signature = webhook_signature(b"{}", int(T0), KEY)

    with pytest.raises(ValidationError, match="more than 300 s") as caught:
        verify_webhook_signature(
            b"{}", timestamp=str(int(T0)), signature=signature, key=KEY, now=T0 + skew_s
        )
    assert caught.value.field == "timestamp"


@pytest.mark.parametrize("timestamp", ["", "abc", "-5", "1.5", "1e9", "١٢٣", "9" * 20])
def test_webhook_signature_malformed_timestamp_is_refused(timestamp: str) -> None:
    with pytest.raises(ValidationError) as caught:
        verify_webhook_signature(b"{}", timestamp=timestamp, signature="sha256=00", key=KEY, now=T0)

    assert caught.value.field == "timestamp"


def test_webhook_signature_accepts_any_listed_key_during_rotation() -> None:
    old = webhook_signature(b"{}", int(T0), OTHER_KEY)
    new = webhook_signature(b"{}", int(T0), KEY)

    verify_webhook_signature(
        b"{}", timestamp=str(int(T0)), signature=f"{old}, {new}", key=KEY, now=T0
    )
    with pytest.raises(ValidationError):
        verify_webhook_signature(
            b"{}",
            timestamp=str(int(T0)),
            signature=new.replace("sha256=", "sha1="),
            key=KEY,
            now=T0,
        )
