"""GET /api/posts: newest first in the wire shape, filtered by topic (id or exact name),
time, sentiment, language and source, paged by cursor; every bad value a 400 naming it."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from signalroom.store.sqlite import SqliteStore
from signalroom.wire import post_json
from tests.web.builders import NOW, add_topic, enriched_post, write


def texts(response: httpx.Response) -> list[str]:
    assert response.status_code == 200, response.text
    return [item["text"] for item in response.json()["items"]]


def test_posts_newest_first_in_the_wire_shape(client: httpx.Client, store: SqliteStore) -> None:
    topic = add_topic(store, "Acme", "acme")
    older = enriched_post("acme one", created_at=NOW - 120, topics=(topic.id,))
    newer = enriched_post("acme two", created_at=NOW - 60, topics=(topic.id,), sentiment="positive")
    write(store, older, newer)

    body = client.get("/api/posts").json()

    shown = [post_json(item) for item in (newer, older)]
    assert body == {"items": shown, "next_cursor": None}
    for key in (
        "id",
        "source",
        "url",
        "author",
        "text",
        "title",
        "created_at",
        "lang",
        "sentiment",
        "topics",
    ):
        assert key in body["items"][0]


def test_posts_cursor_pages_through_everything_once(
    client: httpx.Client, store: SqliteStore
) -> None:
    write(store, *(enriched_post(f"post {i}", created_at=NOW - 100 + i) for i in range(7)))

    seen: list[str] = []
    cursor: str | None = None
    pages = 0
    while True:
        params: dict[str, Any] = {"limit": 3}
        if cursor:
            params["cursor"] = cursor
        body = client.get("/api/posts", params=params).json()
        seen += [item["text"] for item in body["items"]]
        pages += 1
        cursor = body["next_cursor"]
        if cursor is None:
            break

    assert pages == 3
    assert seen == [f"post {i}" for i in reversed(range(7))]


def test_posts_filter_by_topic_id_or_exact_name(client: httpx.Client, store: SqliteStore) -> None:
    acme = add_topic(store, "Acme", "acme")
    globex = add_topic(store, "Globex 2025", "globex")
    write(
        store,
        enriched_post("acme news", created_at=NOW - 3, topics=(acme.id,)),
        enriched_post("globex news", created_at=NOW - 2, topics=(globex.id,)),
        enriched_post("both", created_at=NOW - 1, topics=(acme.id, globex.id)),
    )

    assert texts(client.get("/api/posts", params={"topic": acme.id})) == ["both", "acme news"]
    assert texts(client.get("/api/posts", params={"topic": "Globex 2025"})) == [
        "both",
        "globex news",
    ]


def test_posts_filter_by_time_sentiment_lang_and_source(
    client: httpx.Client, store: SqliteStore
) -> None:
    write(
        store,
        enriched_post("old", created_at=NOW - 7200),
        enriched_post("angry", created_at=NOW - 50, sentiment="negative"),
        enriched_post("magyar", created_at=NOW - 40, lang="hu"),
        enriched_post("toot", created_at=NOW - 30, source="mastodon"),
    )

    assert texts(client.get("/api/posts", params={"since": "2025-06-15T15:00:00Z"})) == [
        "toot",
        "magyar",
        "angry",
    ]
    assert texts(client.get("/api/posts", params={"until": str(NOW - 3600)})) == ["old"]
    assert texts(
        client.get("/api/posts", params={"since": NOW - 45, "until": "2025-06-15T17:59:25+02:00"})
    ) == ["magyar"]
    assert texts(client.get("/api/posts", params={"sentiment": "negative"})) == ["angry"]
    assert texts(client.get("/api/posts", params={"lang": "HU"})) == ["magyar"]
    assert texts(client.get("/api/posts", params={"source": "mastodon"})) == ["toot"]


def test_posts_empty_store_is_an_empty_page(client: httpx.Client) -> None:
    assert client.get("/api/posts").json() == {"items": [], "next_cursor": None}


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"limit": "0"}, "limit"),
        ({"limit": "501"}, "limit"),
        ({"limit": "ten"}, "limit"),
        ({"since": "yesterday"}, "since"),
        ({"since": "nan"}, "since"),
        ({"until": "1e300"}, "until"),
        ({"until": "2025-13-45"}, "until"),
        ({"sentiment": "angry"}, "sentiment"),
        ({"lang": "e n"}, "lang"),
        ({"topic": "no such topic"}, "topic"),
        ({"topic": "999"}, "topic"),
        ({"cursor": "not-a-cursor"}, "cursor"),
        ({"since": str(NOW), "until": str(NOW - 60)}, "since"),
    ],
)
def test_posts_bad_parameter_is_400_naming_it(
    client: httpx.Client, params: dict[str, str], field: str
) -> None:
    response = client.get("/api/posts", params=params)

    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "bad_request"
    assert error["field"] == field
    assert field in error["message"]


def test_posts_filter_by_moderation_verdict_and_complaint(
    client: httpx.Client, store: SqliteStore
) -> None:
    import msgspec

    from signalroom.models import Moderation

    def judged(text: str, seconds: float, verdict: str, complaint: bool) -> Any:
        item = enriched_post(text, created_at=NOW - seconds)
        enrichment = msgspec.structs.replace(
            item.enrichment,
            moderation=Moderation(verdict=verdict, reasons=(), score=0.0),  # type: ignore[arg-type]
            complaint=complaint,
            complaint_score=0.9 if complaint else 0.1,
        )
        return msgspec.structs.replace(item, enrichment=enrichment)

    write(
        store,
        judged("fine", 1, "safe", False),
        judged("my bag never arrived", 2, "safe", True),
        judged("rude", 3, "block", True),
        judged("borderline", 4, "review", False),
    )

    def texts(**params: str) -> list[str]:
        response = client.get("/api/posts", params=params)
        assert response.status_code == 200, response.text
        return [item["text"] for item in response.json()["items"]]

    assert texts(moderation="safe") == ["fine", "my bag never arrived"]
    assert texts(moderation="review") == ["borderline"]
    assert texts(complaint="true") == ["my bag never arrived", "rude"]
    assert texts(complaint="false", moderation="safe") == ["fine"]
    item = client.get("/api/posts", params={"complaint": "true"}).json()["items"][0]
    assert item["complaint"] == {"is_complaint": True, "score": 0.9}
    assert item["moderation"]["verdict"] == "safe"

    bad = client.get("/api/posts", params={"moderation": "ok"})
    assert bad.status_code == 400
    assert bad.json()["error"]["field"] == "moderation"
    assert client.get("/api/posts", params={"complaint": "maybe"}).status_code == 400
