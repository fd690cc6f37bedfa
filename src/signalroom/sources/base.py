"""The Source contract: a connector that yields raw items and resumable checkpoints.

A source never talks to the web or the store: it yields :class:`RawItem` with the
checkpoint reached after each item; the pipeline stores that checkpoint only once the
items before it are committed, and hands it back to ``stream`` after a restart.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Literal, Protocol

import msgspec

from signalroom.models import RawItem

SourceState = Literal["starting", "connected", "rate_limited", "auth_failed", "failing", "stopped"]


class SourceCheck(msgspec.Struct, frozen=True):
    ok: bool
    detail: str


class Source(Protocol):
    @property
    def name(self) -> str:
        """Unique name of this source instance (the key of its checkpoint)."""
        ...

    @property
    def kind(self) -> str:
        """The source kind (``demo``, ``bluesky``, ...): how its payloads are normalised."""
        ...

    async def check(self) -> SourceCheck:
        """Whether the source can work as configured, and why not."""
        ...

    def stream(self, since: str | None) -> AsyncIterator[RawItem]:
        """Yield items from the checkpoint ``since`` (None: from now/the start), forever or
        until the source is exhausted."""
        ...
