"""Teams: the people an escalation level names, and the channels that reach them.

A team is a name, its members (who they are and how to reach them, for the console), the
Apprise URLs of its channels and, optionally, a signed webhook. Channel URLs usually hold
tokens (a Slack webhook, an SMTP password), so a team keeps them only as secret references
(``env:NAME`` or ``file:/path``, see :mod:`signalroom.secrets`); the notifier resolves them
at send time. A signed webhook is a plain ``http(s)`` URL plus the secret reference of the
key that signs each request.

Plain data and its validation: no I/O, no secret is ever resolved here.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from typing import Final

import msgspec

from signalroom.errors import ConfigError, ValidationError
from signalroom.secrets import check_reference

MAX_NAME_CHARS: Final = 80
MAX_NOTE_CHARS: Final = 200
MAX_MEMBERS: Final = 100
MAX_CHANNELS: Final = 20
MAX_URL_CHARS: Final = 2000
WEBHOOK_CHANNEL_PREFIX: Final = "webhook:"
"""An outbox channel ``webhook:<team>`` means "this team's signed webhook"."""

# Team names appear in policies, outbox keys (``…/<team>/<n>``) and URLs: keep them simple.
_TEAM_NAME: Final = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 ._-]*$")


class Member(msgspec.Struct, frozen=True, kw_only=True):
    """Someone in a team. ``contact`` is a free note for people (a role, a phone number to
    call by hand); notifications go to the team's channels, not to members one by one."""

    name: str
    contact: str = ""

    def __post_init__(self) -> None:
        if not self.name.strip():
            raise ValidationError("must not be empty", "name")
        if len(self.name) > MAX_NAME_CHARS:
            raise ValidationError(f"must be at most {MAX_NAME_CHARS} characters", "name")
        if len(self.contact) > MAX_NOTE_CHARS:
            raise ValidationError(f"must be at most {MAX_NOTE_CHARS} characters", "contact")


class SignedWebhook(msgspec.Struct, frozen=True, kw_only=True):
    """POST each notification as JSON to ``url``, signed with the key ``key`` refers to."""

    url: str
    key: str
    """Secret reference of the signing key: ``env:NAME`` or ``file:/path``."""

    def __post_init__(self) -> None:
        if not self.url.startswith(("https://", "http://")) or len(self.url) > MAX_URL_CHARS:
            raise ValidationError("must be an http:// or https:// URL", "url")
        if any(c.isspace() for c in self.url):
            raise ValidationError("must not contain spaces", "url")
        _check_secret(self.key, "key")


class Team(msgspec.Struct, frozen=True, kw_only=True):
    """A team that escalation levels name as a target."""

    name: str
    members: tuple[Member, ...] = ()
    channels: tuple[str, ...] = ()
    """Apprise URLs, each given as a secret reference (``env:SLACK_URL``)."""
    webhook: SignedWebhook | None = None

    def __post_init__(self) -> None:
        if not _TEAM_NAME.match(self.name) or len(self.name) > MAX_NAME_CHARS:
            raise ValidationError(
                f"must be 1 to {MAX_NAME_CHARS} letters, digits, spaces, '.', '_' or '-', "
                "starting with a letter or digit",
                "name",
            )
        if len(self.members) > MAX_MEMBERS:
            raise ValidationError(f"must hold at most {MAX_MEMBERS} members", "members")
        if len(self.channels) > MAX_CHANNELS:
            raise ValidationError(f"must hold at most {MAX_CHANNELS} channels", "channels")
        for index, channel in enumerate(self.channels):
            _check_secret(channel, f"channels[{index}]")
        if len(set(self.channels)) != len(self.channels):
            raise ValidationError("must not repeat a channel", "channels")

    @property
    def delivery_channels(self) -> tuple[str, ...]:
        """What an outbox draft names as its channel: each Apprise reference, then
        ``webhook:<team>`` when the team has a signed webhook."""
        if self.webhook is None:
            return self.channels
        return (*self.channels, f"{WEBHOOK_CHANNEL_PREFIX}{self.name}")


def check_targets(targets: Collection[str], known: Collection[str], field: str) -> None:
    """ValidationError naming ``field`` when a target is not a known team."""
    for target in targets:
        if target not in known:
            raise ValidationError(f"unknown team {target!r}", field)


def _check_secret(reference: str, field: str) -> None:
    try:
        check_reference(field, reference)
    except ConfigError as err:
        raise ValidationError(err.detail, field) from err
