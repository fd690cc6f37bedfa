"""Escalation: who is notified about an open alert, and who is next if nobody acknowledges.

PagerDuty/Grafana conventions. A policy is an ordered list of levels, each a set of
targets (team names) and a timeout; the whole list may repeat. Level 1 is notified when
the alert opens; if the alert is still open ``timeout_s`` later, the next level is, and
so on. Acknowledging or resolving stops it; a re-trigger starts again from level 1.

``EscalationState`` is the per-alert state machine, plain data so the store can persist
it: ``advance(alert, policy, now=...)`` returns the notifications due at ``now`` and the
state to save. Each step (one level of one pass) is emitted exactly once and in order,
even when ``now`` jumps far ahead: a late scheduler sends every level that came due, in
order, rather than skipping to the last. Deadlines follow the schedule, not the moment
the scheduler ran, so a restart from saved state neither repeats nor drops a step.
Pure: no I/O, no clock, no delivery (notifiers send; the store keeps the state).
"""

from __future__ import annotations

import re
from typing import Annotated, Literal

import msgspec

from signalroom.alerting.model import Alert, require_instant
from signalroom.errors import ConflictError, ValidationError

EscalationStatus = Literal["active", "stopped", "exhausted"]
"""``active``: more steps to come; ``stopped``: acknowledged, resolved or superseded by a
re-trigger; ``exhausted``: every step of every pass was sent."""

MAX_LEVELS = 20
_SCREEN = re.compile(r"[A-Za-z0-9_\-]{1,80}")
MAX_REPEAT = 20


class EscalationLevel(msgspec.Struct, frozen=True):
    """One level: the teams to notify, how long to wait for an acknowledgement before the
    next level, and the wall screens this level takes over with a crisis scene until the
    alert is acknowledged (screen names as in ``/screen/{name}``; ``*`` is every screen)."""

    targets: tuple[str, ...]
    timeout_s: float
    takeover: tuple[str, ...] = ()


class EscalationPolicy(msgspec.Struct, frozen=True, kw_only=True):
    """Ordered levels, walked once and then ``repeat`` more times while nobody acknowledges."""

    name: str
    levels: tuple[EscalationLevel, ...]
    repeat: int = 0

    def __post_init__(self) -> None:
        if not self.name.strip():
            raise ValidationError("must not be empty", "name")
        if not 1 <= len(self.levels) <= MAX_LEVELS:
            raise ValidationError(f"must hold 1 to {MAX_LEVELS} levels", "levels")
        for index, level in enumerate(self.levels):
            if not level.targets or any(not t.strip() for t in level.targets):
                raise ValidationError("must name at least one team", f"levels[{index}].targets")
            for screen in level.takeover:
                if screen != "*" and not _SCREEN.fullmatch(screen):
                    raise ValidationError(
                        f"must be screen names (letters, digits, - and _) or *, got {screen!r}",
                        f"levels[{index}].takeover",
                    )
            if not 0 < level.timeout_s < float("inf"):
                raise ValidationError(
                    f"must be a positive number of seconds, got {level.timeout_s!r}",
                    f"levels[{index}].timeout_s",
                )
        if not 0 <= self.repeat <= MAX_REPEAT:
            raise ValidationError(f"must be between 0 and {MAX_REPEAT}", "repeat")

    @property
    def step_count(self) -> int:
        """How many notifications a never-acknowledged alert gets: levels times passes."""
        return len(self.levels) * (self.repeat + 1)


def takeover_screens(policy: EscalationPolicy, state: EscalationState | None) -> tuple[str, ...]:
    """The screens taken over by the levels this escalation has reached (empty once it is
    stopped: an acknowledged or resolved alert gives the screens back)."""
    if state is None or state.policy != policy.name or state.status == "stopped":
        return ()
    reached = policy.levels[: min(state.next_step, len(policy.levels))]
    return tuple(dict.fromkeys(screen for level in reached for screen in level.takeover))


class Notification(msgspec.Struct, frozen=True, kw_only=True):
    """Notify ``targets`` about an alert: level ``level`` (0-based) of pass ``repeat``
    (0 for the first pass)."""

    alert_id: str
    trigger: int
    step: int
    """Position in the escalation: ``repeat * len(levels) + level``."""
    level: int
    repeat: int
    targets: tuple[str, ...]
    due_at: float
    """When the schedule said this step was due (not when it was computed)."""

    @property
    def key(self) -> str:
        """Unique per alert, trigger and step: the idempotency key for delivery."""
        return f"{self.alert_id}/{self.trigger}/{self.step}"


