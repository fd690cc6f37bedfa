"""Grouping: one crisis is one alert that updates, not fifty alerts.

A finding's fingerprint is its topic, its detector and its subject (case-folded), except for
the detectors in :data:`TOPIC_WIDE`, whose findings about different subjects are one story
(influential authors turning on a brand during a crisis are one alert that grows, not an
alert per author: that is how a wall fills with fifty banners). A
finding whose fingerprint has an open or acknowledged alert updates that alert (latest
value, evidence, last seen, count); after a resolve it re-triggers the same alert when
it comes within the reopen window, else it opens the next alert of that fingerprint.
Pure: the caller looks up the fingerprint's latest alert and stores the Change. No I/O,
no clock.
"""

from __future__ import annotations

import hashlib

import msgspec

from signalroom.alerting.model import (
    SYSTEM_ACTOR,
    Alert,
    AlertSettings,
    AuditAction,
    AuditEntry,
    Change,
    require_instant,
    severity_rank,
)
from signalroom.casefold import fold
from signalroom.detectors.base import DetectorName, Finding
from signalroom.errors import ValidationError

_DEFAULT_SETTINGS = AlertSettings()

TOPIC_WIDE: frozenset[DetectorName] = frozenset({"influencer"})
"""Detectors grouped per topic whatever their findings' subjects."""


def fingerprint(topic_id: int, detector: DetectorName, subject: str = "") -> str:
    """A stable 16-hex-digit key for "this detector, about this subject, in this topic".

    Subjects compare case-folded and trimmed, so ``#Recall`` and ``#recall`` group.
    """
    key = f"{topic_id}\x1f{detector}\x1f{fold(subject.strip())}"
    return hashlib.blake2b(key.encode("utf-8"), digest_size=8).hexdigest()


def finding_fingerprint(topic_id: int, finding: Finding) -> str:
    """The fingerprint of a finding raised for ``topic_id``."""
    return fingerprint(topic_id, finding.detector, _grouped_subject(finding))


def _grouped_subject(finding: Finding) -> str:
    return "" if finding.detector in TOPIC_WIDE else finding.subject


def group_finding(
    current: Alert | None,
    topic_id: int,
    finding: Finding,
    *,
    now: float,
    settings: AlertSettings = _DEFAULT_SETTINGS,
) -> Change:
    """Fold a finding into the latest alert of its fingerprint (None if there is none).

    Returns the alert to store and its audit entry, whose action is ``opened``,
    ``updated`` or ``reopened``; ``Change.starts_escalation`` says whether escalation must
    (re)start. Raises ValidationError when ``current`` has another fingerprint.
    """
    require_instant(now)
    key = finding_fingerprint(topic_id, finding)
    if current is None:
        return _open(key, 1, topic_id, finding, now)
    if current.fingerprint != key:
        raise ValidationError(
            f"alert {current.id} has fingerprint {current.fingerprint}, the finding {key}",
            "fingerprint",
        )
    if current.is_active:
        return _update(current, finding, now)
    resolved_at = current.resolved_at if current.resolved_at is not None else current.updated_at
    if now - resolved_at <= settings.reopen_window_s:
        return _reopen(current, finding, now)
    return _open(key, current.occurrence + 1, topic_id, finding, now)


def _open(key: str, occurrence: int, topic_id: int, finding: Finding, now: float) -> Change:
    alert = Alert(
        id=f"{key}-{occurrence}",
        fingerprint=key,
        occurrence=occurrence,
        topic_id=topic_id,
        detector=finding.detector,
        subject=_grouped_subject(finding),
        state="open",
        severity=finding.severity,
        trigger=1,
        opened_at=now,
        triggered_at=now,
        last_seen=now,
        updated_at=now,
        count=1,
        latest=finding,
        peak=finding,
    )
    return Change(alert, _entry(alert, "opened", now, finding))


def _update(current: Alert, finding: Finding, now: float) -> Change:
    severity = max(current.severity, finding.severity, key=severity_rank)
    # A NaN score compares false, so it never displaces a real peak.
    peak = finding if finding.score > current.peak.score else current.peak
    alert = msgspec.structs.replace(
        current,
        severity=severity,
        last_seen=max(current.last_seen, now),
        updated_at=now,
        count=current.count + 1,
        latest=finding,
        peak=peak,
    )
    return Change(alert, _entry(alert, "updated", now, finding))


def _reopen(current: Alert, finding: Finding, now: float) -> Change:
    alert = msgspec.structs.replace(
        current,
        state="open",
        severity=finding.severity,
        trigger=current.trigger + 1,
        triggered_at=now,
        last_seen=now,
        updated_at=now,
        count=current.count + 1,
        latest=finding,
        peak=finding,
        acknowledged_at=None,
        acknowledged_by=None,
        resolved_at=None,
        resolved_by=None,
    )
    return Change(alert, _entry(alert, "reopened", now, finding))


def _entry(alert: Alert, action: AuditAction, now: float, finding: Finding) -> AuditEntry:
    return AuditEntry(
        alert_id=alert.id, at=now, actor=SYSTEM_ACTOR, action=action, note=finding.reason
    )
