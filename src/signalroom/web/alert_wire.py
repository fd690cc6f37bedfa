"""The JSON shapes of alerting: alerts with their evidence and escalation, the live ``alert``
event, teams, escalation policies, the routing table, silences, outbox messages, audit
entries, detector settings and backtests.

One place, so the HTTP API, the live bus and the composition root say the same thing
(see the "Alerts" section of ``docs/api.md``). Times go out as ISO 8601 UTC strings;
numbers that are not finite (a detector's score can be) go out as ``null``, because JSON
has no infinity. An outbox message never carries its body or acknowledge link: the link
is a credential, and the body is the team's business. Pure: builds dicts and bytes only,
no I/O, no clock.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping, Sequence
from typing import Any

import msgspec

from signalroom.alerting.escalation import EscalationPolicy, EscalationState
from signalroom.alerting.model import AuditEntry
from signalroom.alerting.outbox import OutboxMessage
from signalroom.alerting.routing import RoutingTable
from signalroom.alerting.silence import Silence
from signalroom.alerting.teams import Team
from signalroom.clock import to_iso
from signalroom.detectors.base import Finding
from signalroom.monitor.backtest import BacktestAlert, BacktestResult
from signalroom.monitor.settings import AnySettings
from signalroom.store.alerts import AlertEvidence, AlertRecord, SettingValue

_encoder = msgspec.json.Encoder()

DEFAULT_POLICY = "default"
"""What alerts follow before a routing table is saved (if a policy of that name exists)."""


def number(value: float) -> float | None:
    """A float for JSON: rounded to 4 decimals, ``None`` when not finite."""
    return round(value, 4) if math.isfinite(value) else None


def instant(value: float | None) -> str | None:
    return to_iso(value) if value is not None and math.isfinite(value) else None


# -- alerts ------------------------------------------------------------------------------
def alert_json(
    record: AlertRecord, topic_name: str | None, takeover: Sequence[str] = ()
) -> dict[str, Any]:
    """An alert as the API and the live event show it; ``topic_name`` None: topic deleted;
    ``takeover``: the screens its escalation has taken over (``*``: every screen)."""
    alert, latest = record.alert, record.alert.latest
    return {
        "id": alert.id,
        "fingerprint": alert.fingerprint,
        "topic_id": alert.topic_id,
        "topic_name": topic_name,
        "detector": alert.detector,
        "subject": alert.subject,
        "state": alert.state,
        "severity": alert.severity,
        "trigger": alert.trigger,
        "count": alert.count,
        "opened_at": to_iso(alert.opened_at),
        "triggered_at": to_iso(alert.triggered_at),
        "last_seen": to_iso(alert.last_seen),
        "updated_at": to_iso(alert.updated_at),
        "acknowledged_at": instant(alert.acknowledged_at),
        "acknowledged_by": alert.acknowledged_by,
        "resolved_at": instant(alert.resolved_at),
        "resolved_by": alert.resolved_by,
        "reason": latest.reason,
        "observed": number(latest.observed),
        "expected": number(latest.expected),
        "band": [number(latest.band_low), number(latest.band_high)],
        "peak": peak_json(alert.peak),
        "evidence": evidence_json(record.evidence) if record.evidence is not None else None,
        "escalation": escalation_json(record.escalation),
        "takeover": list(takeover),
    }


def alert_event(record: AlertRecord, topic_name: str | None, takeover: Sequence[str] = ()) -> bytes:
    """The live event sent after every change to an alert: ``{"type": "alert", "item"}``."""
    return _encoder.encode({"type": "alert", "item": alert_json(record, topic_name, takeover)})


def peak_json(finding: Finding) -> dict[str, Any]:
    return {
        "observed": number(finding.observed),
        "expected": number(finding.expected),
        "score": number(finding.score),
        "onset": to_iso(finding.onset),
        "reason": finding.reason,
    }


def evidence_json(evidence: AlertEvidence) -> dict[str, Any]:
    return {
        "window_start": to_iso(evidence.window_start),
        "window_end": to_iso(evidence.window_end),
        "observed": number(evidence.observed),
        "expected": number(evidence.expected),
        "band": [number(evidence.band_low), number(evidence.band_high)],
        "summary": evidence.summary,
        "top_posts": [
            {
                "id": post.id,
                "url": post.url,
                "author": post.author,
                "followers": post.followers,
                "text": post.text,
                "created_at": to_iso(post.created_at),
                "reach": post.reach,
                "sentiment": post.sentiment,
            }
            for post in evidence.top_posts
        ],
        "top_terms": [{"term": term.term, "count": term.count} for term in evidence.top_terms],
        "top_authors": [
            {"handle": author.handle, "followers": author.followers, "posts": author.posts}
            for author in evidence.top_authors
        ],
    }


def escalation_json(state: EscalationState | None) -> dict[str, Any] | None:
    if state is None:
        return None
    return {
        "policy": state.policy,
        "status": state.status,
        "next_step": state.next_step,
        "next_at": instant(state.next_at),
        "held": state.held,
    }


def audit_json(entry: AuditEntry) -> dict[str, Any]:
    return {
        "at": to_iso(entry.at),
        "actor": entry.actor,
        "action": entry.action,
        "note": entry.note,
    }


def outbox_json(message: OutboxMessage) -> dict[str, Any]:
    """A delivery as people may see it: the channel is a secret *reference*, never its value."""
    return {
        "id": message.id,
        "key": message.key,
        "alert_id": message.alert_id,
        "team": message.team,
        "channel": message.channel,
        "title": message.title,
        "state": message.state,
        "attempts": message.attempts,
        "next_attempt_at": instant(message.next_attempt_at),
        "last_error": message.last_error,
        "sent_at": instant(message.sent_at),
        "created_at": to_iso(message.created_at),
    }


# -- teams, policies, routing, silences -------------------------------------------------------
def team_json(team: Team) -> dict[str, Any]:
    return {
        "name": team.name,
        "members": [{"name": m.name, "contact": m.contact} for m in team.members],
        "channels": list(team.channels),
        "webhook": None
        if team.webhook is None
        else {"url": team.webhook.url, "key": team.webhook.key},
    }


def policy_json(policy: EscalationPolicy) -> dict[str, Any]:
    return {
        "name": policy.name,
        "levels": [
            {
                "targets": list(level.targets),
                "timeout_s": number(level.timeout_s),
                "takeover": list(level.takeover),
            }
            for level in policy.levels
        ],
        "repeat": policy.repeat,
    }


def routing_json(table: RoutingTable | None) -> dict[str, Any]:
    """The routing table; before one is saved, what the engine does then: everything
    follows the policy named ``default``."""
    if table is None:
        return {"default_policy": DEFAULT_POLICY, "routes": []}
    return {
        "default_policy": table.default_policy,
        "routes": [
            {
                "policy": route.policy,
                "topic_ids": list(route.topic_ids),
                "topic_kinds": list(route.topic_kinds),
                "detectors": list(route.detectors),
                "min_severity": route.min_severity,
            }
            for route in table.routes
        ],
    }


def silence_json(silence: Silence, now: float) -> dict[str, Any]:
    """A silence, with what it does at ``now``: ``muting`` (and until when), or when it next
    starts to mute (None: never again)."""
    until = silence.active_until(now)
    upcoming = None if until is not None else silence.next_start(now)
    return {
        "id": silence.id,
        "starts_at": to_iso(silence.starts_at),
        "ends_at": None if silence.ends_at is None else to_iso(silence.ends_at),
        "created_by": silence.created_by,
        "comment": silence.comment,
        "topic_id": silence.topic_id,
        "detector": silence.detector,
        "fingerprint": silence.fingerprint,
        "max_severity": silence.max_severity,
        "windows": [
            {"days": list(w.days), "start": w.start, "end": w.end} for w in silence.windows
        ],
        "timezone": silence.timezone,
        "muting": until is not None,
        "muting_until": None if until is None or math.isinf(until) else to_iso(until),
        "next_mute_at": None if upcoming is None else to_iso(upcoming),
    }


# -- detector settings and backtests ---------------------------------------------------------
def settings_values(settings: AnySettings) -> dict[str, SettingValue]:
    """A detector's settings as ``{name: value}``, in the order the detector declares them."""
    return {f.name: getattr(settings, f.name) for f in dataclasses.fields(settings)}


