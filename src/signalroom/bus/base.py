"""The Broadcaster contract: publish a message on a channel; each subscriber gets every
message published after it subscribed, through its own bounded backlog.

A subscriber that falls behind by more than its backlog gets a :class:`Gap` (and then
the newer messages), so it can refetch a snapshot instead of slowing everyone down.
Must not import a backend.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Protocol

import msgspec


class Message(msgspec.Struct, frozen=True):
    channel: str
    data: bytes


class Gap(msgspec.Struct, frozen=True):
    """Messages were dropped for this subscriber because its backlog was full."""

    channel: str
    dropped: int


class Subscription(Protocol):
    def __aiter__(self) -> AsyncIterator[Message | Gap]: ...

    async def close(self) -> None: ...


class Broadcaster(Protocol):
    async def publish(self, channel: str, data: bytes) -> None: ...

    async def subscribe(self, channel: str, max_backlog: int = 256) -> Subscription: ...

    async def close(self) -> None: ...


LIVE_CHANNEL = "live"
"""The channel new posts and rollup updates go out on (JSON events, see web/live.py)."""
