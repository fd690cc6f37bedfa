"""The one error shape: unknown routes and methods under /api, validation failures as 400
(never 422), and a friendly HTML page for unknown pages outside /api."""

from __future__ import annotations

import httpx


def test_unknown_api_route_is_404_in_the_error_shape(client: httpx.Client) -> None:
    response = client.get("/api/nothing/here")

    assert response.status_code == 404
    assert response.json() == {
        "error": {
            "code": "not_found",
            "message": "no such endpoint: GET /api/nothing/here",
            "field": None,
            "offset": None,
        }
    }


def test_wrong_method_is_405_in_the_error_shape(client: httpx.Client) -> None:
    response = client.delete("/api/posts")

    assert response.status_code == 405
    assert response.json()["error"]["code"] == "method_not_allowed"


def test_validation_errors_are_400_never_422(client: httpx.Client) -> None:
    responses = [
        client.post("/api/query/check", content=b"[", headers={"Content-Type": "application/json"}),
        client.post("/api/query/preview", json={"query": 5}),
        client.put("/api/topics/x", json={}),
    ]

    for response in responses:
        assert response.status_code == 400
        assert response.json()["error"]["code"] == "bad_request"
        assert response.json()["error"]["field"]


def test_unknown_page_is_an_html_404(client: httpx.Client) -> None:
    response = client.get("/no/such/page")

    assert response.status_code == 404
    assert response.headers["content-type"].startswith("text/html")
    assert "Page not found" in response.text
