"""Secrets given by reference: a config file names where a token is, never the token itself.

A reference is ``env:NAME`` (an environment variable) or ``file:/path`` (the first line of a
file, as Docker and Kubernetes mount secrets). A plain string is refused, so a token pasted
into a config file or a form is caught before it is stored next to the data. Resolving
reads the environment mapping and files it is given; nothing is cached, so a rotated
secret is picked up at the next connection. Error messages name the reference, never the
secret's value.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Final

from signalroom.errors import AuthError, ConfigError

SCHEMES: Final = ("env:", "file:")
MAX_SECRET_BYTES: Final = 16_384


def check_reference(key: str, reference: str) -> str:
    """The reference itself when it is well formed, or ConfigError naming ``key``."""
    if not reference.startswith(SCHEMES):
        raise ConfigError(
            key,
            "must be a secret reference such as env:MY_TOKEN or file:/run/secrets/token, "
            "not the secret itself",
        )
    rest = reference.split(":", 1)[1]
    if not rest.strip():
        raise ConfigError(key, f"secret reference {reference!r} names nothing")
    return reference


class SecretResolver:
    """Turns ``env:``/``file:`` references into values at the moment they are needed."""

    def __init__(self, environ: Mapping[str, str] | None = None) -> None:
        self._environ = os.environ if environ is None else environ

    def resolve(self, reference: str) -> str:
        """The secret's value, stripped. Raises AuthError saying what is missing."""
        if reference.startswith("env:"):
            name = reference[4:]
            value = self._environ.get(name, "")
            if not value.strip():
                raise AuthError(f"secret {reference}: environment variable {name} is not set")
            return value.strip()
        if reference.startswith("file:"):
            path = Path(reference[5:])
            try:
                with path.open("rb") as handle:
                    data = handle.read(MAX_SECRET_BYTES + 1)
            except OSError as err:
                raise AuthError(f"secret {reference}: cannot read ({err.strerror})") from err
            if len(data) > MAX_SECRET_BYTES:
                raise AuthError(f"secret {reference}: larger than {MAX_SECRET_BYTES} bytes")
            lines = data.decode("utf-8", errors="replace").strip().splitlines()
            if not lines or not lines[0].strip():
                raise AuthError(f"secret {reference}: the file is empty")
            return lines[0].strip()
        raise AuthError(f"secret {reference!r}: not an env: or file: reference")
