"""The plain data of alerting: an alert, its states, the audit entries, the settings.

An alert is what a person acts on: one crisis, grouped from any number of detector
findings that share a fingerprint, moving ``open → acknowledged → resolved``. Every
change to it is described by an AuditEntry saying who did what and when. This module is
data and the checks that keep it valid: no I/O, no clock (instants are passed in), no
state transitions (see lifecycle and fingerprint).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

import msgspec

from signalroom.detectors.base import SEVERITIES, DetectorName, Finding, Severity, check_settings
from signalroom.errors import ValidationError

AlertState = Literal["open", "acknowledged", "resolved"]
AuditAction = Literal["opened", "updated", "reopened", "acknowledged", "resolved"]

ALERT_STATES: tuple[AlertState, ...] = ("open", "acknowledged", "resolved")
SYSTEM_ACTOR = "system"
"""The actor of changes nobody made by hand: grouping a finding, auto-resolving."""

MAX_ACTOR_CHARS = 200
MAX_NOTE_CHARS = 2000


def severity_rank(severity: Severity) -> int:
    """0 for info, 1 for warning, 2 for critical: severities compare by rank."""
    return SEVERITIES.index(severity)


class Alert(msgspec.Struct, frozen=True, kw_only=True):
    """One crisis: the findings grouped under one fingerprint, and what people did about it.

    ``id`` is ``<fingerprint>-<occurrence>``: deterministic, so replaying the same findings
    yields the same ids. ``trigger`` counts how often this alert went (back) to ``open``;
    escalation restarts from level 1 on each trigger.
    """

    id: str
    fingerprint: str
    occurrence: int
    """1 for the first alert of this fingerprint, then +1 for each new alert after a resolve."""
    topic_id: int
    detector: DetectorName
    subject: str
    """What the alert is about inside the topic (a term, a handle); empty for the topic."""
    state: AlertState
    severity: Severity
    """The highest severity seen since the current trigger."""
    trigger: int
    opened_at: float
    triggered_at: float
    """When the current trigger started (equals ``opened_at`` until a re-trigger)."""
    last_seen: float
    """When the condition was last seen holding: the latest finding or holding reading."""
    updated_at: float
    count: int
    """How many findings were grouped into this alert."""
    latest: Finding
    """The latest finding: the current observed value, band and reason."""
    peak: Finding
    """The finding with the highest score since the current trigger."""
    acknowledged_at: float | None = None
    acknowledged_by: str | None = None
    resolved_at: float | None = None
    resolved_by: str | None = None

    @property
    def is_active(self) -> bool:
        """Open or acknowledged: the crisis is not over."""
        return self.state != "resolved"


class AuditEntry(msgspec.Struct, frozen=True, kw_only=True):
    """One line of an alert's audit trail: who did what, when, and why."""

    alert_id: str
    at: float
    actor: str
    action: AuditAction
    note: str = ""


class Change(msgspec.Struct, frozen=True):
    """The result of every change to an alert: the alert as it is now, and the audit entry
    to append. The store writes both in one transaction."""

    alert: Alert
    entry: AuditEntry

    @property
    def starts_escalation(self) -> bool:
        """True when the alert (re)entered ``open``, so its escalation starts from level 1."""
        return self.entry.action in ("opened", "reopened")


@dataclass(frozen=True, slots=True)
class AlertSettings:
    """How findings become alerts and when alerts close by themselves."""

    auto_resolve_after_s: float | None = 3600.0
    """An open or acknowledged alert resolves by itself once its condition has not been
    seen holding for this long. None: alerts resolve only by hand."""
    reopen_window_s: float = 1800.0
    """A finding arriving this soon after its alert was resolved re-triggers that alert
    (the crisis came back) instead of opening a new one. 0: always a new alert."""

    def __post_init__(self) -> None:
        check_settings("alerts", self, non_negative=("reopen_window_s",))
        if self.auto_resolve_after_s is not None:
            check_settings("alerts", self, positive=("auto_resolve_after_s",))


def require_instant(value: float, field: str = "now") -> float:
    """``value`` if it is a finite instant, else ValidationError naming ``field``."""
    if not math.isfinite(value):
        raise ValidationError(f"must be a finite epoch time, got {value!r}", field)
    return value


def require_actor(actor: str) -> str:
    """The actor with surrounding blanks removed; ValidationError when empty or too long."""
    cleaned = actor.strip()
    if not cleaned:
        raise ValidationError("must name who did it", "actor")
    if len(cleaned) > MAX_ACTOR_CHARS:
        raise ValidationError(f"must be at most {MAX_ACTOR_CHARS} characters", "actor")
    return cleaned


def require_note(note: str) -> str:
    """The note with surrounding blanks removed; ValidationError when too long."""
    cleaned = note.strip()
    if len(cleaned) > MAX_NOTE_CHARS:
        raise ValidationError(f"must be at most {MAX_NOTE_CHARS} characters", "note")
    return cleaned
