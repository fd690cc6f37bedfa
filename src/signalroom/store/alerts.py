"""The AlertStore contract: what keeps alerting's state, and the shapes only it stores.

It persists alerts with their evidence and audit trail, silences, teams, escalation
policies, the routing table, per-topic detector overrides, per-alert escalation states,
the notification outbox and the monitor's progress marks. Its one subtle promise is
:meth:`AlertStore.apply`: an alert change, its audit entries, its evidence, its
escalation state, its outbox drafts and progress marks are written in **one**
transaction, guarded by what the change was computed from. So a crash or restart
between "decided" and "recorded" neither repeats nor drops a notification, and two
writers racing on one alert cannot both win (the loser gets ConflictError and recomputes).

Methods are synchronous and thread-safe. Must not import a backend, nor decide anything
about alerts (the pure rules live in :mod:`signalroom.alerting`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Protocol

import msgspec

from signalroom.alerting.escalation import EscalationPolicy, EscalationState
from signalroom.alerting.model import Alert, AlertState, AuditEntry
from signalroom.alerting.outbox import OutboxDraft, OutboxMessage, OutboxState
from signalroom.alerting.routing import RoutingTable
from signalroom.alerting.silence import Silence
from signalroom.alerting.teams import Team
from signalroom.detectors.base import DetectorName

SettingValue = float | int | bool
"""A detector setting's value: every detector setting is a number or a switch."""


class EvidencePost(msgspec.Struct, frozen=True, kw_only=True):
    """A post cited as evidence, copied so that it outlives the post's retention."""

    id: str
    url: str
    author: str
    """The author's handle."""
    followers: int
    text: str
    """The post's text, cut to a few hundred characters."""
    created_at: float
    reach: int
    sentiment: str


class EvidenceTerm(msgspec.Struct, frozen=True, kw_only=True):
    term: str
    """A hashtag (with its ``#``) or a word."""
    count: int


class EvidenceAuthor(msgspec.Struct, frozen=True, kw_only=True):
    handle: str
    followers: int
    posts: int
    """How many of the window's posts are theirs."""


class AlertEvidence(msgspec.Struct, frozen=True, kw_only=True):
    """Why an alert fired, in facts a person can check: the numbers of the finding, the
    posts behind them, and a one-paragraph summary built only from those facts."""

    window_start: float
    window_end: float
    observed: float
    expected: float
    band_low: float
    band_high: float
    top_posts: tuple[EvidencePost, ...] = ()
    top_terms: tuple[EvidenceTerm, ...] = ()
    top_authors: tuple[EvidenceAuthor, ...] = ()
    summary: str = ""


class AlertRecord(msgspec.Struct, frozen=True, kw_only=True):
    """An alert as stored: the alert, its latest evidence and its escalation, if any."""

    alert: Alert
    evidence: AlertEvidence | None = None
    escalation: EscalationState | None = None


class AlertWrite(msgspec.Struct, frozen=True, kw_only=True):
    """One alert's share of an atomic write.

    ``previous`` is the alert as it was read when the change was computed (None: the alert
    must not exist yet); ``previous_escalation`` likewise for its escalation state. If the
    stored row differs, the whole :meth:`AlertStore.apply` fails with ConflictError and
    nothing is written. ``evidence`` None keeps the stored evidence; ``escalation`` None
    keeps the stored escalation state. Drafts whose key exists already are skipped.
    """

    alert: Alert
    previous: Alert | None
    entries: tuple[AuditEntry, ...] = ()
    evidence: AlertEvidence | None = None
    escalation: EscalationState | None = None
    previous_escalation: EscalationState | None = None
    drafts: tuple[OutboxDraft, ...] = ()


class DetectorOverride(msgspec.Struct, frozen=True, kw_only=True):
    """A topic's own choice for one detector: whether it runs, and the settings that
    differ from the defaults (field name → value). Validated by the monitor, not here."""

    topic_id: int
    detector: DetectorName
    enabled: bool = True
    values: dict[str, SettingValue] = msgspec.field(default_factory=dict)
    updated_at: float = 0.0


