"""Secret references: env: and file: resolve at use; a pasted secret is refused; errors
name the reference, never the value."""

from __future__ import annotations

from pathlib import Path

import pytest

from signalroom.errors import AuthError, ConfigError
from signalroom.secrets import SecretResolver, check_reference


def test_references_resolve_from_env_and_file(tmp_path: Path) -> None:
    secret = tmp_path / "token"
    secret.write_text("  s3cr3t-value \nsecond line\n", encoding="utf-8")
    resolver = SecretResolver({"API_TOKEN": " abc "})
    assert resolver.resolve("env:API_TOKEN") == "abc"
    assert resolver.resolve(f"file:{secret}") == "s3cr3t-value"


def test_a_pasted_secret_is_refused_naming_the_key() -> None:
    with pytest.raises(ConfigError, match=r"sources\.x\.token"):
        check_reference("sources.x.token", "xoxb-1234")
    with pytest.raises(ConfigError, match="names nothing"):
        check_reference("k", "env: ")
    assert check_reference("k", "env:TOKEN") == "env:TOKEN"


def test_missing_secrets_say_what_is_missing_without_values(tmp_path: Path) -> None:
    resolver = SecretResolver({"EMPTY": "  "})
    with pytest.raises(AuthError, match="MISSING is not set"):
        resolver.resolve("env:MISSING")
    with pytest.raises(AuthError, match="EMPTY is not set"):
        resolver.resolve("env:EMPTY")
    with pytest.raises(AuthError, match="cannot read"):
        resolver.resolve(f"file:{tmp_path / 'absent'}")
    (tmp_path / "blank").write_text("\n", encoding="utf-8")
    with pytest.raises(AuthError, match="empty"):
        resolver.resolve(f"file:{tmp_path / 'blank'}")
