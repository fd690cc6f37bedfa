"""Silences: mute an alert's notifications for a window of time, by topic, detector or
fingerprint.

A silence mutes notifications, not the alert: a silenced alert is still grouped, shown
and audited, but its escalation is held until the silence ends (see
``EscalationState.pause_until``). Matchers that are set must all match; a silence must
set at least one, so nobody mutes everything by accident. Pure: no I/O, no clock.
"""

from __future__ import annotations

from collections.abc import Iterable

import msgspec

from signalroom.alerting.model import Alert, require_actor, require_instant, require_note
from signalroom.detectors.base import DetectorName
from signalroom.errors import ValidationError


class Silence(msgspec.Struct, frozen=True, kw_only=True):
    """Mute matching alerts from ``starts_at`` (inclusive) to ``ends_at`` (exclusive)."""

    id: str
    starts_at: float
    ends_at: float
    created_by: str
    comment: str = ""
    topic_id: int | None = None
    detector: DetectorName | None = None
    fingerprint: str | None = None

    def __post_init__(self) -> None:
        require_instant(self.starts_at, "starts_at")
        require_instant(self.ends_at, "ends_at")
        require_actor(self.created_by)
        require_note(self.comment)
        if self.ends_at <= self.starts_at:
            raise ValidationError("must be after starts_at", "ends_at")
        if self.topic_id is None and self.detector is None and not self.fingerprint:
            raise ValidationError("name a topic, a detector or a fingerprint to silence", "silence")

    def is_active(self, now: float) -> bool:
        return self.starts_at <= now < self.ends_at

    def matches(self, alert: Alert) -> bool:
        """True when every matcher this silence sets agrees with the alert."""
        return (
            (self.topic_id is None or self.topic_id == alert.topic_id)
            and (self.detector is None or self.detector == alert.detector)
            and (not self.fingerprint or self.fingerprint == alert.fingerprint)
        )


def active_silence(alert: Alert, silences: Iterable[Silence], now: float) -> Silence | None:
    """The active silence matching the alert that lasts longest, or None."""
    matching = [s for s in silences if s.is_active(now) and s.matches(alert)]
    return max(matching, key=lambda s: s.ends_at, default=None)


def silenced_until(alert: Alert, silences: Iterable[Silence], now: float) -> float | None:
    """When the alert stops being silenced, or None if it is not silenced at ``now``.

    Silences that overlap or touch chain: a silence starting before (or as) another ends
    extends the muted span, so the alert is not released for an instant in between.
    """
    require_instant(now)
    matching = sorted((s for s in silences if s.matches(alert)), key=lambda s: s.starts_at)
    until: float | None = None
    for silence in matching:
        reach = now if until is None else until
        if silence.starts_at <= reach < silence.ends_at:
            until = silence.ends_at
    return until
