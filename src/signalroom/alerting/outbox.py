"""The notification outbox: one message per alert step, team and channel, delivered at least
once and recorded exactly once.

Escalation decides *that* a team is due a notification; the engine turns each due step into
one :class:`OutboxDraft` per channel of each target team, saved in the same transaction as
the escalation state, so a crash between "decided" and "sent" neither loses nor repeats a
step. Delivery workers take due messages, send them, and record the outcome; failures are
retried with backoff and stay visible. Plain data: no I/O, no clock.
"""

from __future__ import annotations

from typing import Literal

import msgspec

OutboxState = Literal["pending", "sent", "failed"]
OUTBOX_STATES: tuple[OutboxState, ...] = ("pending", "sent", "failed")


class OutboxDraft(msgspec.Struct, frozen=True, kw_only=True):
    """A message to deliver, before the store gives it an id.

    ``key`` is unique: ``<notification key>/<team>/<channel index>``; enqueueing a draft whose
    key exists already does nothing (that is what makes a replayed step harmless).
    ``channel`` is what to deliver through: an Apprise URL given by secret reference
    (``env:NAME``/``file:/path``), or ``webhook:<team>`` for the team's signed webhook.
    """

    key: str
    alert_id: str
    team: str
    channel: str
    title: str
    body: str
    ack_url: str
    """The signed one-click acknowledge link (empty when no public URL is configured)."""
    created_at: float


class OutboxMessage(msgspec.Struct, frozen=True, kw_only=True):
    id: int
    key: str
    alert_id: str
    team: str
    channel: str
    title: str
    body: str
    ack_url: str
    created_at: float
    state: OutboxState
    attempts: int
    next_attempt_at: float
    last_error: str = ""
    sent_at: float | None = None
