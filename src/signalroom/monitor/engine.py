"""The alert engine: detectors over committed data → alerts → routing → escalation → outbox.

``AlertEngine`` is the one stateful piece of alerting. The pipeline hands it what each
commit stored (:meth:`observe`, or :meth:`on_commit` as the pipeline's commit hook); a
scheduler calls :meth:`tick` every few seconds; the console and the API call
:meth:`acknowledge`, :meth:`resolve` and :meth:`escalate_manually`.

**Complete minutes.** The pipeline reports a minute rollup's running totals every time a
batch touches it, and a minute keeps filling while posts created in it arrive. The count
detectors (spike, negative surge, keyword) must see each minute once, whole. So
``observe`` only keeps the latest totals of each minute, and ``tick(now)`` feeds a minute
``[m, m+60)`` once ``now ≥ m + 60 + lateness_s`` (two minutes by default), in time order,
every topic, a minute with no rollup as zero posts. A rollup for a minute already fed (a
post more than ``lateness_s`` late) is counted in :attr:`late_rollups` and does not
change detection; it is in the store, so the backtest, which reads the store, sees it.
Post detectors (influential author, trend) get each new post in ``observe`` at once.

**One transaction per decision.** A finding becomes an alert change (grouped by
fingerprint), its evidence, its audit entry, its escalation state (started and advanced
at once, so level 1 goes out with the alert) and one outbox draft per channel of each
team due: all written by one :meth:`AlertStore.apply`, guarded by what was read, so a
restart mid-policy neither repeats nor drops a message, and a racing acknowledgement
wins cleanly (the losing write is recomputed or retried at the next tick).

**Silences** hold escalation (the alert stays visible and grouped); manual escalations
are never silenced, because a person asked. **Routing**: the stored routing table names
the policy; with no table, a policy called ``default`` is used if it exists, else the
alert is recorded without notifications (and logged once).

**Restarts.** :meth:`warm_up` rebuilds detector state by replaying stored minute rollups
(up to five weeks, what the spike detector's baselines and adaptive threshold need) and
recent posts, with findings suppressed: the detectors' cooldowns absorb the alerts they
raised before the restart, so nothing re-alerts and nothing is blind for days. Minutes
after the last one evaluated before the restart (the ``monitor.closed_until`` mark, saved
after each tick) are evaluated live, up to ``catch_up_s`` back, so a crisis that started
while the process was down still alerts.

Thread-safe (one lock); every method does blocking I/O, so call it from a worker thread
(``asyncio.to_thread``), never on the event loop. Must not import web, service, notify or
a concrete store.
"""

from __future__ import annotations

import contextlib
import logging
import math
import threading
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Final

import msgspec

from signalroom.alerting.escalation import (
    EscalationLevel,
    EscalationPolicy,
    EscalationState,
    Notification,
)
from signalroom.alerting.fingerprint import finding_fingerprint, group_finding
from signalroom.alerting.lifecycle import acknowledge, auto_resolve, mark_holding, resolve
from signalroom.alerting.model import (
    Alert,
    AlertSettings,
    Change,
    require_actor,
    require_instant,
    require_note,
)
from signalroom.alerting.outbox import OutboxDraft
from signalroom.alerting.silence import Silence, silenced_until
from signalroom.alerting.teams import Team
from signalroom.clock import Clock, to_iso
from signalroom.detectors.base import DetectorName, Finding, Severity, check_settings
from signalroom.errors import ConflictError, NotFoundError, StoreError, ValidationError
from signalroom.models import EnrichedPost, Rollup, Topic
from signalroom.monitor.evidence import (
    EvidenceLimits,
    build_evidence,
    evidence_window,
    relevant_posts,
)
from signalroom.monitor.render import NotificationContext, Renderer, render_notification
from signalroom.monitor.settings import (
    COUNT_RULES,
    RULE_NAMES,
    RuleName,
    TopicRules,
    settings_for,
    topic_rules,
)
from signalroom.monitor.watch import MINUTE_S, TopicWatch
from signalroom.store.alerts import (
    AlertEvidence,
    AlertStore,
    AlertWrite,
    DetectorOverride,
    SettingValue,
)
from signalroom.store.base import PostQuery, Store, WriteResult

log = logging.getLogger(__name__)

