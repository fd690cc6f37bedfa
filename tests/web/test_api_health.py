"""GET /api/health: store counts and the pipeline's own report; a bug is a 500 in the one
error shape, with nothing of the traceback."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from signalroom import __version__
from signalroom.bus.memory import MemoryBroadcaster
from signalroom.clock import ManualClock
from signalroom.store.sqlite import SqliteStore
from tests.web.builders import NOW, add_topic, enriched_post, write
from tests.web.live_server import LiveServer


def test_health_reports_store_counts_and_pipeline(client: httpx.Client, store: SqliteStore) -> None:
    topic = add_topic(store, "Acme", "acme")
    write(store, enriched_post("acme is great", created_at=NOW - 30, topics=(topic.id,)))

    response = client.get("/api/health")

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["version"] == __version__
    assert body["store"] == {
        "posts": 1,
        "rejects": 0,
        "topics": 1,
        "newest_post_at": "2025-06-15T15:59:30.000Z",
    }
    assert body["pipeline"] == {"state": "running", "sources": []}
    assert body["alerting"] is None  # switched off in this app
    assert body["server_time"] == "2025-06-15T16:00:00.000Z"


def _broken_health() -> dict[str, Any]:
    raise RuntimeError("secret internals")


@pytest.fixture
def broken_server(store: SqliteStore, clock: ManualClock) -> Iterator[LiveServer]:
    server = LiveServer(store, MemoryBroadcaster(), clock, health=_broken_health).start()
    yield server
    server.stop()


def test_health_bug_is_a_500_in_the_error_shape_without_internals(
    broken_server: LiveServer,
) -> None:
    response = httpx.get(f"{broken_server.base}/api/health", timeout=10)

    assert response.status_code == 500
    error = response.json()["error"]
    assert error["code"] == "internal"
    assert error["field"] is None
    assert error["offset"] is None
    assert "secret internals" not in response.text
    assert "Traceback" not in response.text