class AlertStore(Protocol):
    """Everything alerting keeps. Every method is one transaction."""

    def close(self) -> None:
        """Release connections. Further calls are errors."""
        ...

    # -- the atomic write ------------------------------------------------------------------
    def apply(
        self, writes: Sequence[AlertWrite], *, marks: Mapping[str, float] | None = None
    ) -> int:
        """Write every alert, audit entry, evidence, escalation state and outbox draft of
        ``writes``, and set the progress ``marks``, in one transaction. Returns how many
        drafts were new. Raises ConflictError (nothing written) when a guard fails."""
        ...

    # -- alerts ------------------------------------------------------------------------------
    def get_alert(self, alert_id: str) -> AlertRecord:
        """Raises NotFoundError."""
        ...

    def latest_alert(self, fingerprint: str) -> Alert | None:
        """The alert of this fingerprint with the highest occurrence, or None."""
        ...

    def list_alerts(
        self,
        *,
        state: AlertState | None = None,
        active: bool | None = None,
        topic_id: int | None = None,
        limit: int = 100,
    ) -> list[AlertRecord]:
        """Newest change first. ``active`` True keeps open and acknowledged alerts, False
        resolved ones. ``limit`` is clamped to 1..1000."""
        ...

    def audit(self, alert_id: str) -> list[AuditEntry]:
        """The alert's audit trail, oldest first (empty for an unknown alert)."""
        ...

    # -- escalation states --------------------------------------------------------------------
    def due_escalations(self, now: float, limit: int = 500) -> list[EscalationState]:
        """Active escalation states whose next step is due at ``now``, earliest first."""
        ...

    def held_escalations(self, now: float, limit: int = 500) -> list[EscalationState]:
        """Active escalation states a silence holds past ``now``, earliest first."""
        ...

    # -- outbox --------------------------------------------------------------------------------
    def enqueue(self, drafts: Sequence[OutboxDraft]) -> int:
        """Queue drafts as pending messages due at their ``created_at``. A draft whose key
        is taken is skipped. Returns how many were new."""
        ...

    def due_messages(self, now: float, limit: int) -> list[OutboxMessage]:
        """Pending messages whose next attempt is due at ``now``, earliest first."""
        ...

    def mark_sent(self, message_id: int, now: float) -> None:
        """A pending message was delivered. Raises NotFoundError; a message no longer
        pending is left as it is (a second worker's late report changes nothing)."""
        ...

    def mark_retry(self, message_id: int, error: str, next_attempt_at: float) -> None:
        """A pending message failed and is tried again at ``next_attempt_at``."""
        ...

    def mark_failed(self, message_id: int, error: str, now: float) -> None:
        """A pending message failed for good; it stays visible as ``failed``."""
        ...

    def list_outbox(
        self,
        *,
        alert_id: str | None = None,
        state: OutboxState | None = None,
        limit: int = 100,
    ) -> list[OutboxMessage]:
        """Messages, oldest first (by id). ``limit`` is clamped to 1..10000."""
        ...

    # -- silences --------------------------------------------------------------------------------
    def put_silence(self, silence: Silence) -> None:
        """Create or replace the silence with this id."""
        ...

    def delete_silence(self, silence_id: str) -> None:
        """Raises NotFoundError."""
        ...

    def list_silences(self, *, active_at: float | None = None) -> list[Silence]:
        """Every silence (or those muting at ``active_at``), by start time."""
        ...

    # -- teams, policies, routing ------------------------------------------------------------------
    def put_team(self, team: Team) -> None: ...

    def get_team(self, name: str) -> Team:
        """Raises NotFoundError."""
        ...

    def list_teams(self) -> list[Team]: ...

    def delete_team(self, name: str) -> None:
        """Raises NotFoundError."""
        ...

    def put_policy(self, policy: EscalationPolicy) -> None: ...

    def get_policy(self, name: str) -> EscalationPolicy:
        """Raises NotFoundError."""
        ...

    def list_policies(self) -> list[EscalationPolicy]: ...

    def delete_policy(self, name: str) -> None:
        """Raises NotFoundError."""
        ...

    def get_routing(self) -> RoutingTable | None:
        """The routing table, or None before one was saved."""
        ...

    def put_routing(self, table: RoutingTable) -> None: ...

    # -- per-topic detector settings ----------------------------------------------------------------
    def list_overrides(self, topic_id: int | None = None) -> list[DetectorOverride]:
        """Every topic's overrides (or one topic's), by topic then detector."""
        ...

    def put_override(self, override: DetectorOverride) -> None: ...

    def delete_override(self, topic_id: int, detector: DetectorName) -> None:
        """Back to the defaults. Deleting an absent override does nothing."""
        ...

    # -- progress marks ----------------------------------------------------------------------------
    def get_mark(self, name: str) -> float | None:
        """A named progress mark (such as how far the monitor has evaluated), or None."""
        ...
