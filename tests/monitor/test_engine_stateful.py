"""A stateful test of the engine on a real SQLite file: findings and manual escalations,
acknowledgements, resolves, clock jumps and process restarts, in any order.

After every step it checks the outbox against the promises: each trigger's steps are
0, 1, 2... with no gap (levels are never skipped) and each is complete (every channel of
every target team); nothing is queued for a trigger after it was acknowledged or
resolved; and after a tick, every step of an open alert that came due by then is queued,
once (a restart neither repeats nor drops a message).
"""

from __future__ import annotations

import shutil
import tempfile
from collections import defaultdict
from pathlib import Path

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from signalroom.alerting import EscalationLevel, EscalationPolicy
from signalroom.errors import ConflictError
from signalroom.models import EnrichedPost
from signalroom.monitor import TEAM_POLICY_PREFIX, EngineSettings
from tests.monitor.harness import CHANNELS, MIN, POLICY, T0, System, open_system

TARGETS = (None, "social", "crisis")
TO_SOCIAL = EscalationPolicy(
    name=f"{TEAM_POLICY_PREFIX}social",
    levels=(EscalationLevel(targets=("social",), timeout_s=EngineSettings().manual_timeout_s),),
    repeat=1,
)


def schedule(policy: EscalationPolicy, start: float, until: float) -> int:
    """How many steps of ``policy`` started at ``start`` are due by ``until``."""
    due, steps = start, 0
    while steps < policy.step_count and due <= until:
        due += policy.levels[steps % len(policy.levels)].timeout_s
        steps += 1
    return steps


class EngineMachine(RuleBasedStateMachine):
    @initialize()
    def start(self) -> None:
        self.folder = Path(tempfile.mkdtemp(prefix="signalroom-engine-"))
        self.s: System = open_system(self.folder)
        self.s.engine.warm_up()
        self.posts: list[EnrichedPost] = []
        for i in range(3):
            item = self.s.post(self.s.brand, T0 - 30, text=f"kestrava post {i}")
            self.s.commit(item)
            self.posts.append(item)
        self.policies: dict[tuple[str, int], EscalationPolicy] = {}
        """(alert, trigger) → the policy that trigger follows, for manual alerts."""
        self.ticked_at: float | None = None

    def teardown(self) -> None:
        self.s.close()
        shutil.rmtree(self.folder, ignore_errors=True)

    # -- what happens -------------------------------------------------------------------------
    @rule(count=st.integers(1, 6))
    def matches_arrive(self, count: int) -> None:
        now = self.s.clock.now()
        self.s.commit(*(self.s.post(self.s.risk, now - 1, handle=f"h{i}") for i in range(count)))

    @rule(post=st.integers(0, 2), to=st.sampled_from(TARGETS))
    def escalate_by_hand(self, post: int, to: str | None) -> None:
        alert = self.s.engine.escalate_manually(
            self.s.brand.id, to, "look", "ana", post_id=self.posts[post].post.id
        )
        escalation = self.s.alerts.get_alert(alert.id).escalation
        assert escalation is not None
        chosen = TO_SOCIAL if to == "social" else POLICY
        policy = self.policies.setdefault((alert.id, alert.trigger), chosen)
        assert escalation.policy == policy.name

    @rule(pick=st.integers(0, 10), resolve=st.booleans())
    def a_person_acts(self, pick: int, resolve: bool) -> None:
        records = self.s.alerts.list_alerts()
        if not records:
            return
        alert = records[pick % len(records)].alert
        try:
            if resolve:
                self.s.engine.resolve(alert.id, "bo")
            else:
                self.s.engine.acknowledge(alert.id, "bo")
        except ConflictError:
            assert alert.state == "resolved" or (not resolve and alert.state == "acknowledged")

    @rule(minutes=st.sampled_from((1, 2, 3, 7, 15, 16, 29, 44, 90, 200)))
    def time_passes(self, minutes: int) -> None:
        self.s.clock.advance(minutes * MIN)
        self.s.engine.tick()
        self.ticked_at = self.s.clock.now()

    @rule()
    def restart(self) -> None:
        self.s.restart()
        self.ticked_at = None

    # -- promises ------------------------------------------------------------------------------
    def messages(self) -> dict[tuple[str, int], dict[int, list[float]]]:
        """(alert, trigger) → step → created_at of each of its messages."""
        found: dict[tuple[str, int], dict[int, list[float]]] = defaultdict(
            lambda: defaultdict(list)
        )
        for message in self.s.alerts.list_outbox(limit=10_000):
            alert_id, trigger, step, team, _ = message.key.split("/")
            assert team == message.team
            found[(alert_id, int(trigger))][int(step)].append(message.created_at)
        return found

    def policy_of(self, alert_id: str, trigger: int) -> EscalationPolicy:
        return self.policies.get((alert_id, trigger), POLICY)

    @invariant()
    def steps_are_never_skipped_and_always_complete(self) -> None:
        if not hasattr(self, "s"):
            return
        for (alert_id, trigger), steps in self.messages().items():
            assert sorted(steps) == list(range(len(steps)))
            policy = self.policy_of(alert_id, trigger)
            for step, created in steps.items():
                targets = policy.levels[step % len(policy.levels)].targets
                assert len(created) == sum(CHANNELS[t] for t in targets)

    @invariant()
    def nothing_is_sent_after_an_acknowledgement(self) -> None:
        if not hasattr(self, "s"):
            return
        messages = self.messages()
        for record in self.s.alerts.list_alerts(limit=1000):
            trigger = 0
            for entry in self.s.alerts.audit(record.alert.id):
                if entry.action in ("opened", "reopened"):
                    trigger += 1
                elif entry.action in ("acknowledged", "resolved"):
                    for created in messages.get((record.alert.id, trigger), {}).values():
                        assert all(at <= entry.at for at in created)

    @invariant()
    def every_due_step_of_an_open_alert_is_queued_once(self) -> None:
        if not hasattr(self, "s") or self.ticked_at != self.s.clock.now():
            return
        messages = self.messages()
        for record in self.s.alerts.list_alerts(state="open", limit=1000):
            alert = record.alert
            policy = self.policy_of(alert.id, alert.trigger)
            due = schedule(policy, alert.triggered_at, self.ticked_at)
            assert len(messages.get((alert.id, alert.trigger), {})) == due


EngineMachine.TestCase.settings = settings(max_examples=30, stateful_step_count=25, deadline=None)
test_engine_keeps_its_escalation_promises = EngineMachine.TestCase