class EscalationState(msgspec.Struct, frozen=True, kw_only=True):
    """Where one trigger of one alert stands in its policy. Persist it after every advance."""

    alert_id: str
    trigger: Annotated[int, msgspec.Meta(ge=1)]
    policy: str
    status: EscalationStatus
    next_step: Annotated[int, msgspec.Meta(ge=0)] = 0
    next_at: float
    """When ``next_step`` is due."""
    held_from: float | None = None
    """When the next step was due before a silence held it, while one holds it; None when
    nothing holds it. Lets the hold be shortened or lifted if the silence changes."""

    @classmethod
    def start(cls, alert: Alert, policy: EscalationPolicy, *, now: float) -> EscalationState:
        """A fresh escalation for the alert's current trigger: level 1 is due at ``now``.

        Raises ConflictError unless the alert is open.
        """
        require_instant(now)
        if alert.state != "open":
            raise ConflictError(f"alert {alert.id} is {alert.state}: nothing to escalate")
        return cls(
            alert_id=alert.id,
            trigger=alert.trigger,
            policy=policy.name,
            status="active",
            next_at=now,
        )

    @property
    def wake_at(self) -> float | None:
        """When the next step is due, or None when nothing more will be sent."""
        return self.next_at if self.status == "active" else None

    def advance(
        self, alert: Alert, policy: EscalationPolicy, *, now: float
    ) -> tuple[EscalationState, tuple[Notification, ...]]:
        """The steps due by ``now``, in order, and the state after sending them.

        An alert that is no longer open, or that was re-triggered since this state
        started, gets nothing and stops this state. Raises ValidationError when the alert
        or the policy is not the one this state belongs to.
        """
        require_instant(now)
        if alert.id != self.alert_id:
            raise ValidationError(f"state is for alert {self.alert_id}, got {alert.id}", "alert")
        if policy.name != self.policy:
            raise ValidationError(
                f"state follows policy {self.policy}, got {policy.name}", "policy"
            )
        if self.status != "active":
            return self, ()
        if alert.state != "open" or alert.trigger != self.trigger:
            return self.stop(), ()
        step, due_at = self.next_step, self.next_at
        width = len(policy.levels)
        sent: list[Notification] = []
        while step < policy.step_count and due_at <= now:
            level = step % width
            sent.append(
                Notification(
                    alert_id=self.alert_id,
                    trigger=self.trigger,
                    step=step,
                    level=level,
                    repeat=step // width,
                    targets=policy.levels[level].targets,
                    due_at=due_at,
                )
            )
            due_at += policy.levels[level].timeout_s
            step += 1
        status: EscalationStatus = "exhausted" if step >= policy.step_count else "active"
        held_from = self.held_from if step == self.next_step else None
        after = msgspec.structs.replace(
            self, status=status, next_step=step, next_at=due_at, held_from=held_from
        )
        return after, tuple(sent)

    def stop(self) -> EscalationState:
        """No more notifications (acknowledged, resolved, or superseded)."""
        if self.status != "active":
            return self
        return msgspec.structs.replace(self, status="stopped")

    def pause_until(self, until: float) -> EscalationState:
        """Hold the next step until at least ``until`` (a silence); later steps keep their
        timeouts after it. Nothing is skipped: the held step is sent when the pause ends."""
        require_instant(until, "until")
        if self.status != "active" or until <= self.next_at:
            return self
        held_from = self.next_at if self.held_from is None else self.held_from
        return msgspec.structs.replace(self, next_at=until, held_from=held_from)

    @property
    def held(self) -> bool:
        """True while a silence holds the next step."""
        return self.status == "active" and self.held_from is not None

    def rehold(self, until: float | None, *, now: float) -> EscalationState:
        """Hold the next step until ``until`` instead (None: lift the hold), because the
        silences changed: one was ended early, moved, or no longer matches the alert.

        The step is never due before it was due without the hold, nor before ``now`` (so
        lifting a hold sends it at once, and later timeouts count from then).
        """
        require_instant(now)
        if not self.held:
            return self
        assert self.held_from is not None
        due = max(self.held_from, now if until is None else until)
        if until is None or due <= self.held_from:
            return msgspec.structs.replace(self, next_at=due, held_from=None)
        return msgspec.structs.replace(self, next_at=due)