CLOSED_UNTIL_MARK: Final = "monitor.closed_until"
"""The progress mark: every minute before it has been evaluated."""
TEAM_POLICY_PREFIX: Final = "team:"
"""A manual escalation to one team follows a one-level policy named ``team:<name>``."""
_ATTEMPTS: Final = 3
_PAGE: Final = 500
_DEFAULT_WINDOW_S: Final = 3600.0
_REPLAYED_MEMORY_S: Final = 600.0
"""A post received this long before a replay cannot still be waiting for observe()."""

_Decision = Callable[[Alert], Change]
"""The lifecycle step a person's action applies to an alert."""


@dataclass(frozen=True, slots=True)
class EngineSettings:
    """How the engine turns data into alerts. The defaults need no tuning."""

    lateness_s: float = 120.0
    """A minute is complete this long after it ends: posts created in it that arrive
    later no longer change detection."""
    catch_up_s: float = 3600.0
    """After a restart, minutes that ended at most this long ago and were not evaluated
    before the restart are evaluated live (and may alert); older ones only rebuild state."""
    replay_max_s: float = 35 * 86400.0
    """The most minute history replayed at warm-up, whatever the detectors ask for."""
    post_replay_max: int = 20_000
    """The most posts per topic replayed at warm-up (the newest are kept)."""
    manual_timeout_s: float = 900.0
    """How long a manual escalation to a single team waits before notifying it again
    (it does so once more, then stops)."""
    alerts: AlertSettings = field(default_factory=AlertSettings)
    evidence: EvidenceLimits = field(default_factory=EvidenceLimits)

    def __post_init__(self) -> None:
        check_settings(
            "monitor",
            self,
            non_negative=("lateness_s", "catch_up_s", "replay_max_s"),
            positive=("manual_timeout_s",),
            at_least_one=("post_replay_max",),
        )


class TickReport(msgspec.Struct, frozen=True, kw_only=True):
    """What one tick did: for logs, health and tests."""

    minutes: int = 0
    """Minutes fed to the detectors, all topics together counted once."""
    findings: int = 0
    opened: tuple[str, ...] = ()
    """Alerts that opened or re-opened (ids)."""
    updated: tuple[str, ...] = ()
    resolved: tuple[str, ...] = ()
    """Alerts resolved by themselves."""
    notifications: int = 0
    """Escalation steps taken (one step may notify several teams)."""
    drafts: int = 0
    """Outbox messages queued."""
    conflicts: int = 0
    """Writes that lost a race and will be retried at the next tick."""


class WarmUpReport(msgspec.Struct, frozen=True, kw_only=True):
    topics: int
    minutes: int
    posts: int
    findings_suppressed: int
    closed_until: float


