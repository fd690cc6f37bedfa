"""The alert engine on a real SQLite file: findings to grouped alerts with evidence,
routing, escalation and outbox; silences, people's actions, manual escalation, complete
minutes and restarts."""

from __future__ import annotations

from pathlib import Path

import pytest

from signalroom.alerting import EscalationLevel, EscalationPolicy, Route, RoutingTable, Silence
from signalroom.alerting.silence import MuteWindow
from signalroom.errors import ConflictError, NotFoundError, ValidationError
from signalroom.monitor import CLOSED_UNTIL_MARK, EngineSettings
from signalroom.store.base import WriteBatch
from tests.monitor.harness import CHANNELS, MIN, T0, System, system


def burst(s: System, count: int = 5, *, at: float | None = None) -> None:
    """``count`` matching posts on the risk topic, created in the current minute."""
    moment = s.clock.now() - 1 if at is None else at
    s.commit(
        *(
            s.post(
                s.risk,
                moment,
                handle=f"user{i}",
                followers=1000 * (i + 1),
                reach=100 * (i + 1),
                hashtags=("recall", "battery"),
                text=f"Acme battery recall, I want a refund now {i}",
            )
            for i in range(count)
        )
    )


def run(s: System, minutes: int) -> None:
    for _ in range(minutes):
        s.clock.advance(MIN)
        s.engine.tick()


def keys(s: System) -> list[str]:
    return [m.key for m in s.alerts.list_outbox(limit=10_000)]


def test_engine_opens_an_alert_with_evidence_and_notifies_level_one(tmp_path: Path) -> None:
    with system(tmp_path) as s:
        s.engine.warm_up()
        run(s, 3)
        burst(s)
        run(s, 3)
        (record,) = s.alerts.list_alerts()
        alert = record.alert
        assert (alert.detector, alert.state, alert.topic_id) == ("keyword", "open", s.risk.id)
        assert record.evidence is not None
        assert record.evidence.observed == 5
        assert record.evidence.top_posts[0].author == "user4"
        assert [t.term for t in record.evidence.top_terms[:2]] == ["#battery", "#recall"]
        assert record.evidence.summary == (
            "5 posts matched Acme recalls in the last 15 min (an alert needs 3). "
            "Most mention #battery and #recall. The most-read came from @user4 (5K followers)."
        )
        outbox = s.alerts.list_outbox()
        assert {(m.team, m.channel) for m in outbox} == {
            ("social", "env:SLACK_SOCIAL"),
            ("social", "env:MAIL_SOCIAL"),
        }
        assert outbox[0].title == "[WARNING] Acme recalls: risk keywords (level 1)"
        assert "5 posts matched" in outbox[0].body
        assert [e.action for e in s.alerts.audit(alert.id)] == ["opened"]


def test_engine_feeds_a_minute_only_once_it_is_complete(tmp_path: Path) -> None:
    with system(tmp_path, start=T0 + 30) as s:
        s.engine.warm_up()
        burst(s, 2, at=T0 + 40)
        s.engine.tick(T0 + 50)
        burst(s, 2, at=T0 + 45)
        s.engine.tick(T0 + 60 + 119)
        assert s.alerts.list_alerts() == []
        # Three posts in the minute [T0, T0+60) by now, but the last arrived late.
        s.engine.tick(T0 + 60 + 120)
        (record,) = s.alerts.list_alerts()
        assert record.alert.latest.observed == 4
        burst(s, 5, at=T0 + 50)
        assert s.engine.late_rollups == 1
        assert s.alerts.get_mark(CLOSED_UNTIL_MARK) == T0 + 60


def test_engine_groups_fifty_findings_of_one_crisis_into_one_alert(tmp_path: Path) -> None:
    with system(tmp_path) as s:
        s.engine.set_detector_settings(
            s.risk.id, "keyword", values={"cooldown_s": 0, "window_s": 60}
        )
        s.engine.warm_up()
        for _ in range(50):
            burst(s, 3)
            run(s, 1)
        run(s, 3)
        (record,) = s.alerts.list_alerts()
        assert record.alert.count == 50
        assert record.alert.state == "open"
        actions = [e.action for e in s.alerts.audit(record.alert.id)]
        assert actions == ["opened"] + ["updated"] * 49
        # Notified by the escalation schedule (level 1 at once, level 2 after 15 min, level
        # 1 again after 45), not once per finding.
        steps = sorted({k.rsplit("/", 2)[0] for k in keys(s)})
        assert steps == [f"{record.alert.id}/1/{n}" for n in range(3)]


