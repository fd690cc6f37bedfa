"""/api/topics: create, list, read, update and delete, with every input error a 400 that
names its field (a bad query also gives the offset of the problem), 404 for an unknown id,
409 for a taken name, and the pipeline told after every successful write."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from signalroom.errors import QueryError
from signalroom.query import parse_query
from signalroom.web.topics import PALETTE
from tests.web.live_server import LiveServer


def error_of(response: httpx.Response) -> dict[str, Any]:
    body = response.json()
    assert set(body) == {"error"}
    assert set(body["error"]) == {"code", "message", "field", "offset"}
    error: dict[str, Any] = body["error"]
    return error


def create(client: httpx.Client, **body: Any) -> httpx.Response:
    return client.post("/api/topics", json={"name": "Acme", "query": "acme", **body})


def test_topic_crud_round_trip(client: httpx.Client, server: LiveServer) -> None:
    created = create(client, name="Acme", query="acme OR #acme", kind="competitor", color="#FF8A3D")
    assert created.status_code == 201
    topic = created.json()
    assert topic["name"] == "Acme"
    assert topic["query"] == "acme OR #acme"
    assert topic["kind"] == "competitor"
    assert topic["color"] == "#ff8a3d"
    assert topic["created_at"] == topic["updated_at"] == "2025-06-15T16:00:00.000Z"

    listed = client.get("/api/topics").json()
    assert listed == {"items": [topic]}
    assert client.get(f"/api/topics/{topic['id']}").json() == topic

    updated = client.put(
        f"/api/topics/{topic['id']}", json={"name": "Acme Corp", "query": "acme*", "kind": "brand"}
    )
    assert updated.status_code == 200
    assert updated.json()["name"] == "Acme Corp"
    assert updated.json()["query"] == "acme*"
    assert updated.json()["kind"] == "brand"
    assert updated.json()["color"] == "#ff8a3d"

    deleted = client.delete(f"/api/topics/{topic['id']}")
    assert deleted.status_code == 204
    assert deleted.content == b""
    assert client.get("/api/topics").json() == {"items": []}
    assert server.topic_changes == 3


def test_topic_put_keeps_fields_left_out(client: httpx.Client) -> None:
    topic = create(client, kind="risk", color="#123456").json()

    updated = client.put(f"/api/topics/{topic['id']}", json={"query": "acme AND recall"})

    assert updated.status_code == 200
    assert {k: updated.json()[k] for k in ("name", "query", "kind", "color")} == {
        "name": "Acme",
        "query": "acme AND recall",
        "kind": "risk",
        "color": "#123456",
    }


def test_topic_query_is_stored_exactly_as_written(client: httpx.Client) -> None:
    query = '  (Jaguar   OR "Jaguar Land Rover")\nNOT zoo  '

    topic = create(client, query=query).json()

    assert topic["query"] == query
    assert client.get(f"/api/topics/{topic['id']}").json()["query"] == query


def test_topic_bad_query_is_400_with_offset(client: httpx.Client, server: LiveServer) -> None:
    query = "(jaguar OR zoo"
    with pytest.raises(QueryError) as expected:
        parse_query(query)

    response = create(client, query=query)

    assert response.status_code == 400
    error = error_of(response)
    assert error["code"] == "invalid_query"
    assert error["field"] == "query"
    assert error["message"] == expected.value.message
    assert error["offset"] == expected.value.offset
    assert client.get("/api/topics").json() == {"items": []}
    assert server.topic_changes == 0


def test_topic_bad_query_on_update_is_400_and_changes_nothing(client: httpx.Client) -> None:
    topic = create(client).json()

    response = client.put(f"/api/topics/{topic['id']}", json={"query": "NOT spam"})

    assert response.status_code == 400
    assert error_of(response)["code"] == "invalid_query"
    assert isinstance(error_of(response)["offset"], int)
    assert client.get(f"/api/topics/{topic['id']}").json()["query"] == "acme"


def test_topic_duplicate_name_is_409(client: httpx.Client, server: LiveServer) -> None:
    assert create(client).status_code == 201

    response = create(client, query="other")

    assert response.status_code == 409
    error = error_of(response)
    assert error["code"] == "conflict"
    assert error["field"] == "name"
    assert "Acme" in error["message"]
    assert server.topic_changes == 1


def test_topic_rename_onto_another_name_is_409(client: httpx.Client) -> None:
    create(client, name="Acme")
    other = create(client, name="Globex", query="globex").json()

    response = client.put(f"/api/topics/{other['id']}", json={"name": "Acme"})

    assert response.status_code == 409
    assert client.get(f"/api/topics/{other['id']}").json()["name"] == "Globex"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"kind": "friend"}, "kind"),
        ({"color": "blue"}, "color"),
        ({"color": "#12345"}, "color"),
        ({"color": "#1234567"}, "color"),
        ({"name": ""}, "name"),
        ({"name": "   "}, "name"),
        ({"name": "x" * 81}, "name"),
        ({"name": "tab\there"}, "name"),
        ({"name": 5}, "name"),
        ({"query": ["acme"]}, "query"),
        ({"colour": "#ffffff"}, "colour"),
    ],
)
def test_topic_invalid_field_is_400_naming_it(
    client: httpx.Client, body: dict[str, Any], field: str
) -> None:
    response = create(client, **body)

    assert response.status_code == 400
    error = error_of(response)
    assert error["code"] == "bad_request"
    assert error["field"] == field
    assert error["message"]
    assert client.get("/api/topics").json() == {"items": []}


def test_topic_missing_fields_are_400(client: httpx.Client) -> None:
    no_name = client.post("/api/topics", json={"query": "acme"})
    no_query = client.post("/api/topics", json={"name": "Acme"})
    no_body = client.post("/api/topics")
    not_json = client.post(
        "/api/topics", content=b"{name: acme", headers={"Content-Type": "application/json"}
    )
    not_object = client.post("/api/topics", json=["acme"])

    assert (no_name.status_code, error_of(no_name)["field"]) == (400, "name")
    assert (no_query.status_code, error_of(no_query)["field"]) == (400, "query")
    assert (no_body.status_code, error_of(no_body)["field"]) == (400, "body")
    assert (not_json.status_code, error_of(not_json)["field"]) == (400, "body")
    assert (not_object.status_code, error_of(not_object)["field"]) == (400, "body")


def test_topic_name_of_80_characters_is_accepted_and_trimmed(client: httpx.Client) -> None:
    response = create(client, name=f"  {'n' * 80}  ")

    assert response.status_code == 201
    assert response.json()["name"] == "n" * 80


def test_topic_unknown_id_is_404(client: httpx.Client) -> None:
    for response in (
        client.get("/api/topics/999"),
        client.put("/api/topics/999", json={"name": "x", "query": "x"}),
        client.delete("/api/topics/999"),
    ):
        assert response.status_code == 404
        assert error_of(response)["code"] == "not_found"


def test_topic_malformed_id_is_400(client: httpx.Client) -> None:
    for path in ("/api/topics/abc", "/api/topics/-1", f"/api/topics/{2**70}"):
        response = client.get(path)
        assert response.status_code == 400
        assert error_of(response)["field"] == "topic_id"


def test_topic_without_colour_gets_an_unused_palette_colour(client: httpx.Client) -> None:
    first = create(client, name="A").json()
    second = create(client, name="B").json()

    assert first["color"] == PALETTE[0]
    assert second["color"] == PALETTE[1]


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(name=st.text(max_size=90), query=st.text(max_size=60))
def test_topic_create_never_fails_with_a_5xx(client: httpx.Client, name: str, query: str) -> None:
    response = client.post("/api/topics", json={"name": name, "query": query})

    assert response.status_code in {201, 400, 409}
    if response.status_code != 201:
        assert error_of(response)["field"] in {"name", "query"}