class AlertEngine:
    """Runs the detectors of every topic and keeps alerts, escalations and outbox moving."""

    def __init__(
        self,
        store: Store,
        alerts: AlertStore,
        clock: Clock,
        settings: EngineSettings | None = None,
        *,
        render: Renderer = render_notification,
    ) -> None:
        self._store = store
        self._alerts = alerts
        self._clock = clock
        self.settings = settings or EngineSettings()
        self._render = render
        self._lock = threading.RLock()
        self._warming = threading.Lock()
        """Held by a warm-up (one at a time); never taken while holding ``_lock``."""
        self._topics: dict[int, Topic] = {}
        self._watches: dict[int, TopicWatch] = {}
        self._pending: dict[int, dict[float, Rollup]] = defaultdict(dict)
        self._closed_until: float | None = None
        self._replayed: dict[tuple[int, str], list[Finding]] = {}
        """What a replay fed, by (topic, post), with the findings it held back, kept until
        commits stored before the replay are surely observed."""
        self._replayed_at = 0.0
        self._warned: set[str] = set()
        self.late_rollups = 0
        """Rollups that arrived for a minute already fed to the detectors."""

    # -- start -----------------------------------------------------------------------------
    def warm_up(self, now: float | None = None) -> WarmUpReport:
        """Rebuild every topic's detectors from stored history, findings suppressed, up to
        the last minute evaluated before the restart (or ``catch_up_s`` ago). Called by the
        first :meth:`tick` or :meth:`observe` if not before; calling it again starts over.

        The replay (seconds per topic) runs outside the engine's lock, so people can
        acknowledge, resolve and escalate meanwhile; only the swap to the rebuilt state
        takes the lock. A post stored while it runs (the pipeline goes on) may be read by
        the replay and then observed: it is not fed twice, and the findings the replay
        held back for it are raised when it is observed, since it is news, not history."""
        with self._warming:
            return self._warm_up(self._now(now))

    def ensure_warm(self, now: float | None = None) -> WarmUpReport | None:
        """:meth:`warm_up` unless done already (then None)."""
        if self._closed_until is not None:
            return None
        with self._warming:
            if self._closed_until is not None:
                return None
            return self._warm_up(self._now(now))

    def _warm_up(self, at: float) -> WarmUpReport:
        horizon = self._horizon(at)
        mark = self._alerts.get_mark(CLOSED_UNTIL_MARK)
        end = horizon if mark is None else min(mark, horizon)
        end = max(end, horizon - self.settings.catch_up_s)
        end = math.floor(end / MINUTE_S) * MINUTE_S
        topics = {t.id: t for t in self._store.list_topics()}
        rules = self._rules(topics)
        watches: dict[int, TopicWatch] = {}
        replayed: dict[tuple[int, str], list[Finding]] = {}
        minutes = posts = suppressed = 0
        for topic_id, topic_rules_ in rules.items():
            watch = TopicWatch(topic_id, topic_rules_)
            watches[topic_id] = watch
            fed, found = self._replay_minutes(watch, end)
            minutes, suppressed = minutes + fed, suppressed + found
            fed, found = self._replay_posts(watch, at, replayed)
            posts, suppressed = posts + fed, suppressed + found
        # Minutes not evaluated yet, stored before this engine existed (by the process
        # before a restart, by the pipeline before the first tick, or during the replay),
        # wait like the rollups observe() keeps; a later commit's totals replace them.
        pending: dict[int, dict[float, Rollup]] = defaultdict(dict)
        for rollup in self._store.query_rollups(None, end, horizon + 86400.0, "minute"):
            pending[rollup.topic_id][rollup.bucket_start] = rollup
        with self._lock:
            self._topics = topics
            self._watches = watches
            self._pending = pending
            self._replayed = replayed
            self._replayed_at = at
            self._closed_until = end
        log.info(
            "alert engine warmed up: %d topics, %d minutes and %d posts replayed, "
            "evaluating from %s",
            len(rules),
            minutes,
            posts,
            to_iso(end),
        )
        return WarmUpReport(
            topics=len(rules),
            minutes=minutes,
            posts=posts,
            findings_suppressed=suppressed,
            closed_until=end,
        )

    def _replay_minutes(self, watch: TopicWatch, end: float) -> tuple[int, int]:
        if not watch.wants_minutes:
            watch.fed_until = end
            return 0, 0
        span = min(watch.rules.history_s(), self.settings.replay_max_s)
        start = math.floor((end - span) / MINUTE_S) * MINUTE_S
        rows = self._store.query_rollups((watch.topic_id,), start, end, "minute")
        by_minute = {r.bucket_start: r for r in rows}
        # Before the topic's first stored minute there is nothing to learn from: zeros
        # there would teach the detectors a quiet baseline that never was.
        start = max(start, min(by_minute, default=end))
        fed = found = 0
        minute = start
        while minute < end:
            found += len(watch.feed_minute(minute, by_minute.get(minute)))
            fed += 1
            minute += MINUTE_S
        watch.fed_until = end
        return fed, found

    def _replay_posts(
        self, watch: TopicWatch, now: float, replayed: dict[tuple[int, str], list[Finding]]
    ) -> tuple[int, int]:
        if not watch.wants_posts:
            return 0, 0
        since = now - watch.rules.post_history_s()
        items: list[EnrichedPost] = []
        cursor: str | None = None
        while len(items) < self.settings.post_replay_max:
            page = self._store.query_posts(
                PostQuery(topic_id=watch.topic_id, since=since, limit=_PAGE, cursor=cursor)
            )
            items.extend(page.items)
            cursor = page.next_cursor
            if cursor is None:
                break
        found = 0
        for item in reversed(items[: self.settings.post_replay_max]):
            findings = watch.feed_post(item)
            found += len(findings)
            # Only a post received lately can be on its way to observe(): the others are
            # not remembered (a long history would cost memory for nothing).
            if item.post.received_at >= now - _REPLAYED_MEMORY_S:
                replayed[(watch.topic_id, item.post.id)] = findings
        return len(items), found

    # -- data in -------------------------------------------------------------------------------
    def on_commit(self, result: WriteResult, committed_at: float) -> None:
        """The pipeline's commit hook (``Pipeline(on_commit=...)``): :meth:`observe`."""
        self.observe(result.rollups, result.inserted, now=committed_at)

    def observe(
        self,
        rollups: Sequence[Rollup],
        posts: Sequence[EnrichedPost],
        *,
        now: float | None = None,
    ) -> list[Alert]:
        """Take what a commit stored: keep the minute rollups' latest totals for the next
        :meth:`tick`, and feed the posts to the post detectors now. Returns the alerts the
        post detectors opened or updated."""
        at = self._now(now)
        self.ensure_warm(at)
        with self._lock:
            self._forget_replayed(at)
            for rollup in rollups:
                watch = self._watches.get(rollup.topic_id)
                fed_until = watch.fed_until if watch is not None else self._closed_until
                if fed_until is not None and rollup.bucket_start < fed_until:
                    self.late_rollups += 1
                    continue
                self._pending[rollup.topic_id][rollup.bucket_start] = rollup
            changed: list[Alert] = []
            for item in posts:
                for topic_id in item.topics:
                    watch = self._watches.get(topic_id)
                    if watch is None or not watch.wants_posts:
                        continue
                    held_back = self._replayed.pop((topic_id, item.post.id), None)
                    # A post the replay read was fed there already.
                    findings = watch.feed_post(item) if held_back is None else held_back
                    for finding in findings:
                        change = self._raise_finding(topic_id, finding, at)
                        if change is not None:
                            changed.append(change.alert)
            return changed

    # -- the scheduler's beat ----------------------------------------------------------------------
    def tick(self, now: float | None = None) -> TickReport:
        """Feed the minutes that became complete, record which alerts still hold,
        auto-resolve the quiet ones, and take every escalation step due, queueing its
        outbox drafts. Call it every few seconds (each call is cheap when nothing is due)."""
        at = self._now(now)
        self.ensure_warm(at)
        with self._lock:
            self._forget_replayed(at)
            self._sync_topics(at)
            report = _Tally()
            minutes = self._close_minutes(at, report)
            if minutes:
                self._mark_holding(at, report)
            self._auto_resolve(at, report)
            self._escalate(at, report)
            return report.freeze(minutes)

    def _close_minutes(self, now: float, report: _Tally) -> int:
        assert self._closed_until is not None
        horizon = self._horizon(now)
        start = self._closed_until
        if horizon <= start:
            return 0
        # A tick after a long stall (a suspended laptop) rebuilds state from the older
        # minutes without alerting on them, as a restart would.
        live_from = horizon - self.settings.catch_up_s
        minutes = 0
        minute = start
        while minute < horizon:
            for topic_id, watch in self._watches.items():
                rollup = self._pending[topic_id].pop(minute, None)
                findings = watch.feed_minute(minute, rollup)
                if minute + MINUTE_S <= live_from:
                    continue
                for finding in findings:
                    report.findings += 1
                    self._raise_finding(topic_id, finding, now, report=report)
            minute += MINUTE_S
            minutes += 1
        for pending in self._pending.values():
            for stale in [m for m in pending if m < horizon]:
                del pending[stale]
        self._closed_until = horizon
        self._alerts.apply((), marks={CLOSED_UNTIL_MARK: horizon})
        return minutes

    def _mark_holding(self, now: float, report: _Tally) -> None:
        for record in self._alerts.list_alerts(active=True, limit=1000):
            alert = record.alert
            watch = self._watches.get(alert.topic_id)
            if watch is None or alert.detector not in COUNT_RULES:
                continue
            if not watch.is_holding(alert.detector):
                continue
            held = mark_holding(alert, now=now)
            if held is not alert:
                report.conflicts += self._try_apply([AlertWrite(alert=held, previous=alert)])

    def _auto_resolve(self, now: float, report: _Tally) -> None:
        for record in self._alerts.list_alerts(active=True, limit=1000):
            # A person raised a manual alert; a person closes it.
            if record.alert.detector == "manual":
                continue
            change = auto_resolve(record.alert, now=now, settings=self.settings.alerts)
            if change is None:
                continue
            write = _with_escalation_stopped(change, record.alert, record.escalation)
            if self._try_apply([write]) == 0:
                report.resolved.append(change.alert.id)
            else:
                report.conflicts += 1

    def _escalate(self, now: float, report: _Tally) -> None:
        silences = self._alerts.list_silences()
        self._recheck_holds(silences, now, report)
        for state in self._alerts.due_escalations(now):
            try:
                record = self._alerts.get_alert(state.alert_id)
            except NotFoundError:
                continue
            alert = record.alert
            if record.escalation != state:
                continue  # changed since listed; the next tick sees the new state
            policy = self._policy(state.policy)
            if policy is None:
                self._warn_once(
                    f"policy:{state.policy}",
                    "escalation policy %r is gone; alerts that follow it wait",
                    state.policy,
                )
                continue
            notes: tuple[Notification, ...] = ()
            until = self._silenced_until(alert, silences, now, state)
            if until is not None:
                after = state.pause_until(until)
            else:
                after, notes = state.advance(alert, policy, now=now)
            if after == state and not notes:
                continue
            drafts = self._drafts(alert, notes, record.evidence, now)
            write = AlertWrite(
                alert=alert,
                previous=alert,
                escalation=after,
                previous_escalation=state,
                drafts=drafts,
            )
            if self._try_apply([write]) == 0:
                report.notifications += len(notes)
                report.drafts += len(drafts)
            else:
                report.conflicts += 1

    def _recheck_holds(self, silences: list[Silence], now: float, report: _Tally) -> None:
        """Shorten or lift holds whose silence ended early, shrank or stopped matching (the
        alert grew more severe than a silence's ``max_severity``). Longer silences extend a
        hold when it comes due."""
        for state in self._alerts.held_escalations(now):
            try:
                record = self._alerts.get_alert(state.alert_id)
            except NotFoundError:
                continue
            if record.escalation != state:
                continue
            until = self._silenced_until(record.alert, silences, now, state)
            if until is not None and until >= state.next_at:
                continue
            after = state.rehold(until, now=now)
            if after == state:
                continue
            write = AlertWrite(
                alert=record.alert,
                previous=record.alert,
                escalation=after,
                previous_escalation=state,
            )
            if self._try_apply([write]) != 0:
                report.conflicts += 1

    # -- people ---------------------------------------------------------------------------------------
    def acknowledge(
        self, alert_id: str, actor: str, note: str = "", *, now: float | None = None
    ) -> Alert:
        """``open → acknowledged``; escalation stops. Raises NotFoundError, ConflictError
        (already acknowledged or resolved), ValidationError (empty actor, long note)."""
        at = self._now(now)
        return self._by_hand(alert_id, lambda a: acknowledge(a, actor=actor, now=at, note=note))

    def resolve(
        self, alert_id: str, actor: str, note: str = "", *, now: float | None = None
    ) -> Alert:
        """``open|acknowledged → resolved``; escalation stops. Raises NotFoundError,
        ConflictError (already resolved), ValidationError."""
        at = self._now(now)
        return self._by_hand(alert_id, lambda a: resolve(a, actor=actor, now=at, note=note))

    def _by_hand(self, alert_id: str, decide: _Decision) -> Alert:
        with self._lock:
            for _ in range(_ATTEMPTS):
                record = self._alerts.get_alert(alert_id)
                change = decide(record.alert)
                write = _with_escalation_stopped(change, record.alert, record.escalation)
                if self._try_apply([write]) == 0:
                    return change.alert
            raise ConflictError(f"alert {alert_id} keeps changing; try again")

    def escalate_manually(
        self,
        topic_id: int,
        team_or_policy: str | None,
        note: str,
        actor: str,
        post_id: str | None = None,
        point: tuple[float, float] | None = None,
        *,
        severity: Severity = "critical",
        now: float | None = None,
    ) -> Alert:
        """Raise an alert by hand (detector ``manual``) and escalate it at once.

        ``team_or_policy`` names an escalation policy, or a team (notified now and once
        more after ``manual_timeout_s`` unless acknowledged), or None to follow the routing
        table like any alert. ``post_id`` or ``point`` (a chart point: bucket start, value)
        say what prompted it; escalating the same post twice while its alert is active
        updates that alert instead of paging again. Silences do not hold a manual alert.
        Raises NotFoundError (topic, post), ValidationError (unknown team or policy, empty
        actor, long note).
        """
        at = self._now(now)
        who = require_actor(actor)
        why = require_note(note)
        with self._lock:
            topic = self._store.get_topic(topic_id)
            policy = self._manual_policy(team_or_policy)
            onset, observed, subject = at, 0.0, f"by {who} at {to_iso(at)}"
            if post_id is not None:
                item = self._store.get_post(post_id)
                onset, subject = item.post.created_at, item.post.id
            if point is not None:
                onset, observed = require_instant(point[0], "point"), float(point[1])
                if not math.isfinite(observed):
                    raise ValidationError("must be a finite number", "point")
                if post_id is None:
                    subject = f"point {to_iso(onset)}"
            reason = f"escalated by {who}" + (f": {why}" if why else "")
            finding = Finding(
                detector="manual",
                onset=onset,
                observed=observed,
                expected=0.0,
                band_low=0.0,
                band_high=0.0,
                score=0.0,
                severity=severity,
                reason=reason,
                subject=subject,
            )
            change = self._raise_finding(topic.id, finding, at, policy=policy, actor=who)
            assert change is not None
            return change.alert

    def _manual_policy(self, name: str | None) -> EscalationPolicy | None:
        if name is None:
            return None
        try:
            return self._alerts.get_policy(name)
        except NotFoundError:
            pass
        try:
            self._alerts.get_team(name)
        except NotFoundError:
            raise ValidationError(
                f"no team or escalation policy named {name!r}", "team_or_policy"
            ) from None
        return self._team_policy(name)

    def _team_policy(self, team: str) -> EscalationPolicy:
        return EscalationPolicy(
            name=f"{TEAM_POLICY_PREFIX}{team}",
            levels=(EscalationLevel(targets=(team,), timeout_s=self.settings.manual_timeout_s),),
            repeat=1,
        )

    # -- per-topic settings ---------------------------------------------------------------------------------
    def detector_settings(self, topic_id: int) -> TopicRules:
        """The detectors that watch the topic now, with their effective settings."""
        topic = self._store.get_topic(topic_id)
        return topic_rules(topic.kind, self._alerts.list_overrides(topic_id))

    def set_detector_settings(
        self,
        topic_id: int,
        detector: RuleName,
        *,
        enabled: bool = True,
        values: Mapping[str, SettingValue] | None = None,
        now: float | None = None,
    ) -> DetectorOverride:
        """Switch a detector on or off for a topic and override some of its settings
        (the others keep their defaults). The detector restarts, rebuilt from stored
        history, at the next tick. Raises NotFoundError (topic), ValidationError naming
        ``<detector>.<setting>``."""
        at = self._now(now)
        self._store.get_topic(topic_id)
        if detector not in RULE_NAMES:
            raise ValidationError(f"no detector {detector!r} has settings", "detector")
        clean = dict(values or {})
        settings_for(detector, clean)
        override = DetectorOverride(
            topic_id=topic_id, detector=detector, enabled=enabled, values=clean, updated_at=at
        )
        self._alerts.put_override(override)
        return override

    def reset_detector_settings(self, topic_id: int, detector: RuleName) -> None:
        """Back to the topic kind's defaults for this detector (from the next tick)."""
        self._alerts.delete_override(topic_id, detector)

    # -- alerts from findings ------------------------------------------------------------------------------
    def _raise_finding(
        self,
        topic_id: int,
        finding: Finding,
        now: float,
        *,
        policy: EscalationPolicy | None = None,
        actor: str | None = None,
        report: _Tally | None = None,
    ) -> Change | None:
        """Group the finding into its alert and write the change with its evidence,
        escalation start and level-1 drafts. None when the write kept losing races."""
        topic = self._topics.get(topic_id)
        if topic is None:
            try:
                topic = self._store.get_topic(topic_id)
            except NotFoundError:
                return None
            self._topics[topic_id] = topic
        evidence = self._evidence(topic, finding)
        key = finding_fingerprint(topic_id, finding)
        for _ in range(_ATTEMPTS):
            current = self._alerts.latest_alert(key)
            change = group_finding(
                current, topic_id, finding, now=now, settings=self.settings.alerts
            )
            if actor is not None:
                entry = msgspec.structs.replace(change.entry, actor=actor)
                change = Change(change.alert, entry)
            same = current is not None and current.id == change.alert.id
            previous = current if same else None
            write = AlertWrite(
                alert=change.alert, previous=previous, entries=(change.entry,), evidence=evidence
            )
            if change.starts_escalation:
                write = self._start_escalation(write, topic, policy, now, manual=actor is not None)
            if self._try_apply([write]) == 0:
                if report is not None:
                    report.count(change, write)
                return change
        log.warning("alert for %s kept changing while recording a finding", key)
        return None

    def _start_escalation(
        self,
        write: AlertWrite,
        topic: Topic,
        chosen: EscalationPolicy | None,
        now: float,
        *,
        manual: bool,
    ) -> AlertWrite:
        alert = write.alert
        policy = chosen or self._routed_policy(alert, topic)
        previous: EscalationState | None = None
        with contextlib.suppress(NotFoundError):
            previous = self._alerts.get_alert(alert.id).escalation
        if policy is None:
            if previous is None:
                return write
            stopped = previous.stop()
            return msgspec.structs.replace(write, escalation=stopped, previous_escalation=previous)
        state = EscalationState.start(alert, policy, now=now)
        until = None if manual else self._silenced_until(alert, self._alerts.list_silences(), now)
        notes: tuple[Notification, ...] = ()
        if until is not None:
            state = state.pause_until(until)
        else:
            state, notes = state.advance(alert, policy, now=now)
        return msgspec.structs.replace(
            write,
            escalation=state,
            previous_escalation=previous,
            drafts=self._drafts(alert, notes, write.evidence, now),
        )

    def _routed_policy(self, alert: Alert, topic: Topic) -> EscalationPolicy | None:
        table = self._alerts.get_routing()
        name = table.policy_for(alert, topic.kind) if table is not None else "default"
        policy = self._policy(name)
        if policy is None:
            self._warn_once(
                f"route:{name}",
                "no escalation policy %r: alerts routed to it are recorded, not notified",
                name,
            )
        return policy

    def _policy(self, name: str) -> EscalationPolicy | None:
        if name.startswith(TEAM_POLICY_PREFIX):
            return self._team_policy(name[len(TEAM_POLICY_PREFIX) :])
        try:
            return self._alerts.get_policy(name)
        except NotFoundError:
            return None

    def _silenced_until(
        self,
        alert: Alert,
        silences: Iterable[Silence],
        now: float,
        state: EscalationState | None = None,
    ) -> float | None:
        if alert.detector == "manual" or alert.state != "open":
            return None
        if state is not None and state.trigger != alert.trigger:
            return None
        return silenced_until(alert, silences, now)

    def _drafts(
        self,
        alert: Alert,
        notes: Sequence[Notification],
        evidence: AlertEvidence | None,
        now: float,
    ) -> tuple[OutboxDraft, ...]:
        drafts: list[OutboxDraft] = []
        topic = self._topics.get(alert.topic_id)
        topic_name = topic.name if topic is not None else f"topic {alert.topic_id}"
        teams: dict[str, Team | None] = {}
        for note in notes:
            for name in note.targets:
                if name not in teams:
                    teams[name] = self._team(name)
                team = teams[name]
                if team is None:
                    continue
                channels = team.delivery_channels
                if not channels:
                    self._warn_once(
                        f"channels:{name}", "team %r has no channel: nobody is notified", name
                    )
                for index, channel in enumerate(channels):
                    rendered = self._render(
                        NotificationContext(
                            alert=alert,
                            notification=note,
                            team=team,
                            channel=channel,
                            topic_name=topic_name,
                            evidence=evidence,
                        )
                    )
                    drafts.append(
                        OutboxDraft(
                            key=f"{note.key}/{team.name}/{index}",
                            alert_id=alert.id,
                            team=team.name,
                            channel=channel,
                            title=rendered.title,
                            body=rendered.body,
                            ack_url=rendered.ack_url,
                            created_at=now,
                        )
                    )
        return tuple(drafts)

    def _team(self, name: str) -> Team | None:
        try:
            return self._alerts.get_team(name)
        except NotFoundError:
            self._warn_once(f"team:{name}", "escalation names team %r, which does not exist", name)
            return None

    def _evidence(self, topic: Topic, finding: Finding) -> AlertEvidence:
        window = evidence_window(finding, *self._window_s(topic.id, finding.detector))
        try:
            page = self._store.query_posts(
                PostQuery(topic_id=topic.id, since=window[0], until=window[1], limit=_PAGE)
            )
            posts = list(page.items)
        except (StoreError, ValidationError) as err:
            log.warning("evidence of %s could not read posts: %s", topic.name, err)
            posts = []
        if finding.detector == "manual" and finding.subject and not relevant_posts(finding, posts):
            posts = self._cited_post(finding.subject) + posts
        return build_evidence(
            finding, topic.name, posts, window=window, limits=self.settings.evidence
        )

    def _cited_post(self, post_id: str) -> list[EnrichedPost]:
        try:
            return [self._store.get_post(post_id)]
        except NotFoundError:
            return []

    def _window_s(self, topic_id: int, detector: DetectorName) -> tuple[float, float]:
        """The detector's window and the bucket its onset stands for, in seconds."""
        watch = self._watches.get(topic_id)
        rules = watch.rules if watch is not None else TopicRules()
        if detector == "spike" and rules.spike is not None:
            return rules.spike.window_s, rules.spike.step_s
        if detector == "sentiment" and rules.sentiment is not None:
            return rules.sentiment.window_s, MINUTE_S
        if detector == "keyword" and rules.keyword is not None:
            return rules.keyword.window_s, MINUTE_S
        if detector == "trend" and rules.trend is not None:
            return rules.trend.bucket_s, MINUTE_S
        return _DEFAULT_WINDOW_S, MINUTE_S

    # -- bookkeeping ---------------------------------------------------------------------------------------------
    def _try_apply(self, writes: Sequence[AlertWrite]) -> int:
        """0 when written, 1 when a guard failed (someone changed the alert meanwhile)."""
        try:
            self._alerts.apply(writes)
        except ConflictError:
            return 1
        return 0

    def _sync_topics(self, now: float) -> None:
        """Follow topic edits: new topics start watching from now, deleted ones stop, and a
        topic whose kind or overrides changed gets fresh detectors rebuilt from history."""
        assert self._closed_until is not None
        self._topics = {t.id: t for t in self._store.list_topics()}
        for topic_id, rules in self._rules(self._topics).items():
            watch = self._watches.get(topic_id)
            if watch is not None and watch.rules == rules:
                continue
            fresh = TopicWatch(topic_id, rules)
            self._replay_minutes(fresh, self._closed_until)
            self._replay_posts(fresh, now, self._replayed)
            self._replayed_at = now
            self._watches[topic_id] = fresh
        for gone in set(self._watches) - set(self._topics):
            del self._watches[gone]
            self._pending.pop(gone, None)

    def _rules(self, topics: Mapping[int, Topic]) -> dict[int, TopicRules]:
        overrides: dict[int, list[DetectorOverride]] = defaultdict(list)
        for override in self._alerts.list_overrides():
            overrides[override.topic_id].append(override)
        return {
            topic_id: topic_rules(topic.kind, overrides.get(topic_id, ()))
            for topic_id, topic in topics.items()
        }

    def _forget_replayed(self, now: float) -> None:
        """Drop the replay's post memory once every commit stored before the replay has
        surely been observed (commits reach :meth:`observe` seconds after they are stored,
        and a commit is stamped after it is stored)."""
        if self._replayed and now - self._replayed_at > _REPLAYED_MEMORY_S:
            self._replayed.clear()

    def _horizon(self, now: float) -> float:
        """The end of the latest complete minute at ``now``."""
        return math.floor((now - self.settings.lateness_s) / MINUTE_S) * MINUTE_S

    def _now(self, now: float | None) -> float:
        return require_instant(self._clock.now() if now is None else now)

    def _warn_once(self, key: str, message: str, *args: object) -> None:
        if key not in self._warned:
            self._warned.add(key)
            log.warning(message, *args)