def test_engine_holds_notifications_of_a_silenced_alert_but_shows_it(tmp_path: Path) -> None:
    with system(tmp_path) as s:
        s.engine.warm_up()
        s.alerts.put_silence(
            Silence(
                id="maint",
                starts_at=T0,
                ends_at=T0 + 20 * MIN,
                created_by="ana",
                topic_id=s.risk.id,
            )
        )
        burst(s)
        run(s, 4)
        (record,) = s.alerts.list_alerts()
        assert record.alert.state == "open"
        assert keys(s) == []
        run(s, 17)
        assert keys(s) == [f"{record.alert.id}/1/0/social/0", f"{record.alert.id}/1/0/social/1"]
        assert s.alerts.list_outbox()[0].created_at == T0 + 20 * MIN


def test_engine_holds_notifications_during_a_nightly_mute_window_only(tmp_path: Path) -> None:
    # Every night 23:00-01:20 in Budapest, 22:00-00:20 UTC in November; T0 is 00:00 UTC.
    with system(tmp_path) as s:
        s.engine.warm_up()
        s.alerts.put_silence(
            Silence(
                id="nights",
                starts_at=T0 - 86400,
                created_by="ana",
                topic_id=s.risk.id,
                windows=(MuteWindow(start="23:00", end="01:20"),),
                timezone="Europe/Budapest",
            )
        )
        burst(s)
        run(s, 4)
        (record,) = s.alerts.list_alerts()
        assert record.alert.state == "open"
        assert keys(s) == []
        assert record.escalation is not None
        assert record.escalation.held
        assert record.escalation.next_at == T0 + 20 * MIN
        run(s, 17)
        assert keys(s) == [f"{record.alert.id}/1/0/social/0", f"{record.alert.id}/1/0/social/1"]
        assert s.alerts.list_outbox()[0].created_at == T0 + 20 * MIN


def test_engine_lifts_a_hold_when_its_silence_ends_early(tmp_path: Path) -> None:
    with system(tmp_path) as s:
        s.engine.warm_up()
        s.alerts.put_silence(
            Silence(
                id="warnings",
                starts_at=T0,
                ends_at=T0 + 8 * 3600,
                created_by="ana",
                max_severity="warning",
            )
        )
        burst(s)
        run(s, 4)
        (record,) = s.alerts.list_alerts()
        assert record.alert.severity == "warning"
        assert keys(s) == []
        # Someone ends the silence early: the held level goes out at the next tick.
        s.alerts.delete_silence("warnings")
        run(s, 1)
        sent = keys(s)
        assert sent == [f"{record.alert.id}/1/0/social/0", f"{record.alert.id}/1/0/social/1"]
        assert s.alerts.list_outbox()[0].created_at == T0 + 5 * MIN
        after = s.alerts.get_alert(record.alert.id).escalation
        assert after is not None
        assert not after.held
        assert after.next_step == 1


def test_engine_stops_escalating_an_acknowledged_alert(tmp_path: Path) -> None:
    with system(tmp_path) as s:
        s.engine.warm_up()
        burst(s)
        run(s, 3)
        (record,) = s.alerts.list_alerts()
        acked = s.engine.acknowledge(record.alert.id, "ana", "on it")
        assert (acked.state, acked.acknowledged_by) == ("acknowledged", "ana")
        sent = keys(s)
        run(s, 60)
        assert keys(s) == sent
        assert s.alerts.get_alert(acked.id).escalation is not None
        assert s.alerts.get_alert(acked.id).escalation.status == "stopped"  # type: ignore[union-attr]
        with pytest.raises(ConflictError):
            s.engine.acknowledge(acked.id, "bo")
        resolved = s.engine.resolve(acked.id, "ana", "recall was a hoax")
        assert resolved.state == "resolved"
        with pytest.raises(NotFoundError):
            s.engine.resolve("nope-1", "ana")
        actions = [(e.action, e.actor) for e in s.alerts.audit(acked.id)]
        assert actions == [("opened", "system"), ("acknowledged", "ana"), ("resolved", "ana")]


