"""What the web layer needs from the rest of the system, handed in by the composition root.

A plain frozen record of protocols and callables, so routes can be built and tested against
any backend. Must not import a concrete backend.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from signalroom.bus.base import Broadcaster
from signalroom.clock import Clock
from signalroom.store.base import Store


@dataclass(frozen=True, slots=True)
class WebDeps:
    store: Store
    broadcaster: Broadcaster
    clock: Clock
    health: Callable[[], dict[str, Any]]
    """The pipeline's and sources' status, shown under ``pipeline`` in ``/api/health``.
    Called on the event loop."""
    on_topics_changed: Callable[[], None]
    """Called (from a worker thread) after every topic create, update or delete."""
    on_moderation_rules_changed: Callable[[], None] = lambda: None
    """Called on the event loop after a moderation rule is added or removed."""
    live_backlog: int = 512
    """Live events one WebSocket client may fall behind before it gets a ``gap`` event."""
