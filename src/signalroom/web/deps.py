"""What the web layer needs from the rest of the system, handed in by the composition root.

A plain frozen record of protocols and callables, so routes can be built and tested against
any backend. Must not import a concrete backend.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from signalroom.bus.base import Broadcaster
from signalroom.clock import Clock
from signalroom.monitor.engine import AlertEngine
from signalroom.pipeline.roster import SourceRoster
from signalroom.secrets import SecretResolver
from signalroom.sources.health import HealthSnapshot
from signalroom.sources.webhook import WebhookSettings
from signalroom.store.alerts import AlertStore
from signalroom.store.base import Store
from signalroom.web.ingest import IngestSink


@dataclass(frozen=True, slots=True)
class AlertingDeps:
    """What the alert routes need: the engine (thread-safe, blocking: call it through
    ``run_in_threadpool``), the alert store, and what signs one-click acknowledge links."""

    engine: AlertEngine
    alerts: AlertStore
    ack_key: bytes
    """HMAC key of acknowledge links (kept in the data directory)."""
    public_url: str
    """Base URL people reach the console at, for links in notifications; empty: unknown."""
    ack_ttl_s: float
    """How long an acknowledge link works."""
    status: Callable[[], Mapping[str, object]] | None = None
    """The running engine's state for ``/api/health`` (warming up or running, ticks...)."""


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
    sources: Callable[[], list[HealthSnapshot]] = list
    """The running sources' health, now (called on the event loop)."""
    roster: SourceRoster | None = None
    """Adds, changes and removes sources at run time; None: the sources are the file's."""
    ingest: IngestSink | None = None
    """Where ``POST /api/ingest/{source}`` hands signed batches (the running pipeline)."""
    webhooks: Mapping[str, WebhookSettings] = field(default_factory=dict)
    """The configured webhook sources, by name."""
    secrets: SecretResolver = field(default_factory=SecretResolver)
    alerting: AlertingDeps | None = None
    """Alerts, teams, escalation, silences, detector settings, backtests; None: not served."""
    live_backlog: int = 512
    """Live events one WebSocket client may fall behind before it gets a ``gap`` event."""