@dataclass
class _Tally:
    findings: int = 0
    opened: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    resolved: list[str] = field(default_factory=list)
    notifications: int = 0
    drafts: int = 0
    conflicts: int = 0

    def count(self, change: Change, write: AlertWrite) -> None:
        target = self.opened if change.starts_escalation else self.updated
        target.append(change.alert.id)
        self.drafts += len(write.drafts)
        self.notifications += len({d.key.rsplit("/", 2)[0] for d in write.drafts})

    def freeze(self, minutes: int) -> TickReport:
        return TickReport(
            minutes=minutes,
            findings=self.findings,
            opened=tuple(self.opened),
            updated=tuple(self.updated),
            resolved=tuple(self.resolved),
            notifications=self.notifications,
            drafts=self.drafts,
            conflicts=self.conflicts,
        )


def _with_escalation_stopped(
    change: Change, previous: Alert, escalation: EscalationState | None
) -> AlertWrite:
    stopped = escalation.stop() if escalation is not None else None
    if stopped == escalation:
        stopped = None
    return AlertWrite(
        alert=change.alert,
        previous=previous,
        entries=(change.entry,),
        escalation=stopped,
        previous_escalation=escalation if stopped is not None else None,
    )


__all__ = [
    "CLOSED_UNTIL_MARK",
    "AlertEngine",
    "EngineSettings",
    "TickReport",
    "WarmUpReport",
]
