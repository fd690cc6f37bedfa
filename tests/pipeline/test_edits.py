"""A source's edits and deletions through the whole pipeline into the store: an edited
Mastodon status replaces the stored post (and clients hear of it), a deleted one goes."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from signalroom.bus.base import LIVE_CHANNEL, Message
from signalroom.bus.memory import MemoryBroadcaster
from signalroom.clock import SystemClock
from signalroom.config import PipelineConfig
from signalroom.models import TopicDraft
from signalroom.nlp import Enricher
from signalroom.pipeline.runner import Pipeline
from signalroom.sources.iterable import IterableSource
from signalroom.store.sqlite import SqliteStore
from tests.sources.fakes.mastodon import make_status

CLOCK = SystemClock()
HOST = "social.example"


@pytest.fixture(scope="module")
def model() -> Enricher:
    return Enricher.load()


@pytest.fixture
def store(tmp_path: Path) -> Iterator[SqliteStore]:
    store = SqliteStore.open(tmp_path / "signalroom.db")
    store.create_topic(TopicDraft(name="Acme", query="acme"), CLOCK.now())
    yield store
    store.close()


def event(kind: str, status: dict[str, object] | None = None, **extra: object) -> bytes:
    body: dict[str, object] = {"event": kind, "instance": f"https://{HOST}", **extra}
    if status is not None:
        body["status"] = status
    return json.dumps(body).encode()


@pytest.mark.parametrize("workers", [0, 1])
def test_edits_replace_and_deletions_remove_stored_posts(
    store: SqliteStore, model: Enricher, workers: int
) -> None:
    kept = make_status("101", HOST, "The new Acme build is great")
    gone = make_status("102", HOST, "Acme support never answered me")
    edited = make_status(
        "101", HOST, "The new Acme build is great (edited: the battery is not)",
        edited_at="2026-08-30T14:09:00.000Z",
    )  # fmt: skip
    payloads = [
        event("update", kept),
        event("update", gone),
        event("status.update", edited),
        event("delete", id="102", uri=gone["uri"]),
    ]
    config = PipelineConfig(batch_size=2, batch_wait_ms=5, workers=workers)

    async def scenario() -> list[dict[str, object]]:
        bus = MemoryBroadcaster()
        subscription = await bus.subscribe(LIVE_CHANNEL, max_backlog=100)
        pipeline = Pipeline(store, bus, model, CLOCK, config)
        await pipeline.run([IterableSource("masto", "mastodon", payloads, CLOCK)])
        events: list[dict[str, object]] = []
        async with asyncio.timeout(5):
            async for message in subscription:
                assert isinstance(message, Message)
                events.append(json.loads(message.data))
                if events[-1]["type"] == "posts_deleted":
                    break
        await subscription.close()
        await bus.close()
        return events

    events = asyncio.run(scenario())
    kept_id = f"mastodon:{kept['uri']}"
    stored = store.get_post(kept_id)
    assert stored.post.text == "The new Acme build is great (edited: the battery is not)"
    with pytest.raises(Exception, match="no post"):
        store.get_post(f"mastodon:{gone['uri']}")
    kinds = [e["type"] for e in events if e["type"] != "rollups"]
    assert kinds == ["posts", "post_updated", "posts_deleted"]
    assert events[-1]["ids"] == [f"mastodon:{gone['uri']}"]
    assert store.list_rejects() == []
