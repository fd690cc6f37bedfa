"""/api/alerts and /api/outbox against a real node: alerts the engine raised from stored
posts, with their evidence, audit and deliveries; acknowledge, resolve and manual
escalation through the engine; the live ``alert`` event; and clear 400s for bad input."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from websockets.sync.client import connect

from signalroom.bus.memory import MemoryBroadcaster
from tests.monitor.harness import CHANNELS, T0
from tests.web.alert_system import AlertNode, alert_node, error


@pytest.fixture
def node(tmp_path: Path) -> Iterator[AlertNode]:
    with alert_node(tmp_path) as made:
        yield made


def act(node: AlertNode, alert_id: str, action: str, by: str, note: str = "") -> Any:
    return node.client.post(f"/api/alerts/{alert_id}/{action}", json={"by": by, "note": note})


def test_alerts_list_shows_the_engine_alert_with_its_evidence(node: AlertNode) -> None:
    item = node.raise_keyword_alert()

    assert item["topic_id"] == node.system.risk.id
    assert item["topic_name"] == "Acme recalls"
    assert (item["detector"], item["state"], item["severity"]) == ("keyword", "open", "warning")
    assert item["reason"] == "5 posts matched the risk query in the last 15 min (trigger: 3)"
    assert item["observed"] == 5
    assert item["band"] == [0, 2]
    assert item["peak"]["onset"] == "2023-11-14T00:02:00.000Z"
    evidence = item["evidence"]
    assert evidence["summary"].startswith("5 posts matched Acme recalls in the last 15 min")
    assert evidence["top_posts"][0]["author"] == "user4"
    assert evidence["top_posts"][0]["created_at"] == "2023-11-14T00:02:59.000Z"
    assert [t["term"] for t in evidence["top_terms"][:2]] == ["#battery", "#recall"]
    assert evidence["top_authors"][0] == {"handle": "user4", "followers": 5000, "posts": 1}
    assert item["escalation"] == {
        "policy": "crisis",
        "status": "active",
        "next_step": 1,
        "next_at": "2023-11-14T00:20:00.000Z",
        "held": False,
    }


def test_alerts_list_filters_by_state_and_topic(node: AlertNode) -> None:
    item = node.raise_keyword_alert()

    def ids(**params: Any) -> list[str]:
        answer = node.client.get("/api/alerts", params=params)
        assert answer.status_code == 200, answer.text
        return [a["id"] for a in answer.json()["items"]]

    assert ids(state="active") == [item["id"]]
    assert ids(state="open", topic="Acme recalls") == [item["id"]]
    assert ids(topic=str(node.system.brand.id)) == []
    assert ids(state="resolved") == []
    act(node, item["id"], "resolve", "Ana")
    assert ids(state="resolved", limit="1") == [item["id"]]
    assert ids(state="active") == []


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"state": "closed"}, "state"),
        ({"limit": "0"}, "limit"),
        ({"limit": "many"}, "limit"),
        ({"topic": "Nope"}, "topic"),
    ],
)
def test_alerts_list_names_the_bad_parameter(
    node: AlertNode, params: dict[str, str], field: str
) -> None:
    found = error(node.client.get("/api/alerts", params=params), 400)
    assert (found["code"], found["field"]) == ("bad_request", field)


def test_alert_detail_carries_audit_and_deliveries(node: AlertNode) -> None:
    item = node.raise_keyword_alert()

    detail = node.client.get(f"/api/alerts/{item['id']}").json()

    assert {k: v for k, v in detail.items() if k not in ("audit", "deliveries")} == item
    assert [(e["action"], e["actor"]) for e in detail["audit"]] == [("opened", "system")]
    assert detail["audit"][0]["at"] == "2023-11-14T00:05:00.000Z"
    deliveries = detail["deliveries"]
    assert len(deliveries) == CHANNELS["social"]
    assert {(d["team"], d["channel"], d["state"]) for d in deliveries} == {
        ("social", "env:SLACK_SOCIAL", "pending"),
        ("social", "env:MAIL_SOCIAL", "pending"),
    }
    assert deliveries[0]["title"] == "[WARNING] Acme recalls: risk keywords (level 1)"
    assert "body" not in deliveries[0]
    assert "ack_url" not in deliveries[0]


def test_alert_detail_of_an_unknown_alert_is_404(node: AlertNode) -> None:
    assert error(node.client.get("/api/alerts/0123456789abcdef-1"), 404)["code"] == "not_found"


def test_alert_ack_stops_escalation_and_a_second_ack_is_a_conflict(node: AlertNode) -> None:
    item = node.raise_keyword_alert()

    acked = act(node, item["id"], "ack", "  Ana Ruiz ", "on it")
    again = act(node, item["id"], "ack", "Ben")

    assert acked.status_code == 200, acked.text
    body = acked.json()
    assert (body["state"], body["acknowledged_by"]) == ("acknowledged", "Ana Ruiz")
    assert body["acknowledged_at"] == "2023-11-14T00:06:00.000Z"
    assert body["escalation"]["status"] == "stopped"
    assert body["evidence"] == item["evidence"]
    conflict = error(again, 409)
    assert conflict["code"] == "conflict"
    assert "already acknowledged by Ana Ruiz" in conflict["message"]
    audit = node.client.get(f"/api/alerts/{item['id']}").json()["audit"]
    assert [(e["action"], e["actor"], e["note"]) for e in audit][1:] == [
        ("acknowledged", "Ana Ruiz", "on it")
    ]
    # Escalation stopped: a later level never reaches the outbox.
    node.run(60)
    teams = {m["team"] for m in node.client.get("/api/outbox").json()["items"]}
    assert teams == {"social"}


def test_alert_resolve_closes_it_and_a_second_resolve_is_a_conflict(node: AlertNode) -> None:
    item = node.raise_keyword_alert()

    resolved = act(node, item["id"], "resolve", "Ana", "false alarm")
    again = act(node, item["id"], "resolve", "Ana")
    ack_after = act(node, item["id"], "ack", "Ana")

    assert resolved.status_code == 200, resolved.text
    assert (resolved.json()["state"], resolved.json()["resolved_by"]) == ("resolved", "Ana")
    assert "already resolved by Ana" in error(again, 409)["message"]
    assert "already resolved by Ana" in error(ack_after, 409)["message"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"by": "   "}, "by"),
        ({"by": "x" * 81}, "by"),
        ({"by": "Ana", "note": "n" * 2001}, "note"),
        ({"by": "Ana", "why": "?"}, "why"),
        ({}, "by"),
    ],
)
def test_alert_ack_names_the_bad_field(node: AlertNode, body: dict[str, Any], field: str) -> None:
    item = node.raise_keyword_alert()

    found = error(node.client.post(f"/api/alerts/{item['id']}/ack", json=body), 400)

    assert found["field"] == field
    assert node.client.get(f"/api/alerts/{item['id']}").json()["state"] == "open"


def test_alert_ack_of_an_unknown_alert_is_404(node: AlertNode) -> None:
    assert error(act(node, "0123456789abcdef-1", "ack", "Ana"), 404)["code"] == "not_found"


def test_manual_escalation_to_a_team_raises_a_routed_alert_and_queues_its_drafts(
    node: AlertNode,
) -> None:
    s = node.system
    post = s.post(s.brand, T0 - 30, text="kestrava lost my bags", handle="angry")
    s.commit(post)

    answer = node.client.post(
        "/api/alerts/escalate",
        json={
            "topic_id": s.brand.id,
            "team": "comms",
            "note": "journalist asking",
            "by": "Ana",
            "post_id": post.post.id,
            "severity": "warning",
        },
    )

    assert answer.status_code == 201, answer.text
    alert = answer.json()
    assert (alert["detector"], alert["state"], alert["severity"]) == ("manual", "open", "warning")
    assert alert["subject"] == post.post.id
    assert alert["topic_name"] == "Kestrava Air"
    assert alert["reason"] == "escalated by Ana: journalist asking"
    assert alert["escalation"]["policy"] == "team:comms"
    assert alert["evidence"]["top_posts"][0]["id"] == post.post.id
    outbox = node.client.get("/api/outbox", params={"alert": alert["id"]}).json()["items"]
    assert {(m["team"], m["channel"]) for m in outbox} == {
        ("comms", "file:/run/secrets/comms_sms"),
        ("comms", "webhook:comms"),
    }
    audit = node.client.get(f"/api/alerts/{alert['id']}").json()["audit"]
    assert [(e["action"], e["actor"]) for e in audit] == [("opened", "Ana")]


def test_manual_escalation_of_a_chart_point_follows_a_policy(node: AlertNode) -> None:
    s = node.system
    answer = node.client.post(
        "/api/alerts/escalate",
        json={
            "topic_id": s.brand.id,
            "team": "crisis",
            "note": "this jump",
            "by": "Ana",
            "point": {"at": "2023-11-13T23:58:00Z", "value": 42},
        },
    )

    assert answer.status_code == 201, answer.text
    alert = answer.json()
    assert alert["subject"] == "point 2023-11-13T23:58:00.000Z"
    assert alert["observed"] == 42
    assert alert["severity"] == "critical"
    assert alert["escalation"]["policy"] == "crisis"
    teams = {m["team"] for m in node.client.get("/api/outbox").json()["items"]}
    assert teams == {"social"}


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"team": "nobody"}, "team"),
        ({"topic_id": 999}, "topic_id"),
        ({"topic_id": "one"}, "topic_id"),
        ({"post_id": "demo:missing"}, "post_id"),
        ({"note": "  "}, "note"),
        ({"by": ""}, "by"),
        ({"severity": "panic"}, "severity"),
        ({"point": {"at": "yesterday", "value": 1}}, "point.at"),
        ({"point": {"at": 1_700_000_000, "value": "many"}}, "point.value"),
    ],
)
def test_manual_escalation_names_the_bad_field(
    node: AlertNode, change: dict[str, Any], field: str
) -> None:
    body = {"topic_id": node.system.brand.id, "team": "social", "note": "look", "by": "Ana"}

    found = error(node.client.post("/api/alerts/escalate", json=body | change), 400)

    assert found["field"] == field
    assert node.client.get("/api/alerts").json()["items"] == []
    assert node.client.get("/api/outbox").json()["items"] == []


def test_outbox_lists_deliveries_by_state_and_shows_failures(node: AlertNode) -> None:
    item = node.raise_keyword_alert()
    s = node.system
    first, second = s.alerts.list_outbox()
    s.alerts.mark_sent(first.id, s.clock.now())
    s.alerts.mark_failed(second.id, "HTTP 500 from hooks.slack.com", s.clock.now())

    def states(**params: str) -> list[tuple[int, str, str]]:
        answer = node.client.get("/api/outbox", params=params)
        assert answer.status_code == 200, answer.text
        return [(m["id"], m["state"], m["last_error"]) for m in answer.json()["items"]]

    assert states() == [
        (first.id, "sent", ""),
        (second.id, "failed", "HTTP 500 from hooks.slack.com"),
    ]
    assert states(state="failed") == [(second.id, "failed", "HTTP 500 from hooks.slack.com")]
    assert states(state="pending") == []
    assert states(alert=item["id"], limit="1") == [(first.id, "sent", "")]
    assert states(alert="nope-1") == []
    sent = node.client.get("/api/outbox", params={"state": "sent"}).json()["items"][0]
    assert sent["sent_at"] == "2023-11-14T00:06:00.000Z"
    assert error(node.client.get("/api/outbox", params={"state": "lost"}), 400)["field"] == "state"


def test_alert_changes_are_announced_as_live_events(node: AlertNode) -> None:
    item = node.raise_keyword_alert()

    with connect(node.server.live_url) as socket:
        assert json.loads(socket.recv(timeout=10))["type"] == "hello"
        acked = act(node, item["id"], "ack", "Ana").json()
        ack_event = json.loads(socket.recv(timeout=10))
        resolved = act(node, item["id"], "resolve", "Ana").json()
        resolve_event = json.loads(socket.recv(timeout=10))
        escalated = node.client.post(
            "/api/alerts/escalate",
            json={"topic_id": node.system.brand.id, "team": "social", "note": "x", "by": "Ana"},
        ).json()
        escalate_event = json.loads(socket.recv(timeout=10))

    assert ack_event == {"type": "alert", "item": acked}
    assert resolve_event == {"type": "alert", "item": resolved}
    assert escalate_event == {"type": "alert", "item": escalated}


class DownBroadcaster(MemoryBroadcaster):
    """A bus that is down: every publish fails, as a lost Redis connection would."""

    async def publish(self, channel: str, data: bytes) -> None:
        raise ConnectionError("the bus is down")


def test_alert_ack_succeeds_when_the_live_bus_fails(tmp_path: Path) -> None:
    with alert_node(tmp_path, DownBroadcaster()) as node:
        item = node.raise_keyword_alert()

        answer = act(node, item["id"], "ack", "Ana")

        assert answer.status_code == 200, answer.text
        assert node.system.alerts.get_alert(item["id"]).alert.state == "acknowledged"
