"""Findings and alerts for the alerting tests, built the way detectors and grouping do."""

from __future__ import annotations

from signalroom.alerting import Alert, group_finding
from signalroom.detectors.base import DetectorName, Finding, Severity

T0 = 1_700_000_000.0
TOPIC = 7


def finding(
    *,
    detector: DetectorName = "spike",
    subject: str = "",
    severity: Severity = "warning",
    observed: float = 120.0,
    score: float = 5.0,
    onset: float = T0,
) -> Finding:
    return Finding(
        detector=detector,
        onset=onset,
        observed=observed,
        expected=20.0,
        band_low=5.0,
        band_high=45.0,
        score=score,
        severity=severity,
        reason=f"{observed:g} posts in the last hour, expected 5 to 45",
        subject=subject,
    )


def open_alert(
    now: float = T0,
    topic_id: int = TOPIC,
    *,
    detector: DetectorName = "spike",
    subject: str = "",
    severity: Severity = "warning",
    score: float = 5.0,
) -> Alert:
    made = finding(detector=detector, subject=subject, severity=severity, score=score)
    return group_finding(None, topic_id, made, now=now).alert
