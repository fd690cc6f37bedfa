"""PUT /api/posts/{id}/sentiment and GET /api/posts/{id}: a person's label wins over the
model's for the post and its rollups, says who made it and keeps what the model said; bad
input is a 400 naming the field, an unknown post a 404; every live client hears of it."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote

import httpx
import pytest
from websockets.sync.client import connect

from signalroom.clock import ManualClock, to_iso
from signalroom.store.sqlite import SqliteStore
from tests.web.builders import NOW, add_topic, enriched_post, write
from tests.web.live_server import LiveServer


def path(post_id: str, suffix: str = "") -> str:
    return f"/api/posts/{quote(post_id, safe='')}{suffix}"


def correct(client: httpx.Client, post_id: str, label: str, by: str) -> httpx.Response:
    return client.put(path(post_id, "/sentiment"), json={"label": label, "by": by})


def split(client: httpx.Client) -> dict[int, tuple[int, int, int]]:
    """Per topic: (negative, neutral, positive) over the last hour of minute rollups."""
    items = client.get("/api/rollups", params={"until": NOW + 60}).json()["items"]
    totals: dict[int, tuple[int, int, int]] = {}
    for r in items:
        neg, neu, pos = totals.get(r["topic_id"], (0, 0, 0))
        totals[r["topic_id"]] = (neg + r["negative"], neu + r["neutral"], pos + r["positive"])
    return totals


def error(response: httpx.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()["error"]
    return body


def test_correction_changes_label_score_and_records_who(
    client: httpx.Client, store: SqliteStore, clock: ManualClock
) -> None:
    topic = add_topic(store, "Acme", "acme")
    post = enriched_post("acme lost my bag", created_at=NOW - 30, topics=(topic.id,))
    write(store, post)
    clock.advance(12)

    response = correct(client, post.post.id, "negative", "  Ana Ruiz ")

    assert response.status_code == 200, response.text
    body = response.json()
    assert body["id"] == post.post.id
    assert body["text"] == "acme lost my bag"
    assert body["sentiment"] == {
        "label": "negative",
        "score": -1.0,
        "corrected_by": "Ana Ruiz",
        "corrected_at": to_iso(NOW + 12),
        "model_label": "neutral",
        "model_score": 0.0,
    }
    assert client.get(path(post.post.id)).json() == body
    listed = client.get("/api/posts").json()["items"]
    assert [item["sentiment"] for item in listed] == [body["sentiment"]]
    assert store.get_post(post.post.id).enrichment.sentiment.label == "negative"


def test_correction_shows_in_the_sentiment_filter(client: httpx.Client, store: SqliteStore) -> None:
    post = enriched_post("meh", created_at=NOW - 5, sentiment="positive")
    write(store, post)

    assert correct(client, post.post.id, "negative", "Ana").status_code == 200

    def ids(label: str) -> list[str]:
        items = client.get("/api/posts", params={"sentiment": label}).json()["items"]
        return [item["id"] for item in items]

    assert ids("negative") == [post.post.id]
    assert ids("positive") == []


def test_correction_moves_the_post_between_rollup_counts(
    client: httpx.Client, store: SqliteStore
) -> None:
    acme = add_topic(store, "Acme", "acme")
    globex = add_topic(store, "Globex", "globex")
    target = enriched_post(
        "acme and globex", created_at=NOW - 90, topics=(acme.id, globex.id), sentiment="positive"
    )
    write(
        store,
        target,
        enriched_post("acme again", created_at=NOW - 85, topics=(acme.id,), sentiment="positive"),
        enriched_post("globex ok", created_at=NOW - 20, topics=(globex.id,)),
    )
    assert split(client) == {acme.id: (0, 0, 2), globex.id: (0, 1, 1)}

    assert correct(client, target.post.id, "negative", "Ana").status_code == 200

    assert split(client) == {acme.id: (1, 0, 1), globex.id: (1, 1, 0)}
    volumes = client.get("/api/rollups", params={"until": NOW + 60}).json()["items"]
    assert sum(r["volume"] for r in volumes) == 4


def test_second_correction_replaces_the_first_and_keeps_the_model_verdict(
    client: httpx.Client, store: SqliteStore, clock: ManualClock
) -> None:
    topic = add_topic(store, "Acme", "acme")
    post = enriched_post("acme fine", created_at=NOW - 10, topics=(topic.id,), sentiment="positive")
    write(store, post)

    correct(client, post.post.id, "negative", "Ana")
    clock.advance(60)
    second = correct(client, post.post.id, "neutral", "Lee")

    assert second.status_code == 200
    assert second.json()["sentiment"] == {
        "label": "neutral",
        "score": 0.0,
        "corrected_by": "Lee",
        "corrected_at": to_iso(NOW + 60),
        "model_label": "positive",
        "model_score": 0.7,
    }
    assert split(client) == {topic.id: (0, 1, 0)}


def test_uncorrected_post_says_so(client: httpx.Client, store: SqliteStore) -> None:
    post = enriched_post("fine", created_at=NOW - 10, sentiment="positive")
    write(store, post)

    sentiment = client.get(path(post.post.id)).json()["sentiment"]

    assert sentiment == {
        "label": "positive",
        "score": 0.7,
        "corrected_by": None,
        "corrected_at": None,
        "model_label": None,
        "model_score": None,
    }


def test_post_ids_with_slashes_and_colons_reach_their_post(
    client: httpx.Client, store: SqliteStore
) -> None:
    post = enriched_post(
        "feed entry", created_at=NOW - 10, source="rss", native_id="https://news.example/a/b?c=1"
    )
    write(store, post)

    assert client.get(path(post.post.id)).json()["id"] == "rss:https://news.example/a/b?c=1"
    response = correct(client, post.post.id, "positive", "Ana")
    assert response.status_code == 200, response.text
    assert response.json()["sentiment"]["corrected_by"] == "Ana"


def test_unknown_post_is_404(client: httpx.Client) -> None:
    assert error(client.get(path("bluesky:nope")), 404)["code"] == "not_found"
    assert error(correct(client, "bluesky:nope", "negative", "Ana"), 404)["code"] == "not_found"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"label": "angry", "by": "Ana"}, "label"),
        ({"label": "Negative", "by": "Ana"}, "label"),
        ({"label": 1, "by": "Ana"}, "label"),
        ({"by": "Ana"}, "label"),
        ({"label": "negative"}, "by"),
        ({"label": "negative", "by": "   "}, "by"),
        ({"label": "negative", "by": "x" * 81}, "by"),
        ({"label": "negative", "by": "Ana\nRuiz"}, "by"),
        ({"label": "negative", "by": 7}, "by"),
        ({"label": "negative", "by": "Ana", "score": -1}, "score"),
    ],
)
def test_bad_correction_is_400_naming_the_field(
    client: httpx.Client, store: SqliteStore, body: dict[str, Any], field: str
) -> None:
    post = enriched_post("meh", created_at=NOW - 10)
    write(store, post)

    problem = error(client.put(path(post.post.id, "/sentiment"), json=body), 400)

    assert problem["code"] == "bad_request"
    assert problem["field"] == field
    assert store.get_post(post.post.id).correction is None


def test_correction_body_must_be_json(client: httpx.Client, store: SqliteStore) -> None:
    post = enriched_post("meh", created_at=NOW - 10)
    write(store, post)

    response = client.put(
        path(post.post.id, "/sentiment"),
        content=b"negative",
        headers={"Content-Type": "application/json"},
    )

    assert error(response, 400)["field"] == "body"


def test_correction_is_announced_to_live_clients(
    server: LiveServer, client: httpx.Client, store: SqliteStore
) -> None:
    topic = add_topic(store, "Acme", "acme")
    post = enriched_post("acme ok", created_at=NOW - 10, topics=(topic.id,))
    write(store, post)

    with connect(server.live_url) as socket:
        assert json.loads(socket.recv(timeout=10))["type"] == "hello"
        answer = correct(client, post.post.id, "positive", "Ana").json()
        updated = json.loads(socket.recv(timeout=10))
        rollups = json.loads(socket.recv(timeout=10))

    assert updated == {"type": "post_updated", "item": answer}
    assert rollups["type"] == "rollups"
    assert rollups["bucket"] == "minute"
    assert [(r["topic_id"], r["neutral"], r["positive"]) for r in rollups["items"]] == [
        (topic.id, 0, 1)
    ]
    assert rollups["items"] == split_items(client)


def split_items(client: httpx.Client) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = client.get("/api/rollups", params={"until": NOW + 60}).json()[
        "items"
    ]
    return items
