"""How a source is doing: connected, rate-limited, refused, failing or stale, and since when.

A connector owns one :class:`SourceHealth` and tells it what happens (connected, an item
arrived, rate-limited until T, credentials refused, an error). The console and screens read
:meth:`SourceHealth.snapshot`, so a quiet chart is never mistaken for no chatter: a source
that is failing or silent says so. A failure is logged once when it starts and once when
it clears, never once per retry. Driven by an injected clock; no I/O beyond logging.
"""

from __future__ import annotations

import logging
from collections import deque
from typing import Final, Literal

import msgspec

from signalroom.clock import Clock
from signalroom.sources.base import SourceState

log = logging.getLogger(__name__)

HealthStatus = Literal[
    "starting", "connected", "rate_limited", "auth_failed", "failing", "stale", "stopped"
]
RATE_WINDOW_S: Final = 60.0
MAX_ERRORS_KEPT: Final = 20
MAX_DETAIL_CHARS: Final = 500


class SourceErrorNote(msgspec.Struct, frozen=True):
    at: float
    detail: str


class HealthSnapshot(msgspec.Struct, frozen=True, kw_only=True):
    """One source's health as the API shows it."""

    name: str
    kind: str
    status: HealthStatus
    detail: str
    since: float
    """When the current status began."""
    last_item_at: float | None
    items_per_minute: float
    """Items received over the last minute."""
    items_total: int
    errors_total: int
    recent_errors: tuple[SourceErrorNote, ...]
    rate_limited_until: float | None = None


class SourceHealth:
    """The mutable health record of one source instance (used from one event loop)."""

    def __init__(self, name: str, kind: str, clock: Clock, *, stale_after_s: float) -> None:
        self._name = name
        self._kind = kind
        self._clock = clock
        self._stale_after_s = stale_after_s
        self._state: SourceState = "starting"
        self._detail = ""
        self._since = clock.now()
        self._last_item_at: float | None = None
        self._recent_items: deque[float] = deque()
        self._items_total = 0
        self._errors_total = 0
        self._errors: deque[SourceErrorNote] = deque(maxlen=MAX_ERRORS_KEPT)
        self._limited_until: float | None = None

    @property
    def name(self) -> str:
        return self._name

    @property
    def state(self) -> SourceState:
        return self._state

    def connected(self, detail: str = "") -> None:
        """The source is connected (or its last poll succeeded)."""
        self._move("connected", detail)

    def item(self, count: int = 1) -> None:
        """``count`` items arrived now."""
        now = self._clock.now()
        self._last_item_at = now
        self._items_total += count
        self._recent_items.extend([now] * min(count, 10_000))
        self._trim(now)
        if self._state != "connected":
            self._move("connected", "")

    def rate_limited(self, until: float, detail: str) -> None:
        self._limited_until = until
        self._move("rate_limited", detail)

    def auth_failed(self, detail: str) -> None:
        self._note_error(detail)
        self._move("auth_failed", detail)

    def failing(self, detail: str) -> None:
        """An error that will be retried (a dropped connection, a 5xx, a timeout)."""
        self._note_error(detail)
        self._move("failing", detail)

    def stopped(self) -> None:
        self._move("stopped", "")

    def snapshot(self) -> HealthSnapshot:
        now = self._clock.now()
        self._trim(now)
        status: HealthStatus = self._state
        detail = self._detail
        since = self._since
        if self._state == "connected" and self._is_stale(now):
            status = "stale"
            last = self._last_item_at if self._last_item_at is not None else self._since
            detail = f"no item for {int(now - last)} s"
            since = last
        limited = self._limited_until if self._state == "rate_limited" else None
        return HealthSnapshot(
            name=self._name,
            kind=self._kind,
            status=status,
            detail=detail,
            since=since,
            last_item_at=self._last_item_at,
            items_per_minute=len(self._recent_items) * 60.0 / RATE_WINDOW_S,
            items_total=self._items_total,
            errors_total=self._errors_total,
            recent_errors=tuple(self._errors),
            rate_limited_until=limited,
        )

    def _is_stale(self, now: float) -> bool:
        if self._stale_after_s <= 0:
            return False
        last = self._last_item_at if self._last_item_at is not None else self._since
        return now - last > self._stale_after_s

    def _note_error(self, detail: str) -> None:
        self._errors_total += 1
        self._errors.append(SourceErrorNote(self._clock.now(), detail[:MAX_DETAIL_CHARS]))

    def _move(self, state: SourceState, detail: str) -> None:
        detail = detail[:MAX_DETAIL_CHARS]
        if state == self._state:
            self._detail = detail or self._detail
            return
        was_bad = self._state in ("rate_limited", "auth_failed", "failing")
        is_bad = state in ("rate_limited", "auth_failed", "failing")
        if is_bad and not was_bad:
            log.warning("source %s: %s (%s)", self._name, state.replace("_", " "), detail)
        elif was_bad and not is_bad:
            log.info("source %s: recovered, %s", self._name, state)
        self._state = state
        self._detail = detail
        self._since = self._clock.now()

    def _trim(self, now: float) -> None:
        while self._recent_items and self._recent_items[0] <= now - RATE_WINDOW_S:
            self._recent_items.popleft()
