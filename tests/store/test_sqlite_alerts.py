"""Contract tests of the SQLite AlertStore on real database files: the atomic, guarded
write of an alert change with its escalation and outbox, and everything else it keeps."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import msgspec
import pytest

from signalroom.alerting import (
    EscalationLevel,
    EscalationPolicy,
    EscalationState,
    Route,
    RoutingTable,
    Silence,
    acknowledge,
    group_finding,
)
from signalroom.alerting.outbox import OutboxDraft
from signalroom.alerting.silence import MuteWindow
from signalroom.alerting.teams import Member, SignedWebhook, Team
from signalroom.errors import ConflictError, NotFoundError, ValidationError
from signalroom.models import TopicDraft
from signalroom.store.alerts import (
    AlertEvidence,
    AlertWrite,
    DetectorOverride,
    EvidencePost,
    EvidenceTerm,
)
from signalroom.store.sqlite import SqliteStore
from signalroom.store.sqlite_alerts import SqliteAlertStore
from tests.alerting.factory import T0, TOPIC, finding, open_alert

POLICY = EscalationPolicy(
    name="crisis",
    levels=(EscalationLevel(targets=("social",), timeout_s=900.0),),
    repeat=1,
)


@pytest.fixture
def alerts(tmp_path: Path) -> Iterator[SqliteAlertStore]:
    store = SqliteAlertStore.open(tmp_path / "signalroom.db")
    yield store
    store.close()


def draft(key: str, alert_id: str = "a-1", created_at: float = T0) -> OutboxDraft:
    return OutboxDraft(
        key=key,
        alert_id=alert_id,
        team="social",
        channel="env:SLACK",
        title="title",
        body="body",
        ack_url="",
        created_at=created_at,
    )


def evidence() -> AlertEvidence:
    return AlertEvidence(
        window_start=T0 - 3600,
        window_end=T0,
        observed=120.0,
        expected=20.0,
        band_low=5.0,
        band_high=45.0,
        top_posts=(
            EvidencePost(
                id="demo:1",
                url="https://example.test/1",
                author="travelwatch",
                followers=1_200_000,
                text="lost my bag again",
                created_at=T0 - 60,
                reach=5000,
                sentiment="negative",
            ),
        ),
        top_terms=(EvidenceTerm(term="#lostluggage", count=12),),
        summary="Posts rose.",
    )


def opening_write() -> AlertWrite:
    change = group_finding(None, TOPIC, finding(), now=T0)
    state = EscalationState.start(change.alert, POLICY, now=T0)
    state, notes = state.advance(change.alert, POLICY, now=T0)
    return AlertWrite(
        alert=change.alert,
        previous=None,
        entries=(change.entry,),
        evidence=evidence(),
        escalation=state,
        drafts=tuple(draft(f"{n.key}/social/0", change.alert.id) for n in notes),
    )


def test_apply_writes_alert_audit_evidence_escalation_and_drafts_together(
    alerts: SqliteAlertStore,
) -> None:
    write = opening_write()
    assert alerts.apply([write], marks={"monitor.closed_until": T0}) == 1
    record = alerts.get_alert(write.alert.id)
    assert record.alert == write.alert
    assert record.evidence == write.evidence
    assert record.escalation == write.escalation
    assert [e.action for e in alerts.audit(write.alert.id)] == ["opened"]
    assert [m.key for m in alerts.list_outbox(alert_id=write.alert.id)] == [write.drafts[0].key]
    assert alerts.get_mark("monitor.closed_until") == T0
    assert alerts.latest_alert(write.alert.fingerprint) == write.alert


def test_apply_writes_nothing_when_the_alert_changed_since_it_was_read(
    alerts: SqliteAlertStore,
) -> None:
    write = opening_write()
    alerts.apply([write])
    acked = acknowledge(write.alert, actor="ana", now=T0 + 60)
    alerts.apply([AlertWrite(alert=acked.alert, previous=write.alert, entries=(acked.entry,))])
    assert write.escalation is not None
    later, _notes = write.escalation.advance(write.alert, POLICY, now=T0 + 900)
    stale = AlertWrite(
        alert=write.alert,
        previous=write.alert,
        escalation=later,
        previous_escalation=write.escalation,
        drafts=(draft("late/social/0", write.alert.id),),
    )
    with pytest.raises(ConflictError):
        alerts.apply([stale], marks={"monitor.closed_until": T0 + 900})
    assert alerts.get_alert(write.alert.id).alert.state == "acknowledged"
    assert alerts.get_alert(write.alert.id).escalation == write.escalation
    assert len(alerts.list_outbox()) == 1
    assert alerts.get_mark("monitor.closed_until") is None


def test_apply_refuses_to_open_an_alert_that_exists(alerts: SqliteAlertStore) -> None:
    write = opening_write()
    alerts.apply([write])
    with pytest.raises(ConflictError):
        alerts.apply([msgspec.structs.replace(write, escalation=None, drafts=())])
    assert len(alerts.audit(write.alert.id)) == 1


def test_apply_refuses_a_stale_escalation_state(alerts: SqliteAlertStore) -> None:
    write = opening_write()
    alerts.apply([write])
    assert write.escalation is not None
    moved, _ = write.escalation.advance(write.alert, POLICY, now=T0 + 900)
    alerts.apply(
        [
            AlertWrite(
                alert=write.alert,
                previous=write.alert,
                escalation=moved,
                previous_escalation=write.escalation,
            )
        ]
    )
    with pytest.raises(ConflictError):
        alerts.apply(
            [
                AlertWrite(
                    alert=write.alert,
                    previous=write.alert,
                    escalation=moved,
                    previous_escalation=write.escalation,
                )
            ]
        )


def test_apply_keeps_the_evidence_when_a_write_brings_none(alerts: SqliteAlertStore) -> None:
    write = opening_write()
    alerts.apply([write])
    change = group_finding(write.alert, TOPIC, finding(observed=150.0), now=T0 + 300)
    alerts.apply([AlertWrite(alert=change.alert, previous=write.alert, entries=(change.entry,))])
    record = alerts.get_alert(write.alert.id)
    assert record.evidence == write.evidence
    assert record.alert.count == 2
    assert [e.action for e in alerts.audit(write.alert.id)] == ["opened", "updated"]


def test_enqueue_skips_drafts_whose_key_exists(alerts: SqliteAlertStore) -> None:
    assert alerts.enqueue([draft("k/1"), draft("k/2")]) == 2
    assert alerts.enqueue([draft("k/1"), draft("k/3")]) == 1
    assert [m.key for m in alerts.list_outbox()] == ["k/1", "k/2", "k/3"]


def test_outbox_delivery_moves_messages_through_their_states(alerts: SqliteAlertStore) -> None:
    alerts.enqueue([draft("k/1"), draft("k/2", created_at=T0 + 10), draft("k/3")])
    due = alerts.due_messages(T0, limit=10)
    assert [m.key for m in due] == ["k/1", "k/3"]
    first, third = due
    alerts.mark_sent(first.id, T0 + 1)
    alerts.mark_retry(third.id, "503 from Slack", T0 + 30)
    assert [m.key for m in alerts.due_messages(T0 + 10, limit=10)] == ["k/2"]
    assert [m.key for m in alerts.due_messages(T0 + 30, limit=1)] == ["k/2"]
    retried = alerts.list_outbox(state="pending")[-1]
    assert (retried.key, retried.attempts, retried.last_error) == ("k/3", 1, "503 from Slack")
    alerts.mark_failed(third.id, "gave up", T0 + 60)
    sent = alerts.list_outbox(state="sent")
    assert [(m.key, m.sent_at, m.attempts) for m in sent] == [("k/1", T0 + 1, 1)]
    failed = alerts.list_outbox(state="failed")
    assert [(m.key, m.attempts, m.last_error) for m in failed] == [("k/3", 2, "gave up")]


def test_outbox_marks_leave_a_settled_message_alone(alerts: SqliteAlertStore) -> None:
    alerts.enqueue([draft("k/1")])
    message = alerts.due_messages(T0, limit=1)[0]
    alerts.mark_sent(message.id, T0 + 1)
    alerts.mark_retry(message.id, "late report", T0 + 5)
    alerts.mark_failed(message.id, "late report", T0 + 5)
    (after,) = alerts.list_outbox()
    assert (after.state, after.attempts, after.sent_at) == ("sent", 1, T0 + 1)


def test_outbox_marks_raise_not_found_for_an_unknown_message(alerts: SqliteAlertStore) -> None:
    with pytest.raises(NotFoundError):
        alerts.mark_sent(404, T0)
    with pytest.raises(NotFoundError):
        alerts.mark_retry(404, "x", T0)
    with pytest.raises(NotFoundError):
        alerts.mark_failed(404, "x", T0)


def test_list_alerts_filters_by_activity_state_and_topic(alerts: SqliteAlertStore) -> None:
    first = open_alert(T0, subject="a")
    second = open_alert(T0 + 10, topic_id=8, subject="b")
    alerts.apply([AlertWrite(alert=first, previous=None), AlertWrite(alert=second, previous=None)])
    acked = acknowledge(first, actor="ana", now=T0 + 20).alert
    alerts.apply([AlertWrite(alert=acked, previous=first)])
    assert [r.alert.id for r in alerts.list_alerts()] == [acked.id, second.id]
    assert [r.alert.id for r in alerts.list_alerts(state="open")] == [second.id]
    assert [r.alert.id for r in alerts.list_alerts(topic_id=8)] == [second.id]
    assert len(alerts.list_alerts(active=True)) == 2
    assert alerts.list_alerts(active=False) == []
    with pytest.raises(NotFoundError):
        alerts.get_alert("nope-1")


def test_due_escalations_lists_active_states_in_due_order(alerts: SqliteAlertStore) -> None:
    write = opening_write()
    alerts.apply([write])
    assert write.escalation is not None
    assert alerts.due_escalations(T0 + 899) == []
    assert alerts.due_escalations(T0 + 900) == [write.escalation]


def test_silences_are_listed_by_activity_and_deleted(alerts: SqliteAlertStore) -> None:
    early = Silence(id="s1", starts_at=T0, ends_at=T0 + 60, created_by="ana", topic_id=TOPIC)
    late = Silence(id="s2", starts_at=T0 + 30, ends_at=T0 + 90, created_by="ana", detector="spike")
    alerts.put_silence(late)
    alerts.put_silence(early)
    assert alerts.list_silences() == [early, late]
    assert alerts.list_silences(active_at=T0 + 60) == [late]
    alerts.put_silence(msgspec.structs.replace(early, ends_at=T0 + 120))
    assert alerts.list_silences(active_at=T0 + 100) == [alerts.list_silences()[0]]
    assert alerts.list_silences(active_at=T0 + 100)[0].ends_at == T0 + 120
    alerts.delete_silence("s1")
    with pytest.raises(NotFoundError):
        alerts.delete_silence("s1")


def test_a_mute_window_without_an_end_is_listed_only_while_it_mutes(
    alerts: SqliteAlertStore,
) -> None:
    # T0 is 2023-11-14 22:13:20 UTC, a Tuesday.
    nights = Silence(
        id="nights",
        starts_at=T0 - 86400,
        created_by="ana",
        max_severity="warning",
        windows=(MuteWindow(start="22:00", end="07:00"),),
    )
    alerts.put_silence(nights)
    assert alerts.list_silences() == [nights]
    assert alerts.list_silences(active_at=T0) == [nights]
    assert alerts.list_silences(active_at=T0 + 3600 * 10) == []  # 08:13 next morning
    assert alerts.list_silences(active_at=T0 + 86400 * 400) == [nights]  # kept until removed


def test_held_escalations_are_those_a_silence_holds_past_now(alerts: SqliteAlertStore) -> None:
    write = opening_write()
    assert write.escalation is not None
    held = write.escalation.pause_until(T0 + 3600)
    alerts.apply([msgspec.structs.replace(write, escalation=held)])
    assert alerts.held_escalations(T0) == [held]
    assert alerts.held_escalations(T0 + 3600) == []  # due: listed by due_escalations
    assert alerts.due_escalations(T0 + 3600) == [held]


def test_teams_policies_and_routing_round_trip(alerts: SqliteAlertStore) -> None:
    team = Team(
        name="comms",
        members=(Member(name="Bo", contact="+44 20 7946 0000"),),
        channels=("env:COMMS_SLACK",),
        webhook=SignedWebhook(url="https://hooks.example.test/x", key="file:/run/key"),
    )
    alerts.put_team(team)
    alerts.put_policy(POLICY)
    table = RoutingTable(default_policy="crisis", routes=(Route(policy="crisis", topic_ids=(3,)),))
    assert alerts.get_routing() is None
    alerts.put_routing(table)
    assert alerts.get_team("comms") == team
    assert alerts.list_teams() == [team]
    assert alerts.get_policy("crisis") == POLICY
    assert alerts.list_policies() == [POLICY]
    assert alerts.get_routing() == table
    alerts.delete_team("comms")
    alerts.delete_policy("crisis")
    for missing in (lambda: alerts.get_team("comms"), lambda: alerts.delete_policy("crisis")):
        with pytest.raises(NotFoundError):
            missing()


def test_detector_overrides_are_kept_per_topic_and_detector(alerts: SqliteAlertStore) -> None:
    spike = DetectorOverride(topic_id=1, detector="spike", values={"threshold": 3.5}, updated_at=T0)
    off = DetectorOverride(topic_id=2, detector="trend", enabled=False, updated_at=T0)
    alerts.put_override(spike)
    alerts.put_override(off)
    assert alerts.list_overrides() == [spike, off]
    assert alerts.list_overrides(2) == [off]
    alerts.put_override(msgspec.structs.replace(spike, values={"persistence_k": 4}))
    assert alerts.list_overrides(1)[0].values == {"persistence_k": 4}
    alerts.delete_override(1, "spike")
    alerts.delete_override(1, "spike")
    assert alerts.list_overrides() == [off]


def test_alert_store_shares_the_file_with_the_post_store(tmp_path: Path) -> None:
    path = tmp_path / "data" / "signalroom.db"
    alerts = SqliteAlertStore.open(path)
    store = SqliteStore.open(path)
    try:
        topic = store.create_topic(TopicDraft(name="Acme", query="acme"), T0)
        write = opening_write()
        alerts.apply([write])
        assert store.get_topic(topic.id).name == "Acme"
    finally:
        store.close()
        alerts.close()
    reopened = SqliteAlertStore.open(path)
    try:
        assert reopened.get_alert(write.alert.id).escalation == write.escalation
    finally:
        reopened.close()


def test_alert_store_refuses_non_finite_instants(alerts: SqliteAlertStore) -> None:
    with pytest.raises(ValidationError):
        alerts.due_messages(float("nan"), limit=1)
    with pytest.raises(ValidationError):
        alerts.apply([], marks={"monitor.closed_until": float("inf")})
