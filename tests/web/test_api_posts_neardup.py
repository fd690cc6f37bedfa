"""GET /api/posts and /api/posts/{id} show each post's key phrases and near-duplicate
group, and ``dup_group=`` lists one group, newest first."""

from __future__ import annotations

import httpx
import msgspec

from signalroom.models import EnrichedPost
from signalroom.store.sqlite import SqliteStore
from tests.web.builders import NOW, add_topic, enriched_post, write


def grouped(item: EnrichedPost, group: str | None, keywords: tuple[str, ...]) -> EnrichedPost:
    enrichment = msgspec.structs.replace(item.enrichment, keywords=keywords, simhash=42)
    return msgspec.structs.replace(item, enrichment=enrichment, dup_group=group)


def test_posts_show_keywords_and_dup_group(client: httpx.Client, store: SqliteStore) -> None:
    topic = add_topic(store, "Acme", "acme")
    first = grouped(
        enriched_post("acme phone broke", created_at=NOW - 60, topics=(topic.id,), native_id="a"),
        None,
        ("acme phone", "acme", "phone"),
    )
    copy = grouped(
        enriched_post("acme phone broke!", created_at=NOW, topics=(topic.id,), native_id="b"),
        "bluesky:a",
        ("acme phone", "acme", "phone"),
    )
    write(store, first)
    write(store, copy)

    items = client.get("/api/posts").json()["items"]
    one = client.get("/api/posts/bluesky%3Aa").json()

    assert [(i["id"], i["dup_group"], i["keywords"]) for i in items] == [
        ("bluesky:b", "bluesky:a", ["acme phone", "acme", "phone"]),
        ("bluesky:a", "bluesky:a", ["acme phone", "acme", "phone"]),
    ]
    assert one["dup_group"] == "bluesky:a"
    assert one["keywords"] == ["acme phone", "acme", "phone"]


def test_posts_filter_by_dup_group(client: httpx.Client, store: SqliteStore) -> None:
    topic = add_topic(store, "Acme", "acme")
    write(store, enriched_post("acme one", created_at=NOW - 90, topics=(topic.id,), native_id="a"))
    copies = [
        grouped(
            enriched_post(f"acme one {i}", created_at=NOW - 60 + i, topics=(topic.id,)),
            "bluesky:a",
            (),
        )
        for i in range(3)
    ]
    other = enriched_post("acme other", created_at=NOW, topics=(topic.id,))
    write(store, *copies, other)

    response = client.get("/api/posts", params={"dup_group": "bluesky:a", "limit": "2"})
    body = response.json()
    rest = client.get(
        "/api/posts", params={"dup_group": "bluesky:a", "cursor": body["next_cursor"]}
    ).json()

    assert response.status_code == 200
    assert [item["text"] for item in body["items"] + rest["items"]] == [
        "acme one 2",
        "acme one 1",
        "acme one 0",
        "acme one",
    ]
    empty = client.get("/api/posts", params={"dup_group": "bluesky:nothing"}).json()
    assert empty == {"items": [], "next_cursor": None}


def test_posts_too_long_dup_group_is_400(client: httpx.Client) -> None:
    response = client.get("/api/posts", params={"dup_group": "x" * 5001})

    assert response.status_code == 400
    assert response.json()["error"]["field"] == "dup_group"
