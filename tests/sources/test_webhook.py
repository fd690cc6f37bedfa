"""The webhook source's signature scheme and settings: what a sender computes is what the
receiver checks; a changed body, a stale timestamp or another key is refused."""

from __future__ import annotations

import hashlib
import hmac

import pytest
from hypothesis import given
from hypothesis import strategies as st

from signalroom.errors import AuthError, ConfigError
from signalroom.secrets import SecretResolver
from signalroom.sources.webhook import WebhookSettings, check, sign, validate, verify

KEY = b"a shared key of thirty-two bytes"
NOW = 1_767_225_600


def test_sign_is_hmac_sha256_of_timestamp_dot_body() -> None:
    body = b'{"id": "1"}'
    expected = hmac.new(KEY, b"1767225600." + body, hashlib.sha256).hexdigest()

    assert sign(body, NOW, KEY) == f"sha256={expected}"


@given(st.binary(max_size=500), st.integers(min_value=-300, max_value=300))
def test_verify_accepts_what_sign_made_within_five_minutes(body: bytes, skew: int) -> None:
    verify(body, timestamp=str(NOW), signature=sign(body, NOW, KEY), key=KEY, now=NOW + skew)


@given(st.binary(min_size=1, max_size=200), st.integers(min_value=0))
def test_verify_refuses_a_changed_body(body: bytes, position: int) -> None:
    signature = sign(body, NOW, KEY)
    index = position % len(body)
    changed = body[:index] + bytes([body[index] ^ 1]) + body[index + 1 :]

    with pytest.raises(AuthError, match="does not match"):
        verify(changed, timestamp=str(NOW), signature=signature, key=KEY, now=NOW)


def test_verify_refuses_a_stale_timestamp() -> None:
    body = b"{}"
    with pytest.raises(AuthError, match="301 s away"):
        verify(body, timestamp=str(NOW), signature=sign(body, NOW, KEY), key=KEY, now=NOW + 301)


def test_verify_refuses_a_signature_made_for_another_timestamp() -> None:
    body = b"{}"
    with pytest.raises(AuthError, match="does not match"):
        verify(body, timestamp=str(NOW), signature=sign(body, NOW - 1, KEY), key=KEY, now=NOW)


def test_verify_accepts_uppercase_hex_and_any_matching_entry() -> None:
    body = b"{}"
    good = sign(body, NOW, KEY).upper().replace("SHA256=", "sha256=")
    header = f"sha256={'0' * 64}, {good}"

    verify(body, timestamp=str(NOW), signature=header, key=KEY, now=NOW)


def test_validate_refuses_an_inline_secret() -> None:
    with pytest.raises(ConfigError, match=r"sources\.crm\.secret"):
        validate("crm", WebhookSettings(secret="hunter2"))


def test_check_says_whether_the_key_can_be_read() -> None:
    settings = WebhookSettings(secret="env:CRM_KEY")

    assert check("crm", settings, SecretResolver({"CRM_KEY": "k"})).ok
    missing = check("crm", settings, SecretResolver({}))
    assert not missing.ok
    assert "CRM_KEY is not set" in missing.detail
