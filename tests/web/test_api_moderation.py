"""/api/moderation/rules and PUT /api/posts/{id}/moderation: rules are validated, stored and
announced to the composition root; a person's verdict wins, can be undone, and every live
client hears of it."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote

import httpx
from websockets.sync.client import connect

from signalroom.store.sqlite import SqliteStore
from tests.web.builders import NOW, add_topic, enriched_post, write
from tests.web.live_server import LiveServer


def error(response: httpx.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()["error"]
    return body


def rule(kind: str, action: str, value: str, by: str = "Ana") -> dict[str, str]:
    return {"kind": kind, "action": action, "value": value, "by": by}


def test_rules_are_added_listed_and_deleted(client: httpx.Client, server: LiveServer) -> None:
    created = client.post("/api/moderation/rules", json=rule("word", "block", " Zorp "))
    assert created.status_code == 201, created.text
    body = created.json()
    assert (body["kind"], body["action"], body["value"], body["created_by"]) == (
        "word",
        "block",
        "zorp",
        "Ana",
    )
    assert client.get("/api/moderation/rules").json()["items"] == [body]
    assert server.rule_changes == 1
    assert client.delete(f"/api/moderation/rules/{body['id']}").status_code == 204
    assert client.get("/api/moderation/rules").json()["items"] == []
    assert server.rule_changes == 2
    assert error(client.delete(f"/api/moderation/rules/{body['id']}"), 404)


def test_rules_refuse_bad_input_with_the_field(client: httpx.Client, server: LiveServer) -> None:
    assert (
        error(client.post("/api/moderation/rules", json=rule("colour", "block", "x")), 400)["field"]
        == "kind"
    )
    assert (
        error(client.post("/api/moderation/rules", json=rule("word", "hide", "x")), 400)["field"]
        == "action"
    )
    assert (
        error(client.post("/api/moderation/rules", json=rule("word", "block", "a b")), 400)["field"]
        == "value"
    )
    assert (
        error(client.post("/api/moderation/rules", json=rule("word", "block", "x", "")), 400)[
            "field"
        ]
        == "by"
    )
    client.post("/api/moderation/rules", json=rule("domain", "allow", "news.example"))
    assert error(
        client.post("/api/moderation/rules", json=rule("domain", "allow", "NEWS.example")), 409
    )
    assert server.rule_changes == 1


def test_a_persons_verdict_wins_is_announced_and_can_be_undone(
    client: httpx.Client, server: LiveServer, store: SqliteStore
) -> None:
    topic = add_topic(store, "Acme", "acme")
    item = enriched_post("acme is great", created_at=NOW - 30, topics=(topic.id,))
    write(store, item)
    url = f"/api/posts/{quote(item.post.id, safe='')}/moderation"
    with connect(server.live_url) as socket:
        assert json.loads(socket.recv(timeout=10))["type"] == "hello"
        hidden = client.put(url, json={"verdict": "block", "by": "Ana", "note": "spoiler"})
        assert hidden.status_code == 200, hidden.text
        event = json.loads(socket.recv(timeout=10))
    assert event == {"type": "post_updated", "item": hidden.json()}
    moderation = hidden.json()["moderation"]
    assert moderation["verdict"] == "block"
    assert moderation["decision"]["by"] == "Ana"
    assert moderation["decision"]["model_verdict"] == "safe"
    assert client.get("/api/posts", params={"moderation": "safe"}).json()["items"] == []
    restored = client.put(url, json={"verdict": None, "by": "Ana"}).json()["moderation"]
    assert (restored["verdict"], restored["decision"]) == ("safe", None)
    assert error(client.put(url, json={"verdict": "maybe", "by": "Ana"}), 400)["field"] == "verdict"
    missing = f"/api/posts/{quote('bluesky:nope', safe='')}/moderation"
    assert error(client.put(missing, json={"verdict": "safe", "by": "Ana"}), 404)
