"""Escalation: policies, the per-alert state machine, and a stateful test of its promises.

The stateful test drives alerts through findings, acknowledgements, resolves, clock jumps,
silences and process restarts (state through msgspec and back), and checks that levels
are never skipped, a non-open alert is never notified, no step is ever sent twice and
every step that came due is sent.
"""

from __future__ import annotations

import msgspec
import pytest
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
)

from signalroom.alerting import (
    Alert,
    AlertSettings,
    EscalationLevel,
    EscalationPolicy,
    EscalationState,
    Notification,
    acknowledge,
    group_finding,
    resolve,
)
from signalroom.alerting.escalation import takeover_screens
from signalroom.errors import ConflictError, ValidationError
from tests.alerting.factory import T0, TOPIC, finding, open_alert

MIN = 60.0
POLICY = EscalationPolicy(
    name="brand-crisis",
    levels=(
        EscalationLevel(targets=("social",), timeout_s=15 * MIN),
        EscalationLevel(targets=("comms-lead",), timeout_s=30 * MIN),
        EscalationLevel(targets=("vp", "legal"), timeout_s=60 * MIN),
    ),
    repeat=1,
)


def steps(notes: tuple[Notification, ...]) -> list[tuple[int, int, int, float]]:
    return [(n.step, n.level, n.repeat, n.due_at - T0) for n in notes]


def test_escalation_notifies_level_one_at_once_then_each_level_after_its_timeout() -> None:
    alert = open_alert()
    state = EscalationState.start(alert, POLICY, now=T0)
    state, notes = state.advance(alert, POLICY, now=T0)
    assert steps(notes) == [(0, 0, 0, 0.0)]
    assert notes[0].targets == ("social",)
    state, notes = state.advance(alert, POLICY, now=T0 + 15 * MIN - 1)
    assert notes == ()
    assert state.wake_at == T0 + 15 * MIN
    state, notes = state.advance(alert, POLICY, now=T0 + 15 * MIN)
    assert steps(notes) == [(1, 1, 0, 15 * MIN)]
    assert notes[0].key == f"{alert.id}/1/1"


def test_escalation_sends_every_level_in_order_when_now_jumps_far_ahead() -> None:
    alert = open_alert()
    state = EscalationState.start(alert, POLICY, now=T0)
    state, notes = state.advance(alert, POLICY, now=T0 + 30 * 86_400)
    assert steps(notes) == [
        (0, 0, 0, 0.0),
        (1, 1, 0, 15 * MIN),
        (2, 2, 0, 45 * MIN),
        (3, 0, 1, 105 * MIN),
        (4, 1, 1, 120 * MIN),
        (5, 2, 1, 150 * MIN),
    ]
    assert state.status == "exhausted"
    assert state.wake_at is None
    assert state.advance(alert, POLICY, now=T0 + 60 * 86_400) == (state, ())


def test_escalation_stops_once_the_alert_is_acknowledged_even_without_stop() -> None:
    alert = open_alert()
    state, _ = EscalationState.start(alert, POLICY, now=T0).advance(alert, POLICY, now=T0)
    acked = acknowledge(alert, actor="alice", now=T0 + 60).alert
    state, notes = state.advance(acked, POLICY, now=T0 + 86_400)
    assert notes == ()
    assert state.status == "stopped"


def test_escalation_restarts_from_level_one_on_retrigger_and_the_old_state_stops() -> None:
    alert = open_alert()
    old, _ = EscalationState.start(alert, POLICY, now=T0).advance(alert, POLICY, now=T0 + 20 * MIN)
    resolved = resolve(alert, actor="bob", now=T0 + 25 * MIN).alert
    reopened = group_finding(resolved, TOPIC, finding(), now=T0 + 30 * MIN).alert
    assert reopened.trigger == 2
    stale, notes = old.advance(reopened, POLICY, now=T0 + 40 * MIN)
    assert (stale.status, notes) == ("stopped", ())
    fresh = EscalationState.start(reopened, POLICY, now=T0 + 30 * MIN)
    _, notes = fresh.advance(reopened, POLICY, now=T0 + 30 * MIN)
    assert [(n.trigger, n.step, n.level) for n in notes] == [(2, 0, 0)]


