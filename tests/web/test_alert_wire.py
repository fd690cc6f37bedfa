"""The JSON of alerting: what the API and the live event say about an alert, a routing
table that was never saved, numbers JSON cannot hold, and deliveries without secrets."""

from __future__ import annotations

import json
import math

from signalroom.alerting.escalation import EscalationState
from signalroom.alerting.model import Alert
from signalroom.alerting.outbox import OutboxMessage
from signalroom.detectors.base import Finding
from signalroom.fielddocs import field_help
from signalroom.store.alerts import AlertRecord
from signalroom.web.alert_wire import alert_event, alert_json, number, outbox_json, routing_json

T = 1_699_920_000.0


def finding(score: float) -> Finding:
    return Finding("influencer", T, 2_000_000, 50_000, 0, 50_000, score, "critical", "big", "@vip")


def record() -> AlertRecord:
    alert = Alert(
        id="0123456789abcdef-1",
        fingerprint="0123456789abcdef",
        occurrence=1,
        topic_id=3,
        detector="influencer",
        subject="@vip",
        state="open",
        severity="critical",
        trigger=1,
        opened_at=T,
        triggered_at=T,
        last_seen=T,
        updated_at=T,
        count=1,
        latest=finding(math.inf),
        peak=finding(math.inf),
    )
    escalation = EscalationState(
        alert_id=alert.id, trigger=1, policy="crisis", status="active", next_at=T + 900
    )
    return AlertRecord(alert=alert, escalation=escalation)


def test_alert_json_holds_every_field_of_the_contract() -> None:
    body = alert_json(record(), None)

    assert list(body) == [
        "id", "fingerprint", "topic_id", "topic_name", "detector", "subject", "state",
        "severity", "trigger", "count", "opened_at", "triggered_at", "last_seen", "updated_at",
        "acknowledged_at", "acknowledged_by", "resolved_at", "resolved_by", "reason",
        "observed", "expected", "band", "peak", "evidence", "escalation", "takeover",
    ]  # fmt: skip
    assert body["topic_name"] is None
    assert body["peak"]["score"] is None
    assert body["band"] == [0, 50_000]
    assert body["escalation"] == {
        "policy": "crisis",
        "status": "active",
        "next_step": 0,
        "next_at": "2023-11-14T00:15:00.000Z",
        "held": False,
    }
    assert body["evidence"] is None


def test_alert_event_is_the_alert_json_in_an_alert_event() -> None:
    event = json.loads(alert_event(record(), "Acme"))

    assert event == {"type": "alert", "item": alert_json(record(), "Acme")}
    assert list(event) == ["type", "item"]


def test_numbers_that_json_cannot_hold_become_null() -> None:
    assert [number(math.inf), number(-math.inf), number(math.nan), number(1 / 3)] == [
        None,
        None,
        None,
        0.3333,
    ]


def test_routing_before_one_is_saved_is_the_default_policy() -> None:
    assert routing_json(None) == {"default_policy": "default", "routes": []}


def test_outbox_json_never_carries_the_body_or_the_ack_link() -> None:
    message = OutboxMessage(
        id=1,
        key="a-1/1/0/social/0",
        alert_id="a-1",
        team="social",
        channel="env:SLACK",
        title="t",
        body="secret-ish body",
        ack_url="https://x.test/ack/token",
        created_at=T,
        state="pending",
        attempts=0,
        next_attempt_at=T,
    )

    text = json.dumps(outbox_json(message))

    assert "token" not in text
    assert "secret-ish" not in text
    assert json.loads(text)["channel"] == "env:SLACK"


def test_field_help_reads_each_setting_docstring() -> None:
    class Example:
        rate: float = 1.0
        """How fast,
        in   units."""
        plain: int = 2

    assert field_help(Example) == {"rate": "How fast, in units."}
    assert field_help(int) == {}
