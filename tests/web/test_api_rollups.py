"""GET /api/rollups: per-topic minute/hour/day buckets from the store's minute rollups, for
all topics or some (repeated or comma-separated, by id or name), over a default or given
range, refusing ranges of too many buckets."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from signalroom.store.sqlite import SqliteStore
from signalroom.web.rollups import MAX_BUCKETS
from tests.web.builders import NOW, add_topic, enriched_post, write


def volumes(response: httpx.Response) -> list[tuple[int, str, int]]:
    assert response.status_code == 200, response.text
    return [(r["topic_id"], r["bucket_start"], r["volume"]) for r in response.json()["items"]]


@pytest.fixture
def two_topics(store: SqliteStore) -> tuple[int, int]:
    acme = add_topic(store, "Acme", "acme")
    globex = add_topic(store, "Globex, Inc.", "globex", kind="competitor")
    write(
        store,
        enriched_post("a", created_at=NOW - 30, topics=(acme.id,), sentiment="negative"),
        enriched_post("b", created_at=NOW - 20, topics=(acme.id,), sentiment="positive"),
        enriched_post("c", created_at=NOW - 90, topics=(acme.id, globex.id)),
        enriched_post("d", created_at=NOW - 2 * 3600, topics=(globex.id,)),
    )
    return acme.id, globex.id


def test_rollups_default_to_minute_buckets_of_the_last_hour(
    client: httpx.Client, two_topics: tuple[int, int]
) -> None:
    acme, globex = two_topics

    response = client.get("/api/rollups")

    body = response.json()
    assert body["bucket"] == "minute"
    assert body["since"] == "2025-06-15T15:00:00.000Z"
    assert body["until"] == "2025-06-15T16:00:00.000Z"
    assert volumes(response) == [
        (acme, "2025-06-15T15:58:00.000Z", 1),
        (acme, "2025-06-15T15:59:00.000Z", 2),
        (globex, "2025-06-15T15:58:00.000Z", 1),
    ]
    latest = body["items"][1]
    assert (latest["negative"], latest["neutral"], latest["positive"]) == (1, 0, 1)
    assert latest["reach"] == 2400


def test_rollups_hour_buckets_sum_minutes(
    client: httpx.Client, two_topics: tuple[int, int]
) -> None:
    acme, globex = two_topics

    response = client.get("/api/rollups", params={"bucket": "hour"})

    assert volumes(response) == [
        (acme, "2025-06-15T15:00:00.000Z", 3),
        (globex, "2025-06-15T14:00:00.000Z", 1),
        (globex, "2025-06-15T15:00:00.000Z", 1),
    ]


@pytest.mark.parametrize(
    "params",
    [
        [("topic", "Globex, Inc.")],
        [("topic", "2")],
        [("topic", "2"), ("topic", "")],
    ],
)
def test_rollups_of_one_topic_by_id_or_name(
    client: httpx.Client, two_topics: tuple[int, int], params: list[tuple[str, str]]
) -> None:
    _, globex = two_topics

    response = client.get(
        "/api/rollups", params=[*params, ("bucket", "day"), ("since", str(NOW - 10 * 86400))]
    )

    assert [topic for topic, _, _ in volumes(response)] == [globex]


@pytest.mark.parametrize(
    "params",
    [[("topic", "1"), ("topic", "2")], [("topic", "Acme,2")], [("topic", "1, Globex, Inc.")]],
)
def test_rollups_of_several_topics_repeated_or_comma_separated(
    client: httpx.Client, two_topics: tuple[int, int], params: list[tuple[str, Any]]
) -> None:
    response = client.get("/api/rollups", params=params)

    assert {topic for topic, _, _ in volumes(response)} == set(two_topics)


def test_rollups_empty_store_is_empty(client: httpx.Client) -> None:
    assert client.get("/api/rollups").json()["items"] == []


def test_rollups_at_most_max_buckets(client: httpx.Client) -> None:
    until = NOW
    ok = client.get("/api/rollups", params={"since": until - MAX_BUCKETS * 60, "until": until})
    too_many = client.get(
        "/api/rollups", params={"since": until - (MAX_BUCKETS + 1) * 60, "until": until}
    )

    assert ok.status_code == 200
    assert too_many.status_code == 400
    assert too_many.json()["error"]["field"] == "since"
    assert str(MAX_BUCKETS) in too_many.json()["error"]["message"]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"bucket": "week"}, "bucket"),
        ({"since": "soon"}, "since"),
        ({"until": "-5"}, "until"),
        ({"since": str(NOW), "until": str(NOW)}, "since"),
        ({"topic": "Nope"}, "topic"),
    ],
)
def test_rollups_bad_parameter_is_400_naming_it(
    client: httpx.Client, params: dict[str, str], field: str
) -> None:
    response = client.get("/api/rollups", params=params)

    assert response.status_code == 400
    assert response.json()["error"]["field"] == field
