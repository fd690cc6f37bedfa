"""Backtest: what a detector, with given settings, would have raised on a topic's past.

It replays a topic's stored minute rollups over a period through a fresh detector, the
way the live engine feeds it (:class:`~signalroom.monitor.watch.TopicWatch`, each minute
decided ``lateness_s`` after it ends), and runs the findings through the same grouping,
holding and auto-resolve rules as live alerts. So a person tuning a threshold sees both
every finding (onset, observed, expected, band, reason) and how many distinct alerts,
and so notifications, they would have made. Only the count detectors (spike, negative
surge, keyword) can be backtested: the others need posts, which retention deletes.

:func:`backtest` is a pure function of the rollups; :func:`backtest_topic` fetches them
from a Store first. Thirty days of minutes (43,200 points) take well under a second.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Literal

import msgspec

from signalroom.alerting.fingerprint import group_finding
from signalroom.alerting.lifecycle import auto_resolve, mark_holding
from signalroom.alerting.model import Alert, AlertSettings
from signalroom.detectors.base import Finding, Severity
from signalroom.errors import ValidationError
from signalroom.models import Rollup
from signalroom.monitor.settings import SETTINGS_TYPES, AnySettings, rules_of
from signalroom.monitor.watch import MINUTE_S, TopicWatch
from signalroom.store.base import Store

BacktestDetector = Literal["spike", "sentiment", "keyword"]
MAX_BACKTEST_S = 400 * 86400.0
"""The longest period one backtest replays (about 576,000 minutes)."""


class BacktestAlert(msgspec.Struct, frozen=True, kw_only=True):
    """One alert the detector would have opened (or re-opened: a new trigger)."""

    alert_id: str
    trigger: int
    onset: float
    """The first finding's onset."""
    opened_at: float
    """When the live engine would have decided it: the onset minute's end plus lateness."""
    observed: float
    expected: float
    band_low: float
    band_high: float
    severity: Severity
    reason: str
    findings: int
    """Findings grouped into this trigger of the alert."""
    resolved_at: float | None
    """When it would have resolved by itself (None: still open at the period's end)."""


class BacktestResult(msgspec.Struct, frozen=True, kw_only=True):
    topic_id: int
    detector: BacktestDetector
    since: float
    until: float
    minutes: int
    findings: tuple[Finding, ...]
    alerts: tuple[BacktestAlert, ...]

    @property
    def distinct_alerts(self) -> int:
        """Alerts (and re-triggers) a person would have been notified about."""
        return len(self.alerts)


def backtest(
    rollups: Sequence[Rollup],
    *,
    topic_id: int,
    detector: BacktestDetector,
    since: float,
    until: float,
    settings: AnySettings | None = None,
    lateness_s: float = 120.0,
    alert_settings: AlertSettings | None = None,
) -> BacktestResult:
    """Replay the topic's minute ``rollups`` in ``[since, until)`` through ``detector``.

    Rollups of other topics or outside the period are ignored; a missing minute has no
    posts. ``settings`` must be the detector's settings type (None: its defaults).
    Raises ValidationError for a bad period or settings of the wrong type.
    """
    if not (math.isfinite(since) and math.isfinite(until)) or until <= since:
        raise ValidationError("must be a finite period with since < until", "period")
    if until - since > MAX_BACKTEST_S:
        raise ValidationError(f"must be at most {MAX_BACKTEST_S / 86400:.0f} days", "period")
    if detector not in ("spike", "sentiment", "keyword"):
        raise ValidationError("only spike, sentiment and keyword can be backtested", "detector")
    chosen = settings if settings is not None else SETTINGS_TYPES[detector]()
    watch = TopicWatch(topic_id, rules_of({detector: chosen}))
    rules = alert_settings or AlertSettings()
    first = math.ceil(since / MINUTE_S) * MINUTE_S
    by_minute = {
        r.bucket_start: r
        for r in rollups
        if r.topic_id == topic_id and since <= r.bucket_start < until
    }
    findings: list[Finding] = []
    alerts: list[BacktestAlert] = []
    current: Alert | None = None
    minute = first
    minutes = 0
    while minute < until:
        decided = minute + MINUTE_S + lateness_s
        for finding in watch.feed_minute(minute, by_minute.get(minute)):
            findings.append(finding)
            change = group_finding(current, topic_id, finding, now=decided, settings=rules)
            current = change.alert
            if change.starts_escalation:
                alerts.append(_opened(current, finding))
            else:
                alerts[-1] = msgspec.structs.replace(alerts[-1], findings=alerts[-1].findings + 1)
        if current is not None and current.is_active:
            if watch.is_holding(detector):
                current = mark_holding(current, now=decided)
            resolved = auto_resolve(current, now=decided, settings=rules)
            if resolved is not None:
                current = resolved.alert
                alerts[-1] = msgspec.structs.replace(alerts[-1], resolved_at=decided)
        minute += MINUTE_S
        minutes += 1
    return BacktestResult(
        topic_id=topic_id,
        detector=detector,
        since=since,
        until=until,
        minutes=minutes,
        findings=tuple(findings),
        alerts=tuple(alerts),
    )


def backtest_topic(
    store: Store,
    topic_id: int,
    detector: BacktestDetector,
    since: float,
    until: float,
    *,
    settings: AnySettings | None = None,
    lateness_s: float = 120.0,
    alert_settings: AlertSettings | None = None,
) -> BacktestResult:
    """:func:`backtest` over the topic's stored minute rollups. Raises NotFoundError for
    an unknown topic, ValidationError as :func:`backtest` does."""
    store.get_topic(topic_id)
    if not (math.isfinite(since) and math.isfinite(until)) or until <= since:
        raise ValidationError("must be a finite period with since < until", "period")
    rollups = store.query_rollups((topic_id,), since, until, "minute")
    return backtest(
        rollups,
        topic_id=topic_id,
        detector=detector,
        since=since,
        until=until,
        settings=settings,
        lateness_s=lateness_s,
        alert_settings=alert_settings,
    )


def _opened(alert: Alert, finding: Finding) -> BacktestAlert:
    return BacktestAlert(
        alert_id=alert.id,
        trigger=alert.trigger,
        onset=finding.onset,
        opened_at=alert.triggered_at,
        observed=finding.observed,
        expected=finding.expected,
        band_low=finding.band_low,
        band_high=finding.band_high,
        severity=finding.severity,
        reason=finding.reason,
        findings=1,
        resolved_at=None,
    )
