"""An alert's life: acknowledge, resolve, and resolve by itself when the condition clears.

``open → acknowledged → resolved``, and ``open → resolved``; a resolved alert comes back
only through a new finding (see fingerprint). Each change returns the new alert and the
audit entry saying who did it. A transition that the state does not allow raises
ConflictError (an HTTP 409: someone else got there first); malformed input raises
ValidationError. Pure: no I/O, no clock, no escalation (a non-open alert stops its own).
"""

from __future__ import annotations

import msgspec

from signalroom.alerting.model import (
    SYSTEM_ACTOR,
    Alert,
    AlertSettings,
    AuditEntry,
    Change,
    require_actor,
    require_instant,
    require_note,
)
from signalroom.clock import to_iso
from signalroom.detectors.base import describe_span
from signalroom.errors import ConflictError


def acknowledge(alert: Alert, *, actor: str, now: float, note: str = "") -> Change:
    """``open → acknowledged``: someone is on it, so escalation stops.

    Raises ConflictError when the alert is already acknowledged or resolved.
    """
    who = require_actor(actor)
    require_instant(now)
    why = require_note(note)
    if alert.state != "open":
        raise ConflictError(f"alert {alert.id} is already {_state_phrase(alert)}")
    acked = msgspec.structs.replace(
        alert, state="acknowledged", acknowledged_at=now, acknowledged_by=who, updated_at=now
    )
    return Change(
        acked, AuditEntry(alert_id=alert.id, at=now, actor=who, action="acknowledged", note=why)
    )


def resolve(alert: Alert, *, actor: str, now: float, note: str = "") -> Change:
    """``open|acknowledged → resolved``. Raises ConflictError when already resolved."""
    who = require_actor(actor)
    require_instant(now)
    why = require_note(note)
    return _resolve(alert, who, now, why)


def mark_holding(alert: Alert, *, now: float) -> Alert:
    """Record that the alert's condition still holds at ``now`` (the detector's reading is
    still outside its band), which keeps an active alert from auto-resolving."""
    require_instant(now)
    if not alert.is_active or now <= alert.last_seen:
        return alert
    return msgspec.structs.replace(alert, last_seen=now)


def is_auto_resolve_due(alert: Alert, *, now: float, settings: AlertSettings) -> bool:
    """True when an active alert's condition has not been seen holding for the quiet period."""
    quiet_s = settings.auto_resolve_after_s
    return alert.is_active and quiet_s is not None and now - alert.last_seen >= quiet_s


def auto_resolve(alert: Alert, *, now: float, settings: AlertSettings) -> Change | None:
    """Resolve the alert as the system if its quiet period has passed, else None."""
    require_instant(now)
    if not is_auto_resolve_due(alert, now=now, settings=settings):
        return None
    quiet = describe_span(now - alert.last_seen)
    note = f"condition not seen since {to_iso(alert.last_seen)} ({quiet})"
    return _resolve(alert, SYSTEM_ACTOR, now, note)


def _resolve(alert: Alert, who: str, now: float, why: str) -> Change:
    if alert.state == "resolved":
        raise ConflictError(f"alert {alert.id} is already {_state_phrase(alert)}")
    resolved = msgspec.structs.replace(
        alert, state="resolved", resolved_at=now, resolved_by=who, updated_at=now
    )
    return Change(
        resolved, AuditEntry(alert_id=alert.id, at=now, actor=who, action="resolved", note=why)
    )


def _state_phrase(alert: Alert) -> str:
    if alert.state == "acknowledged" and alert.acknowledged_by is not None:
        return f"acknowledged by {alert.acknowledged_by}"
    if alert.state == "resolved" and alert.resolved_by is not None:
        return f"resolved by {alert.resolved_by}"
    return alert.state
