"""The one exception tree of Signalroom.

Every error we raise on purpose derives from :class:`SignalroomError`; anything else that
escapes is a bug. Boundaries (HTTP, CLI, sources) translate these into their own shapes.

::

    SignalroomError
    ├── ConfigError          a setting is missing or wrong (names the key path)
    ├── QueryError           a topic query cannot be parsed (message + character offset)
    ├── RejectError          an incoming item cannot become a Post (reason; kept as a Reject)
    ├── NotFoundError        a thing asked for by id does not exist
    ├── ConflictError        a write conflicts with current state (a topic name taken, an alert already resolved)
    ├── ValidationError      input to an API or command is malformed (field path + message)
    ├── StoreError           the store failed (disk full, schema too new, ...)
    └── SourceError          a source failed to connect or read (retried with backoff)
        └── AuthError        its credentials were refused (not retried until fixed)

This module imports nothing of ours.
"""

from __future__ import annotations


class SignalroomError(Exception):
    """Base of every error Signalroom raises on purpose."""


class ConfigError(SignalroomError):
    """A configuration value is missing or invalid."""

    def __init__(self, key: str, message: str) -> None:
        super().__init__(f"config {key}: {message}")
        self.key = key
        self.detail = message


class QueryError(SignalroomError):
    """A query cannot be parsed. ``offset`` is the 0-based character offset of the problem."""

    def __init__(self, message: str, offset: int) -> None:
        super().__init__(f"{message} at {offset}")
        self.message = message
        self.offset = offset


class RejectError(SignalroomError):
    """An incoming item is malformed; the pipeline keeps it as a rejected record."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class NotFoundError(SignalroomError):
    """The thing asked for does not exist."""


class ConflictError(SignalroomError):
    """The write conflicts with the current state: a uniqueness rule, or a transition the
    current state does not allow."""


class ValidationError(SignalroomError):
    """Input is malformed. ``field`` is the dotted path of the bad field, if any."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(f"{field}: {message}" if field else message)
        self.message = message
        self.field = field


class StoreError(SignalroomError):
    """The store failed."""


class SourceError(SignalroomError):
    """A source failed to connect or to read."""


class AuthError(SourceError):
    """A source's credentials were refused."""
