"""Fixtures for the web tests: a real SQLite store in tmp_path, the in-memory bus, and a
real uvicorn server on a free loopback port serving the app, stopped after each test."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from signalroom.bus.memory import MemoryBroadcaster
from signalroom.clock import ManualClock
from signalroom.store.sqlite import SqliteStore
from tests.web.builders import NOW
from tests.web.live_server import LiveServer


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(start=NOW)


@pytest.fixture
def store(tmp_path: Path, clock: ManualClock) -> Iterator[SqliteStore]:
    store = SqliteStore.open(tmp_path / "web.db", clock=clock)
    yield store
    store.close()


@pytest.fixture
def server(store: SqliteStore, clock: ManualClock) -> Iterator[LiveServer]:
    server = LiveServer(store, MemoryBroadcaster(), clock).start()
    yield server
    server.stop()


@pytest.fixture
def client(server: LiveServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.base, timeout=10) as client:
        yield client