def detector_json(
    detector: str,
    *,
    enabled: bool,
    settings: AnySettings,
    defaults: AnySettings,
    overridden: Sequence[str],
    help_text: Mapping[str, str],
) -> dict[str, Any]:
    """One detector of a topic: whether it runs, its settings in force (or, when off, those
    it would run with), the defaults, which settings differ, and what each one does."""
    return {
        "detector": detector,
        "enabled": enabled,
        "settings": settings_values(settings),
        "defaults": settings_values(defaults),
        "overridden": list(overridden),
        "help": dict(help_text),
    }


def backtest_alert_json(alert: BacktestAlert) -> dict[str, Any]:
    return {
        "alert_id": alert.alert_id,
        "trigger": alert.trigger,
        "onset": to_iso(alert.onset),
        "opened_at": to_iso(alert.opened_at),
        "observed": number(alert.observed),
        "expected": number(alert.expected),
        "band": [number(alert.band_low), number(alert.band_high)],
        "severity": alert.severity,
        "reason": alert.reason,
        "findings": alert.findings,
        "resolved_at": instant(alert.resolved_at),
    }


def backtest_json(
    result: BacktestResult,
    settings: AnySettings,
    series: Sequence[tuple[float, float]],
    series_step_s: float,
) -> dict[str, Any]:
    """A backtest's answer: the alerts, the settings replayed, and the detector's input as a
    chart series (``series_step_s`` apart; each point the busiest minute of its step)."""
    return {
        "detector": result.detector,
        "topic_id": result.topic_id,
        "since": to_iso(result.since),
        "until": to_iso(result.until),
        "minutes": result.minutes,
        "findings": len(result.findings),
        "distinct_alerts": result.distinct_alerts,
        "settings": settings_values(settings),
        "alerts": [backtest_alert_json(a) for a in result.alerts],
        "series_step_s": series_step_s,
        "series": [{"t": to_iso(t), "observed": number(v)} for t, v in series],
    }
