"""The words of a notification: a plain title and body for one escalation step to one team.

The engine calls a :data:`Renderer` for each outbox draft it writes; this module's
:func:`render_notification` is the default, plain-text and short enough for an SMS
gateway's first screen. A prettier renderer (Markdown, signed acknowledge links) can
replace it: the engine takes any callable of this shape. Pure: no I/O, no clock.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import msgspec

from signalroom.alerting.escalation import Notification
from signalroom.alerting.model import Alert
from signalroom.alerting.teams import Team
from signalroom.clock import to_iso
from signalroom.store.alerts import AlertEvidence

_DETECTOR_TITLES = {
    "spike": "volume spike",
    "sentiment": "negative surge",
    "keyword": "risk keywords",
    "influencer": "influential author",
    "trend": "new trend",
    "manual": "escalated by hand",
}


class Rendered(msgspec.Struct, frozen=True, kw_only=True):
    title: str
    body: str
    ack_url: str = ""
    """The one-click acknowledge link; empty when the renderer has none to give."""


@dataclass(frozen=True, slots=True)
class NotificationContext:
    """Everything a renderer may use for one draft."""

    alert: Alert
    notification: Notification
    team: Team
    channel: str
    topic_name: str
    evidence: AlertEvidence | None


Renderer = Callable[[NotificationContext], Rendered]


def render_notification(context: NotificationContext) -> Rendered:
    """``[CRITICAL] Kestrava Air: negative surge (level 2)`` and the evidence in prose."""
    alert, note = context.alert, context.notification
    what = _DETECTOR_TITLES.get(alert.detector, alert.detector)
    subject = f" {alert.subject}" if alert.subject and alert.detector != "manual" else ""
    level = f"level {note.level + 1}" + (f", repeat {note.repeat}" if note.repeat else "")
    title = f"[{alert.severity.upper()}] {context.topic_name}: {what}{subject} ({level})"
    lines = []
    if context.evidence is not None and context.evidence.summary:
        lines.append(context.evidence.summary)
    lines.append(alert.latest.reason)
    lines.append(
        f"Alert {alert.id}, open since {to_iso(alert.triggered_at)}; "
        f"{alert.count} finding{'s' if alert.count != 1 else ''} so far."
    )
    if context.evidence is not None:
        lines.extend(f"- @{p.author}: {p.url}" for p in context.evidence.top_posts[:3])
    return Rendered(title=title, body="\n".join(lines))