def test_escalation_pause_holds_the_next_level_and_keeps_later_timeouts() -> None:
    alert = open_alert()
    state, _ = EscalationState.start(alert, POLICY, now=T0).advance(alert, POLICY, now=T0)
    state = state.pause_until(T0 + 120 * MIN)
    state, notes = state.advance(alert, POLICY, now=T0 + 119 * MIN)
    assert notes == ()
    state, notes = state.advance(alert, POLICY, now=T0 + 150 * MIN)
    assert steps(notes) == [(1, 1, 0, 120 * MIN), (2, 2, 0, 150 * MIN)]
    assert state.pause_until(T0) == state


def test_escalation_start_refuses_an_alert_that_is_not_open() -> None:
    acked = acknowledge(open_alert(), actor="alice", now=T0).alert
    with pytest.raises(ConflictError, match="acknowledged"):
        EscalationState.start(acked, POLICY, now=T0)


def test_escalation_advance_refuses_another_alert_or_policy() -> None:
    alert = open_alert()
    state = EscalationState.start(alert, POLICY, now=T0)
    with pytest.raises(ValidationError) as caught:
        state.advance(open_alert(subject="other"), POLICY, now=T0)
    assert caught.value.field == "alert"
    other = msgspec.structs.replace(POLICY, name="other")
    with pytest.raises(ValidationError) as caught:
        state.advance(alert, other, now=T0)
    assert caught.value.field == "policy"


def test_escalation_state_round_trips_through_json_and_rejects_corrupt_data() -> None:
    alert = open_alert()
    state, _ = EscalationState.start(alert, POLICY, now=T0).advance(alert, POLICY, now=T0)
    assert msgspec.json.decode(msgspec.json.encode(state), type=EscalationState) == state
    corrupt = msgspec.json.encode(msgspec.structs.replace(state, next_step=-1))
    with pytest.raises(msgspec.ValidationError, match="next_step"):
        msgspec.json.decode(corrupt, type=EscalationState)


@pytest.mark.parametrize(
    ("raw", "field"),
    [
        ({"name": " ", "levels": [{"targets": ["a"], "timeout_s": 60}]}, "name"),
        ({"name": "p", "levels": []}, "levels"),
        ({"name": "p", "levels": [{"targets": [], "timeout_s": 60}]}, "levels[0].targets"),
        (
            {
                "name": "p",
                "levels": [{"targets": ["a"], "timeout_s": 60}, {"targets": ["b"], "timeout_s": 0}],
            },
            "levels[1].timeout_s",
        ),
        ({"name": "p", "levels": [{"targets": ["a"], "timeout_s": 60}], "repeat": -1}, "repeat"),
    ],
)
def test_escalation_policy_rejects_bad_input_naming_the_field(raw: object, field: str) -> None:
    with pytest.raises(ValidationError) as caught:
        msgspec.convert(raw, EscalationPolicy)
    assert caught.value.field == field


# Whole seconds keep every sum exact, so the model's deadlines equal the state's.
SECONDS = st.integers(min_value=1, max_value=4 * 3600).map(float)
LEVELS = st.lists(
    st.builds(EscalationLevel, targets=st.just(("team",)), timeout_s=SECONDS),
    min_size=1,
    max_size=4,
).map(
    lambda levels: tuple(
        EscalationLevel((f"team-{i}",), lv.timeout_s) for i, lv in enumerate(levels)
    )
)
POLICIES = st.builds(
    EscalationPolicy, name=st.just("p"), levels=LEVELS, repeat=st.integers(min_value=0, max_value=2)
)
JUMPS = st.one_of(
    st.integers(min_value=0, max_value=1800), st.integers(min_value=0, max_value=30 * 86_400)
).map(float)
SUBJECTS = st.sampled_from(("", "#recall"))
ALERT_SETTINGS = AlertSettings(reopen_window_s=600.0)


