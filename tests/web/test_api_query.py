"""POST /api/query/check and /api/query/preview: the normalised form or the error with its
offset, and the matches among the newest stored posts."""

from __future__ import annotations

import httpx
import pytest

from signalroom.errors import QueryError
from signalroom.query import format_query, parse_query
from signalroom.store.sqlite import SqliteStore
from signalroom.web.query_check import PREVIEW_WINDOW
from tests.web.builders import NOW, enriched_post, write


def test_query_check_returns_the_normalised_form(client: httpx.Client) -> None:
    query = '(jaguar   OR "jaguar land rover") NOT zoo'

    response = client.post("/api/query/check", json={"query": query})

    assert response.status_code == 200
    assert response.json() == {"ok": True, "normalized": format_query(parse_query(query))}


@pytest.mark.parametrize(
    "query", ["(jaguar OR zoo", "autor:someone", "j*", "NOT spam", "", "a NEAR/x b"]
)
def test_query_check_error_has_message_and_offset(client: httpx.Client, query: str) -> None:
    with pytest.raises(QueryError) as expected:
        parse_query(query)

    response = client.post("/api/query/check", json={"query": query})

    assert response.status_code == 400
    assert response.json() == {
        "error": {
            "code": "invalid_query",
            "message": expected.value.message,
            "field": "query",
            "offset": expected.value.offset,
        }
    }


def test_query_check_without_query_is_400(client: httpx.Client) -> None:
    response = client.post("/api/query/check", json={"text": "acme"})

    assert response.status_code == 400
    assert response.json()["error"]["field"] in {"query", "text"}


def test_query_preview_lists_matches_newest_first(client: httpx.Client, store: SqliteStore) -> None:
    write(
        store,
        enriched_post("Jaguar unveils a new EV", created_at=NOW - 300),
        enriched_post("a jaguar at the zoo", created_at=NOW - 200),
        enriched_post("the new jaguar ad is great", created_at=NOW - 100),
        enriched_post("nothing to see", created_at=NOW - 50),
    )

    response = client.post("/api/query/preview", json={"query": "jaguar NOT zoo"})

    assert response.status_code == 200
    body = response.json()
    assert body["checked"] == 4
    assert body["matched"] == 2
    assert [p["text"] for p in body["items"]] == [
        "the new jaguar ad is great",
        "Jaguar unveils a new EV",
    ]


def test_query_preview_limit_caps_items_not_the_count(
    client: httpx.Client, store: SqliteStore
) -> None:
    write(store, *(enriched_post(f"acme {i}", created_at=NOW - i) for i in range(5)))

    body = client.post("/api/query/preview", json={"query": "acme", "limit": 2}).json()

    assert body["matched"] == 5
    assert [p["text"] for p in body["items"]] == ["acme 0", "acme 1"]


def test_query_preview_looks_only_at_the_newest_posts(
    client: httpx.Client, store: SqliteStore
) -> None:
    oldest = [enriched_post("acme from long ago", created_at=NOW - 10_000 - i) for i in range(5)]
    recent = [enriched_post(f"recent {i}", created_at=NOW - i) for i in range(PREVIEW_WINDOW)]
    write(store, *oldest, *recent)

    body = client.post("/api/query/preview", json={"query": "acme"}).json()

    assert body == {"checked": PREVIEW_WINDOW, "matched": 0, "items": []}


@pytest.mark.parametrize(
    ("body", "field"),
    [({"query": "acme", "limit": 0}, "limit"), ({"query": "acme", "limit": "x"}, "limit")],
)
def test_query_preview_bad_limit_is_400(
    client: httpx.Client, body: dict[str, object], field: str
) -> None:
    response = client.post("/api/query/preview", json=body)

    assert response.status_code == 400
    assert response.json()["error"]["field"] == field


def test_query_preview_bad_query_is_400_with_offset(client: httpx.Client) -> None:
    response = client.post("/api/query/preview", json={"query": "acme AND (b"})

    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid_query"
    assert isinstance(error["offset"], int)
