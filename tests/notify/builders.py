"""Outbox messages for the notify tests, shaped as the engine writes them."""

from __future__ import annotations

from signalroom.alerting.outbox import OutboxMessage
from signalroom.notify.message import NotificationContext, render_notification
from tests.alerting.factory import T0, open_alert

ACK_URL = "https://signalroom.example/ack/eyJhbGVydCI6MX0.c2lnbmF0dXJl"
CONSOLE_URL = "https://signalroom.example/alerts/abc-1"


def outbox_message(
    channel: str,
    *,
    message_id: int = 1,
    team: str = "comms",
    attempts: int = 0,
    next_attempt_at: float = T0,
) -> OutboxMessage:
    alert = open_alert(subject="#recall")
    rendered = render_notification(
        alert,
        NotificationContext(
            topic_name="Kestrava Air",
            summary="Mentions of #recall rose to 120 in the last hour, six times the usual.",
            level=1,
            policy="comms-oncall",
            top_posts=[("@pilot_jo", "Is the *recall* real? <b>", "https://bsky.app/p/1")],
            ack_url=ACK_URL,
            console_url=CONSOLE_URL,
        ),
    )
    return OutboxMessage(
        id=message_id,
        key=f"{alert.id}/1/0/{team}/{message_id}",
        alert_id=alert.id,
        team=team,
        channel=channel,
        title=rendered.title,
        body=rendered.markdown,
        ack_url=ACK_URL,
        created_at=T0,
        state="pending",
        attempts=attempts,
        next_attempt_at=next_attempt_at,
    )
