"""WebSocket /api/live: hello on connect, the pipeline's events forwarded verbatim as text
frames, a gap event when a client falls behind its backlog, and nothing left behind (no
subscriber, no task) once the client goes away."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from typing import Any

import pytest
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import ClientConnection, connect

from signalroom.bus.base import LIVE_CHANNEL
from signalroom.bus.memory import MemoryBroadcaster
from signalroom.clock import ManualClock
from signalroom.models import Rollup
from signalroom.store.sqlite import SqliteStore
from signalroom.wire import posts_event, rollups_event
from tests.web.builders import NOW, add_topic, enriched_post, write
from tests.web.live_server import LiveServer


def receive(socket: ClientConnection) -> tuple[str | bytes, dict[str, Any]]:
    frame = socket.recv(timeout=10)
    return frame, json.loads(frame)


def subscribers(server: LiveServer) -> int:
    broadcaster = server.broadcaster
    assert isinstance(broadcaster, MemoryBroadcaster)
    return broadcaster.subscriber_count(LIVE_CHANNEL)


def test_live_says_hello_with_server_time(server: LiveServer) -> None:
    with connect(server.live_url) as socket:
        frame, event = receive(socket)

    assert isinstance(frame, str)
    assert event == {"type": "hello", "server_time": "2025-06-15T16:00:00.000Z"}


def test_live_forwards_posts_and_rollups_events_verbatim(
    server: LiveServer, store: SqliteStore
) -> None:
    topic = add_topic(store, "Acme", "acme")
    result = write(store, enriched_post("acme rocks", created_at=NOW - 5, topics=(topic.id,)))
    posts = posts_event(result.inserted)
    rollups = rollups_event(result.rollups)

    with connect(server.live_url) as socket:
        receive(socket)
        server.publish(posts, rollups)
        first, posts_seen = receive(socket)
        second, rollups_seen = receive(socket)

    assert first == posts.decode()
    assert posts_seen["type"] == "posts"
    assert posts_seen["items"][0]["text"] == "acme rocks"
    assert second == rollups.decode()
    assert rollups_seen["items"][0]["volume"] == 1


def test_live_sends_to_every_client(server: LiveServer) -> None:
    event = rollups_event([Rollup(1, NOW - 60, 3, 1, 1, 1, 0.1, 30)])

    with connect(server.live_url) as one, connect(server.live_url) as two:
        receive(one)
        receive(two)
        server.publish(event)

        assert receive(one)[0] == event.decode()
        assert receive(two)[0] == event.decode()


@pytest.fixture
def small_backlog_server(store: SqliteStore, clock: ManualClock) -> Iterator[LiveServer]:
    server = LiveServer(store, MemoryBroadcaster(), clock, live_backlog=2).start()
    yield server
    server.stop()


def test_live_sends_gap_when_the_backlog_overflows(small_backlog_server: LiveServer) -> None:
    events = [rollups_event([Rollup(1, NOW - 60, n, 0, n, 0, 0.0, n)]) for n in range(10)]

    with connect(small_backlog_server.live_url) as socket:
        receive(socket)
        small_backlog_server.publish(*events)
        _, gap = receive(socket)
        kept = [receive(socket)[0] for _ in range(2)]

    assert gap == {"type": "gap", "dropped": 8}
    assert kept == [events[8].decode(), events[9].decode()]


def test_live_client_leaving_ends_its_subscription_and_tasks(server: LiveServer) -> None:
    async def task_count() -> int:
        return len(asyncio.all_tasks())

    baseline = server.run(task_count())
    with connect(server.live_url) as socket:
        receive(socket)
        assert subscribers(server) == 1
        assert server.run(task_count()) > baseline

    async def settled() -> bool:
        return subscribers(server) == 0 and len(asyncio.all_tasks()) <= baseline

    server.wait_until(settled)


def test_live_client_that_sends_messages_is_ignored_not_dropped(server: LiveServer) -> None:
    event = rollups_event([Rollup(1, NOW - 60, 1, 0, 1, 0, 0.0, 1)])

    with connect(server.live_url) as socket:
        receive(socket)
        socket.send("ping")
        socket.send(b"\x00binary")
        server.publish(event)

        assert receive(socket)[0] == event.decode()


def test_live_server_stopping_closes_clients(store: SqliteStore, clock: ManualClock) -> None:
    server = LiveServer(store, MemoryBroadcaster(), clock).start()
    try:
        with connect(server.live_url) as socket:
            receive(socket)
            server.stop()
            with pytest.raises(ConnectionClosed):
                socket.recv(timeout=10)
    finally:
        server.stop()