class EscalationMachine(RuleBasedStateMachine):
    """A scheduler's view: alerts per subject, each with its saved escalation state."""

    def __init__(self) -> None:
        super().__init__()
        self.now = T0
        self.policy = POLICY
        self.alerts: dict[str, Alert] = {}
        self.states: dict[str, EscalationState] = {}
        self.sent: list[Notification] = []
        self.keys: set[str] = set()
        # The model: per (alert id, trigger), the next step and when it is due.
        self.expected: dict[tuple[str, int], tuple[int, float]] = {}
        # While a silence holds a step: when it was due before the hold.
        self.held_from: dict[tuple[str, int], float] = {}

    @initialize(policy=POLICIES)
    def choose_policy(self, policy: EscalationPolicy) -> None:
        self.policy = policy

    @rule(subject=SUBJECTS)
    def finding_arrives(self, subject: str) -> None:
        current = self.alerts.get(subject)
        change = group_finding(
            current, TOPIC, finding(subject=subject), now=self.now, settings=ALERT_SETTINGS
        )
        self.alerts[subject] = change.alert
        if change.starts_escalation:
            self.states[subject] = EscalationState.start(change.alert, self.policy, now=self.now)
            self.expected[(change.alert.id, change.alert.trigger)] = (0, self.now)

    @rule(subject=SUBJECTS, call_stop=st.booleans())
    def acknowledge(self, subject: str, call_stop: bool) -> None:
        alert = self.alerts.get(subject)
        if alert is None or alert.state != "open":
            return
        self.alerts[subject] = acknowledge(alert, actor="alice", now=self.now).alert
        if call_stop:
            self.states[subject] = self.states[subject].stop()

    @rule(subject=SUBJECTS, call_stop=st.booleans())
    def resolve(self, subject: str, call_stop: bool) -> None:
        alert = self.alerts.get(subject)
        if alert is None or not alert.is_active:
            return
        self.alerts[subject] = resolve(alert, actor="bob", now=self.now).alert
        if call_stop:
            self.states[subject] = self.states[subject].stop()

    @rule(seconds=JUMPS)
    def clock_moves(self, seconds: float) -> None:
        self.now += seconds

    @precondition(lambda self: bool(self.states))
    @rule(subject=SUBJECTS, seconds=SECONDS)
    def silence(self, subject: str, seconds: float) -> None:
        state = self.states.get(subject)
        if state is None:
            return
        until = self.now + seconds
        self.states[subject] = state.pause_until(until)
        key = (state.alert_id, state.trigger)
        step, due = self.expected[key]
        if state.status == "active" and until > due:
            self.held_from.setdefault(key, due)
            self.expected[key] = (step, until)

    @precondition(lambda self: bool(self.states))
    @rule(subject=SUBJECTS, seconds=st.one_of(st.none(), SECONDS))
    def silence_changes(self, subject: str, seconds: float | None) -> None:
        """A silence ends early (None) or is shortened to end ``seconds`` from now."""
        state = self.states.get(subject)
        if state is None:
            return
        key = (state.alert_id, state.trigger)
        assert state.held == (state.status == "active" and key in self.held_from)
        until = None if seconds is None else self.now + seconds
        self.states[subject] = state.rehold(until, now=self.now)
        if not state.held:
            assert self.states[subject] == state
            return
        step, _ = self.expected[key]
        first = self.held_from[key]
        due = max(first, self.now if until is None else until)
        self.expected[key] = (step, due)
        if until is None or due <= first:
            del self.held_from[key]
        assert self.states[subject].held == (key in self.held_from)

    @rule()
    def restart(self) -> None:
        # A restart keeps only what the store saved: alerts and escalation states as JSON.
        alerts, states = msgspec.json.encode(self.alerts), msgspec.json.encode(self.states)
        self.alerts = msgspec.json.decode(alerts, type=dict[str, Alert])
        self.states = msgspec.json.decode(states, type=dict[str, EscalationState])
        self.policy = msgspec.json.decode(msgspec.json.encode(self.policy), type=EscalationPolicy)

    @rule()
    def scheduler_ticks(self) -> None:
        self.tick()

    def tick(self) -> None:
        for subject, state in list(self.states.items()):
            alert = self.alerts[subject]
            self.states[subject], notes = state.advance(alert, self.policy, now=self.now)
            if alert.state != "open":
                assert notes == (), "a non-open alert was notified"
            for note in notes:
                self.check_note(note)
            if alert.state == "open" and alert.trigger == state.trigger:
                step, due = self.expected[(state.alert_id, state.trigger)]
                assert step == self.policy.step_count or due > self.now, "a due step was not sent"

    def check_note(self, note: Notification) -> None:
        assert note.key not in self.keys, f"sent twice: {note.key}"
        self.keys.add(note.key)
        self.sent.append(note)
        step, due = self.expected[(note.alert_id, note.trigger)]
        width = len(self.policy.levels)
        assert note.step == step, f"expected step {step}, got {note.step}: a level was skipped"
        assert (note.level, note.repeat) == (step % width, step // width)
        assert note.targets == self.policy.levels[note.level].targets
        assert note.due_at == due <= self.now
        self.expected[(note.alert_id, note.trigger)] = (
            step + 1,
            due + self.policy.levels[note.level].timeout_s,
        )
        self.held_from.pop((note.alert_id, note.trigger), None)

    @invariant()
    def no_key_twice(self) -> None:
        assert len(self.keys) == len(self.sent)

    def teardown(self) -> None:
        # Every step of an alert still open is eventually sent.
        self.now += 10**9
        self.tick()
        for subject, alert in self.alerts.items():
            if alert.state == "open" and self.states[subject].trigger == alert.trigger:
                step, _ = self.expected[(alert.id, alert.trigger)]
                assert step == self.policy.step_count
                assert self.states[subject].status == "exhausted"


EscalationMachine.TestCase.settings = settings(
    max_examples=100, stateful_step_count=30, deadline=None
)
TestEscalationMachine = EscalationMachine.TestCase


def test_takeover_screens_are_those_of_the_levels_reached_until_stopped() -> None:
    policy = EscalationPolicy(
        name="crisis",
        levels=(
            EscalationLevel(targets=("social",), timeout_s=600, takeover=("warroom",)),
            EscalationLevel(targets=("comms",), timeout_s=900, takeover=("warroom", "*")),
        ),
        repeat=1,
    )
    alert = open_alert()
    state = EscalationState.start(alert, policy, now=T0)
    assert takeover_screens(policy, state) == ()
    first, _ = state.advance(alert, policy, now=T0)
    assert takeover_screens(policy, first) == ("warroom",)
    second, _ = first.advance(alert, policy, now=T0 + 600)
    assert takeover_screens(policy, second) == ("warroom", "*")
    repeated, _ = second.advance(alert, policy, now=T0 + 1500)
    assert takeover_screens(policy, repeated) == ("warroom", "*")
    stopped = msgspec.structs.replace(repeated, status="stopped")
    assert takeover_screens(policy, stopped) == ()
    with pytest.raises(ValidationError, match="screen names"):
        EscalationPolicy(
            name="x", levels=(EscalationLevel(targets=("a",), timeout_s=1, takeover=("a b",)),)
        )


def test_a_hold_lifted_early_sends_the_step_at_once_and_counts_later_timeouts_from_then() -> None:
    alert = open_alert()
    state, _ = EscalationState.start(alert, POLICY, now=T0).advance(alert, POLICY, now=T0)
    due = state.next_at
    held = state.pause_until(due + 8 * 3600)
    assert held.held
    assert held.held_from == due
    # Shortened: still held, to the new end.
    shorter = held.rehold(due + 3600, now=due + 600)
    assert (shorter.next_at, shorter.held) == (due + 3600, True)
    # Lifted: due now, no longer held; never earlier than it was due without the hold.
    lifted = shorter.rehold(None, now=due + 1200)
    assert (lifted.next_at, lifted.held) == (due + 1200, False)
    _, notes = lifted.advance(alert, POLICY, now=due + 1200)
    assert [n.due_at for n in notes] == [due + 1200]
    early = held.rehold(None, now=due - 60)
    assert (early.next_at, early.held) == (due, False)
    assert state.rehold(None, now=due) == state  # nothing held: nothing to lift
