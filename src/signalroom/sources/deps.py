"""What the composition root hands every connector: clock, secrets, health, current topics.

Each connector module exposes ``KIND``, a frozen ``<Kind>Settings`` struct and
``build(name, settings, deps) -> Source``; the registry maps kinds to those. Plain data.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from signalroom.clock import Clock
from signalroom.models import Topic
from signalroom.secrets import SecretResolver
from signalroom.sources.health import SourceHealth


@dataclass(frozen=True, slots=True)
class SourceDeps:
    clock: Clock
    secrets: SecretResolver
    health: SourceHealth
    topics: Callable[[], Sequence[Topic]]
    """The topics as they are now (X rules and Google News searches follow them)."""