def test_engine_resolves_an_alert_by_itself_once_the_condition_clears(tmp_path: Path) -> None:
    settings = EngineSettings()
    with system(tmp_path, settings=settings) as s:
        s.engine.warm_up()
        burst(s)
        run(s, 3)
        (record,) = s.alerts.list_alerts()
        # The window holds the burst for 15 minutes; then an hour of quiet resolves it.
        run(s, 15 + 55)
        assert s.alerts.get_alert(record.alert.id).alert.state == "open"
        run(s, 5)
        after = s.alerts.get_alert(record.alert.id)
        assert after.alert.state == "resolved"
        assert after.alert.resolved_by == "system"
        assert after.escalation is not None
        assert after.escalation.status != "active"


def test_manual_escalation_follows_routing_or_the_named_team_or_policy(tmp_path: Path) -> None:
    with system(tmp_path) as s:
        s.engine.warm_up()
        s.alerts.put_policy(
            EscalationPolicy(
                name="execs", levels=(EscalationLevel(targets=("comms",), timeout_s=600),)
            )
        )
        s.alerts.put_routing(
            RoutingTable(
                default_policy="crisis",
                routes=(Route(policy="execs", detectors=("manual",), topic_ids=(s.brand.id,)),),
            )
        )
        s.alerts.put_silence(
            Silence(id="all", starts_at=T0, ends_at=T0 + 3600, created_by="x", topic_id=s.brand.id)
        )
        item = s.post(s.brand, T0 - 30, text="Kestrava lost my bag", handle="travelwatch")
        s.commit(item)
        routed = s.engine.escalate_manually(
            s.brand.id, None, "CEO was tagged", "ana", post_id=item.post.id
        )
        assert routed.detector == "manual"
        assert routed.subject == item.post.id
        assert {m.team for m in s.alerts.list_outbox(alert_id=routed.id)} == {"comms"}
        again = s.engine.escalate_manually(s.brand.id, None, "still", "bo", post_id=item.post.id)
        assert again.id == routed.id
        assert again.count == 2
        to_team = s.engine.escalate_manually(s.risk.id, "social", "", "ana", point=(T0 - 120, 48.0))
        assert to_team.latest.observed == 48.0
        assert {m.team for m in s.alerts.list_outbox(alert_id=to_team.id)} == {"social"}
        record = s.alerts.get_alert(routed.id)
        assert record.evidence is not None
        assert record.evidence.top_posts[0].author == "travelwatch"
        assert [(e.action, e.actor) for e in s.alerts.audit(routed.id)] == [
            ("opened", "ana"),
            ("updated", "bo"),
        ]
        with pytest.raises(ValidationError):
            s.engine.escalate_manually(s.brand.id, "nobody", "", "ana")
        with pytest.raises(NotFoundError):
            s.engine.escalate_manually(999, None, "", "ana")
        # Notified once more after the manual timeout, then never again.
        run(s, 16)
        assert len(s.alerts.list_outbox(alert_id=to_team.id)) == 2 * CHANNELS["social"]
        run(s, 60)
        assert len(s.alerts.list_outbox(alert_id=to_team.id)) == 2 * CHANNELS["social"]
        assert s.alerts.get_alert(to_team.id).alert.state == "open"


def test_engine_records_alerts_without_a_policy_and_says_nothing(tmp_path: Path) -> None:
    with system(tmp_path) as s:
        s.alerts.put_routing(RoutingTable(default_policy="missing"))
        s.engine.warm_up()
        burst(s)
        run(s, 3)
        assert len(s.alerts.list_alerts()) == 1
        assert keys(s) == []


