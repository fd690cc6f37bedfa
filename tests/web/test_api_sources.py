"""GET /api/sources: the health records handed in by the composition root, as JSON."""

from __future__ import annotations

import asyncio

import httpx

from signalroom.bus.memory import MemoryBroadcaster
from signalroom.clock import ManualClock, to_iso
from signalroom.sources.health import SourceHealth
from signalroom.store.sqlite import SqliteStore
from signalroom.web.app import WebDeps, create_app
from tests.web.builders import NOW


def test_sources_lists_each_sources_health(store: SqliteStore) -> None:
    clock = ManualClock(NOW)
    bluesky = SourceHealth("bluesky", "bluesky", clock, stale_after_s=600)
    bluesky.connected()
    bluesky.item(12)
    feeds = SourceHealth("press", "rss", clock, stale_after_s=0)
    feeds.rate_limited(NOW + 300, "429 from news.example")
    app = create_app(
        WebDeps(
            store=store,
            broadcaster=MemoryBroadcaster(),
            clock=clock,
            health=dict,
            on_topics_changed=lambda: None,
            sources=lambda: [bluesky.snapshot(), feeds.snapshot()],
        )
    )
    transport = httpx.ASGITransport(app=app)

    async def fetch() -> httpx.Response:
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            return await client.get("/api/sources")

    items = asyncio.run(fetch()).json()["items"]
    assert [(i["name"], i["status"], i["items_per_minute"]) for i in items] == [
        ("bluesky", "connected", 12.0),
        ("press", "rate_limited", 0.0),
    ]
    assert items[1]["rate_limited_until"] == to_iso(NOW + 300)
    assert items[1]["detail"] == "429 from news.example"
