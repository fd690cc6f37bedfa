"""The alert lifecycle: allowed transitions, conflicts, auto-resolve, and the audit trail."""

from __future__ import annotations

import pytest

from signalroom.alerting import (
    AlertSettings,
    AuditEntry,
    acknowledge,
    auto_resolve,
    group_finding,
    is_auto_resolve_due,
    mark_holding,
    resolve,
)
from signalroom.errors import ConfigError, ConflictError, ValidationError
from tests.alerting.factory import T0, TOPIC, finding, open_alert


def test_acknowledge_moves_an_open_alert_to_acknowledged_and_names_who() -> None:
    change = acknowledge(open_alert(), actor=" alice ", now=T0 + 90, note="on it")
    assert change.alert.state == "acknowledged"
    assert change.alert.acknowledged_by == "alice"
    assert change.alert.acknowledged_at == T0 + 90
    assert change.entry == AuditEntry(
        alert_id=change.alert.id, at=T0 + 90, actor="alice", action="acknowledged", note="on it"
    )
    assert not change.starts_escalation


def test_acknowledge_raises_conflict_when_already_acknowledged() -> None:
    acked = acknowledge(open_alert(), actor="alice", now=T0 + 60).alert
    with pytest.raises(ConflictError, match="acknowledged by alice"):
        acknowledge(acked, actor="bob", now=T0 + 61)


def test_acknowledge_raises_conflict_when_resolved() -> None:
    resolved = resolve(open_alert(), actor="carol", now=T0 + 60).alert
    with pytest.raises(ConflictError, match="resolved by carol"):
        acknowledge(resolved, actor="bob", now=T0 + 61)


@pytest.mark.parametrize("acked_first", [False, True])
def test_resolve_closes_an_open_or_acknowledged_alert(acked_first: bool) -> None:
    alert = open_alert()
    if acked_first:
        alert = acknowledge(alert, actor="alice", now=T0 + 30).alert
    change = resolve(alert, actor="bob", now=T0 + 60, note="statement published")
    assert change.alert.state == "resolved"
    assert (change.alert.resolved_by, change.alert.resolved_at) == ("bob", T0 + 60)
    assert change.entry.action == "resolved"
    assert not change.alert.is_active


def test_resolve_raises_conflict_when_already_resolved() -> None:
    resolved = resolve(open_alert(), actor="bob", now=T0 + 60).alert
    with pytest.raises(ConflictError, match="already resolved"):
        resolve(resolved, actor="bob", now=T0 + 61)


@pytest.mark.parametrize("actor", ["", "   ", "x" * 201])
def test_acknowledge_rejects_a_missing_or_overlong_actor(actor: str) -> None:
    with pytest.raises(ValidationError) as caught:
        acknowledge(open_alert(), actor=actor, now=T0)
    assert caught.value.field == "actor"


def test_resolve_rejects_an_overlong_note_and_a_non_finite_time() -> None:
    with pytest.raises(ValidationError, match="note"):
        resolve(open_alert(), actor="bob", now=T0, note="x" * 2001)
    with pytest.raises(ValidationError, match="now"):
        resolve(open_alert(), actor="bob", now=float("inf"))


def test_auto_resolve_resolves_once_the_condition_is_quiet_for_the_period() -> None:
    settings = AlertSettings(auto_resolve_after_s=3600.0)
    alert = open_alert()
    assert auto_resolve(alert, now=T0 + 3599, settings=settings) is None
    change = auto_resolve(alert, now=T0 + 3600, settings=settings)
    assert change is not None
    assert change.alert.state == "resolved"
    assert change.entry.actor == "system"
    assert "condition not seen since" in change.entry.note


def test_auto_resolve_waits_while_the_condition_holds() -> None:
    settings = AlertSettings(auto_resolve_after_s=3600.0)
    alert = mark_holding(open_alert(), now=T0 + 3000)
    assert not is_auto_resolve_due(alert, now=T0 + 3600, settings=settings)
    assert is_auto_resolve_due(alert, now=T0 + 6600, settings=settings)
    updated = group_finding(alert, TOPIC, finding(), now=T0 + 6000).alert
    assert not is_auto_resolve_due(updated, now=T0 + 6600, settings=settings)


def test_auto_resolve_applies_to_acknowledged_alerts_too() -> None:
    acked = acknowledge(open_alert(), actor="alice", now=T0 + 10).alert
    change = auto_resolve(acked, now=T0 + 7200, settings=AlertSettings())
    assert change is not None
    assert change.alert.state == "resolved"


def test_auto_resolve_never_fires_when_disabled_or_already_resolved() -> None:
    off = AlertSettings(auto_resolve_after_s=None)
    assert auto_resolve(open_alert(), now=T0 + 10**9, settings=off) is None
    resolved = resolve(open_alert(), actor="bob", now=T0).alert
    assert auto_resolve(resolved, now=T0 + 10**9, settings=AlertSettings()) is None


def test_mark_holding_leaves_a_resolved_alert_and_an_earlier_time_alone() -> None:
    alert = open_alert(now=T0 + 100)
    assert mark_holding(alert, now=T0) is alert
    resolved = resolve(alert, actor="bob", now=T0 + 200).alert
    assert mark_holding(resolved, now=T0 + 300) is resolved


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("auto_resolve_after_s", 0.0),
        ("auto_resolve_after_s", float("nan")),
        ("reopen_window_s", -1.0),
    ],
)
def test_alert_settings_reject_bad_values_naming_the_key(field: str, value: float) -> None:
    with pytest.raises(ConfigError) as caught:
        AlertSettings(**{field: value})
    assert caught.value.key == f"alerts.{field}"


def test_audit_trail_records_who_did_what_through_a_whole_crisis() -> None:
    trail: list[AuditEntry] = []
    change = group_finding(None, TOPIC, finding(), now=T0)
    trail.append(change.entry)
    change = group_finding(change.alert, TOPIC, finding(observed=200.0), now=T0 + 300)
    trail.append(change.entry)
    change = acknowledge(change.alert, actor="alice", now=T0 + 400)
    trail.append(change.entry)
    change = resolve(change.alert, actor="bob", now=T0 + 900, note="false alarm")
    trail.append(change.entry)
    change = group_finding(change.alert, TOPIC, finding(), now=T0 + 1000)
    trail.append(change.entry)
    assert [(e.action, e.actor, e.at - T0) for e in trail] == [
        ("opened", "system", 0),
        ("updated", "system", 300),
        ("acknowledged", "alice", 400),
        ("resolved", "bob", 900),
        ("reopened", "system", 1000),
    ]
    assert {e.alert_id for e in trail} == {change.alert.id}