def test_detector_settings_are_validated_and_take_effect(tmp_path: Path) -> None:
    with system(tmp_path) as s:
        with pytest.raises(ValidationError) as caught:
            s.engine.set_detector_settings(s.risk.id, "keyword", values={"min_count": 0})
        assert caught.value.field == "keyword.min_count"
        with pytest.raises(ValidationError) as caught:
            s.engine.set_detector_settings(s.risk.id, "keyword", values={"nope": 1})
        assert caught.value.field == "keyword.nope"
        s.engine.warm_up()
        s.engine.set_detector_settings(s.risk.id, "keyword", values={"min_count": 6})
        assert s.engine.detector_settings(s.risk.id).keyword.min_count == 6  # type: ignore[union-attr]
        burst(s)
        run(s, 3)
        assert s.alerts.list_alerts() == []
        s.engine.set_detector_settings(s.risk.id, "keyword", enabled=False)
        burst(s, 10)
        run(s, 3)
        assert s.alerts.list_alerts() == []
        s.engine.reset_detector_settings(s.risk.id, "keyword")
        # The fresh detector is rebuilt from history: the burst above counts as already
        # seen (its cooldown runs), as after a restart.
        run(s, 61)
        burst(s)
        run(s, 3)
        assert len(s.alerts.list_alerts()) == 1


def test_restart_mid_policy_neither_repeats_nor_drops_a_message(tmp_path: Path) -> None:
    with system(tmp_path) as s:
        s.engine.warm_up()
        burst(s)
        run(s, 20)
        before = keys(s)
        assert len(before) == CHANNELS["social"] + CHANNELS["comms"]
        s.restart()
        run(s, 30)
        after = keys(s)
        assert after[: len(before)] == before
        assert len(after) == len(set(after)) == len(before) + CHANNELS["social"]


def test_restart_evaluates_minutes_it_missed_while_down(tmp_path: Path) -> None:
    with system(tmp_path) as s:
        s.engine.warm_up()
        run(s, 5)
        s.alerts.close()
        # The process is down; the pipeline of the next process stores a burst first.
        s.clock.advance(5 * MIN)
        burst(s)
        s.restart()
        run(s, 3)
        assert len(s.alerts.list_alerts()) == 1


def test_restart_does_not_alert_again_on_what_it_already_alerted(tmp_path: Path) -> None:
    with system(tmp_path) as s:
        s.engine.warm_up()
        burst(s)
        run(s, 3)
        (record,) = s.alerts.list_alerts()
        s.engine.resolve(record.alert.id, "ana")
        # Matches keep trickling in, so the window never drops below the trigger; only the
        # detector's cooldown (rebuilt by the warm-up) keeps it from alerting again.
        for _ in range(35):
            burst(s, 1)
            run(s, 1)
        s.restart()
        for _ in range(10):
            burst(s, 1)
            run(s, 1)
        assert [r.alert.id for r in s.alerts.list_alerts()] == [record.alert.id]
        assert s.alerts.get_alert(record.alert.id).alert.state == "resolved"


def test_engine_alerts_on_an_influential_post_as_soon_as_it_is_committed(
    tmp_path: Path,
) -> None:
    with system(tmp_path) as s:
        s.engine.warm_up()
        loud = s.post(
            s.brand,
            T0 - 5,
            handle="travelwatch",
            followers=1_200_000,
            reach=2_000_000,
            text="Kestrava Air lost my luggage",
        )
        result = s.store.write_batch(WriteBatch(posts=(loud,)))
        (alert,) = s.engine.observe(result.rollups, result.inserted)
        # One alert per topic for influential authors; the latest one is its subject.
        assert (alert.detector, alert.subject, alert.severity) == ("influencer", "", "critical")
        assert alert.latest.subject == "travelwatch"
        record = s.alerts.get_alert(alert.id)
        assert record.evidence is not None
        assert record.evidence.summary.startswith(
            "@travelwatch, followed by 1.2M, posted negatively about Kestrava Air."
        )
        assert len(s.alerts.list_outbox(alert_id=alert.id)) == CHANNELS["social"]


def test_engine_acknowledges_when_the_clock_gives_whole_seconds(tmp_path: Path) -> None:
    # Instants given as ints are stored as floats; the store's guard must see them as equal.
    with system(tmp_path, start=1_700_000_000) as s:
        s.engine.warm_up()
        alert = s.engine.escalate_manually(s.brand.id, "social", "look at this", "Ana")
        acked = s.engine.acknowledge(alert.id, "Ben")
        assert acked.state == "acknowledged"
        again = s.engine.escalate_manually(s.brand.id, "social", "and this", "Ana")
        assert again.topic_id == s.brand.id
