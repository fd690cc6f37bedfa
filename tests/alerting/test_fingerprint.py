"""Grouping: one crisis is one alert that updates, and a resolved crisis comes back right."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from signalroom.alerting import (
    Alert,
    AlertSettings,
    acknowledge,
    fingerprint,
    group_finding,
    resolve,
)
from signalroom.alerting.fingerprint import finding_fingerprint
from signalroom.detectors.base import SEVERITIES, Finding, Severity
from signalroom.errors import ValidationError
from tests.alerting.factory import T0, TOPIC, finding, open_alert


def test_fingerprint_is_stable_and_ignores_case_and_blanks() -> None:
    assert fingerprint(1, "trend", "#Recall") == fingerprint(1, "trend", "  #recall ")
    assert len(fingerprint(1, "trend", "#recall")) == 16


def test_fingerprint_differs_by_topic_detector_and_subject() -> None:
    keys = {
        fingerprint(1, "trend", "#recall"),
        fingerprint(2, "trend", "#recall"),
        fingerprint(1, "keyword", "#recall"),
        fingerprint(1, "trend", "#boycott"),
        fingerprint(1, "trend", ""),
    }
    assert len(keys) == 5


def test_group_finding_opens_an_alert_when_none_exists() -> None:
    change = group_finding(None, TOPIC, finding(subject="@bigname"), now=T0)
    alert = change.alert
    assert change.entry.action == "opened"
    assert change.starts_escalation
    assert alert.state == "open"
    assert alert.id == f"{fingerprint(TOPIC, 'spike', '@bigname')}-1"
    assert (alert.count, alert.trigger, alert.occurrence) == (1, 1, 1)
    assert alert.opened_at == alert.last_seen == T0
    assert change.entry.actor == "system"
    assert "posts in the last hour" in change.entry.note


def test_group_finding_updates_the_open_alert_instead_of_opening_another() -> None:
    alert = open_alert(severity="warning", score=4.0)
    later = finding(severity="critical", observed=300.0, score=9.0)
    change = group_finding(alert, TOPIC, later, now=T0 + 600)
    updated = change.alert
    assert change.entry.action == "updated"
    assert not change.starts_escalation
    assert updated.id == alert.id
    assert updated.count == 2
    assert updated.latest.observed == 300.0
    assert updated.peak.score == 9.0
    assert updated.severity == "critical"
    assert updated.last_seen == T0 + 600
    assert updated.opened_at == T0


def test_group_finding_keeps_the_peak_and_highest_severity_when_the_update_is_milder() -> None:
    alert = open_alert(severity="critical", score=9.0)
    updated = group_finding(alert, TOPIC, finding(severity="info", score=2.0), now=T0 + 60).alert
    assert updated.severity == "critical"
    assert updated.peak.score == 9.0
    assert updated.latest.score == 2.0


def test_group_finding_keeps_an_acknowledged_alert_acknowledged() -> None:
    acked = acknowledge(open_alert(), actor="alice", now=T0 + 60).alert
    updated = group_finding(acked, TOPIC, finding(), now=T0 + 120).alert
    assert updated.state == "acknowledged"
    assert updated.acknowledged_by == "alice"
    assert updated.count == 2


def test_group_finding_retriggers_the_alert_when_it_returns_within_the_reopen_window() -> None:
    settings = AlertSettings(reopen_window_s=1800.0)
    resolved = resolve(open_alert(), actor="bob", now=T0 + 600).alert
    change = group_finding(resolved, TOPIC, finding(), now=T0 + 600 + 1800, settings=settings)
    assert change.entry.action == "reopened"
    assert change.starts_escalation
    assert change.alert.id == resolved.id
    assert change.alert.state == "open"
    assert change.alert.trigger == 2
    assert change.alert.resolved_at is None
    assert change.alert.triggered_at == T0 + 2400


def test_group_finding_opens_the_next_alert_after_the_reopen_window() -> None:
    settings = AlertSettings(reopen_window_s=1800.0)
    resolved = resolve(open_alert(), actor="bob", now=T0 + 600).alert
    change = group_finding(resolved, TOPIC, finding(), now=T0 + 600 + 1801, settings=settings)
    assert change.entry.action == "opened"
    assert change.alert.id == f"{resolved.fingerprint}-2"
    assert (change.alert.occurrence, change.alert.trigger, change.alert.count) == (2, 1, 1)


def test_group_finding_rejects_an_alert_of_another_fingerprint() -> None:
    alert = open_alert(subject="#recall")
    with pytest.raises(ValidationError, match="fingerprint"):
        group_finding(alert, TOPIC, finding(subject="#boycott"), now=T0)


def test_group_finding_rejects_a_non_finite_now() -> None:
    with pytest.raises(ValidationError, match="now"):
        group_finding(None, TOPIC, finding(), now=float("nan"))


@given(
    gaps=st.lists(st.floats(min_value=0, max_value=86_400), min_size=1, max_size=50),
    severities=st.lists(st.sampled_from(SEVERITIES), min_size=50, max_size=50),
)
def test_group_finding_makes_one_alert_of_any_burst_while_it_is_active(
    gaps: list[float], severities: list[Severity]
) -> None:
    alert: Alert | None = None
    now = T0
    for gap, severity in zip(gaps, severities, strict=False):
        now += gap
        alert = group_finding(alert, TOPIC, finding(severity=severity), now=now).alert
    assert alert is not None
    assert alert.occurrence == 1
    assert alert.count == len(gaps)
    assert alert.last_seen == now
    worst = max(severities[: len(gaps)], key=SEVERITIES.index)
    assert alert.severity == worst


def test_influential_authors_of_one_topic_group_into_one_alert() -> None:
    def influencer(handle: str, followers: float, at: float) -> Finding:
        return Finding(
            detector="influencer",
            onset=at,
            observed=followers,
            expected=0,
            band_low=0,
            band_high=49_999,
            score=followers / 50_000,
            severity="critical" if followers >= 1_000_000 else "warning",
            reason=f"@{handle}, followed by {followers:,.0f}, posted negatively about the topic",
            subject=handle,
        )

    first = group_finding(None, 7, influencer("maya", 80_000, 1_000.0), now=1_000.0)
    second = group_finding(first.alert, 7, influencer("tom", 1_200_000, 1_060.0), now=1_060.0)
    assert first.alert.subject == ""
    assert second.entry.action == "updated"
    assert second.alert.id == first.alert.id
    assert (second.alert.count, second.alert.severity) == (2, "critical")
    assert second.alert.latest.subject == "tom"
    assert finding_fingerprint(8, influencer("maya", 80_000, 1.0)) != first.alert.fingerprint
