"""The pipeline end to end on real components: SQLite file, the real NLP models, the
in-memory bus. Bad input becomes rejects, duplicates are stored once, and a stop or an
abrupt cancel followed by a restart neither loses nor duplicates posts."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from signalroom.bus.base import LIVE_CHANNEL, Message
from signalroom.bus.memory import MemoryBroadcaster
from signalroom.clock import SystemClock
from signalroom.config import PipelineConfig
from signalroom.errors import StoreError
from signalroom.models import RawItem, TopicDraft
from signalroom.nlp import Enricher
from signalroom.pipeline.runner import Pipeline
from signalroom.sources.base import SourceCheck
from signalroom.sources.iterable import IterableSource
from signalroom.store.base import PostQuery, WriteBatch, WriteResult
from signalroom.store.sqlite import SqliteStore

CLOCK = SystemClock()
CONFIG = PipelineConfig(batch_size=50, batch_wait_ms=5)


@pytest.fixture(scope="module")
def model() -> Enricher:
    return Enricher.load()


@pytest.fixture
def store(tmp_path: Path) -> Iterator[SqliteStore]:
    store = SqliteStore.open(tmp_path / "signalroom.db")
    store.create_topic(TopicDraft(name="Acme", query="acme OR #acme", kind="brand"), CLOCK.now())
    yield store
    store.close()


def payload(n: int, text: str | None = None, **extra: object) -> bytes:
    body: dict[str, object] = {
        "id": f"p{n}",
        "url": f"https://example.test/p{n}",
        "author": {"handle": f"user{n % 7}", "name": "Someone", "followers": n},
        "text": text if text is not None else f"I really love the new Acme phone number {n}!",
        "created_at": 1_750_000_000 + n,
    }
    body.update(extra)
    return json.dumps(body).encode()


def run(pipeline: Pipeline, *sources: IterableSource) -> None:
    asyncio.run(pipeline.run(list(sources)))


def stored_ids(store: SqliteStore) -> list[str]:
    ids: list[str] = []
    cursor = None
    while True:
        page = store.query_posts(PostQuery(limit=500, cursor=cursor))
        ids += [item.post.id for item in page.items]
        if page.next_cursor is None:
            return ids
        cursor = page.next_cursor


def total_volume(store: SqliteStore) -> int:
    return sum(r.volume for r in store.query_rollups(None, 0, 2e9, "day"))


def test_pipeline_keeps_malformed_items_as_rejects(store: SqliteStore, model: Enricher) -> None:
    bad = [b"{not json", json.dumps({"id": "x1", "text": "acme"}).encode(), b"\xff\xfe\x00"]
    payloads = [payload(1), *bad, payload(2)]
    pipeline = Pipeline(store, MemoryBroadcaster(), model, CLOCK, CONFIG)
    run(pipeline, IterableSource("test", "demo", payloads, CLOCK))

    assert sorted(stored_ids(store)) == ["demo:p1", "demo:p2"]
    rejects = store.list_rejects()
    assert sorted(r.payload for r in rejects) == sorted(bad)
    assert all(r.reason for r in rejects)
    assert pipeline.counters.rejected == 3


def test_pipeline_stores_duplicates_once(store: SqliteStore, model: Enricher) -> None:
    payloads = [payload(1), payload(2), payload(1), payload(2), payload(3)]
    pipeline = Pipeline(store, MemoryBroadcaster(), model, CLOCK, CONFIG)
    run(pipeline, IterableSource("a", "demo", payloads, CLOCK))
    # The same posts again from another source instance of the same kind.
    again = Pipeline(store, MemoryBroadcaster(), model, CLOCK, CONFIG)
    run(again, IterableSource("b", "demo", payloads, CLOCK))

    assert sorted(stored_ids(store)) == ["demo:p1", "demo:p2", "demo:p3"]
    assert total_volume(store) == 3


def test_pipeline_skips_posts_matching_no_topic(store: SqliteStore, model: Enricher) -> None:
    payloads = [payload(1), payload(2, text="nothing to see here")]
    pipeline = Pipeline(store, MemoryBroadcaster(), model, CLOCK, CONFIG)
    run(pipeline, IterableSource("a", "demo", payloads, CLOCK))

    assert stored_ids(store) == ["demo:p1"]
    assert pipeline.counters.unmatched == 1


def test_pipeline_enriches_and_records_matched_topics(store: SqliteStore, model: Enricher) -> None:
    pipeline = Pipeline(store, MemoryBroadcaster(), model, CLOCK, CONFIG)
    run(pipeline, IterableSource("a", "demo", [payload(1)], CLOCK))

    item = store.get_post("demo:p1")
    topic = store.list_topics()[0]
    assert item.topics == (topic.id,)
    assert item.enrichment.lang == "en"
    assert item.enrichment.sentiment.label == "positive"
    assert item.enrichment.model_version == model.model_version


class StopAfter:
    """A source that asks the pipeline to stop after yielding ``limit`` items."""

    def __init__(self, inner: IterableSource, limit: int) -> None:
        self.inner, self.limit = inner, limit
        self.pipeline: Pipeline | None = None

    @property
    def name(self) -> str:
        return self.inner.name

    @property
    def kind(self) -> str:
        return self.inner.kind

    async def check(self) -> SourceCheck:
        return await self.inner.check()

    async def stream(self, since: str | None) -> AsyncIterator[RawItem]:
        count = 0
        async for item in self.inner.stream(since):
            yield item
            count += 1
            if count == self.limit and self.pipeline is not None:
                self.pipeline.stop()
                await asyncio.sleep(3600)


def test_pipeline_stop_and_restart_loses_and_duplicates_nothing(
    store: SqliteStore, model: Enricher
) -> None:
    payloads = [payload(n) for n in range(1000)]
    first = StopAfter(IterableSource("feed", "demo", payloads, CLOCK), limit=400)
    pipeline = Pipeline(store, MemoryBroadcaster(), model, CLOCK, CONFIG)
    first.pipeline = pipeline
    asyncio.run(pipeline.run([first]))  # type: ignore[list-item]
    assert len(stored_ids(store)) == 400
    assert store.get_checkpoint("feed") == "400"

    second = Pipeline(store, MemoryBroadcaster(), model, CLOCK, CONFIG)
    run(second, IterableSource("feed", "demo", payloads, CLOCK))

    assert second.counters.received == 600
    assert second.counters.duplicates == 0
    assert len(set(stored_ids(store))) == len(stored_ids(store)) == 1000
    assert total_volume(store) == 1000


def test_pipeline_abrupt_cancel_then_restart_loses_and_duplicates_nothing(
    store: SqliteStore, model: Enricher
) -> None:
    payloads = [payload(n) for n in range(2000)]

    async def cancel_midway() -> None:
        enough = asyncio.Event()

        def on_commit(result: WriteResult, committed_at: float) -> None:
            if pipeline.counters.stored >= 300:
                enough.set()

        pipeline = Pipeline(store, MemoryBroadcaster(), model, CLOCK, CONFIG, on_commit=on_commit)
        task = asyncio.create_task(pipeline.run([IterableSource("feed", "demo", payloads, CLOCK)]))
        await enough.wait()
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    asyncio.run(cancel_midway())
    committed = len(stored_ids(store))
    checkpoint = store.get_checkpoint("feed")
    assert checkpoint is not None
    assert 300 <= committed < 2000
    assert int(checkpoint) == committed  # the checkpoint never runs ahead of stored posts

    second = Pipeline(store, MemoryBroadcaster(), model, CLOCK, CONFIG)
    run(second, IterableSource("feed", "demo", payloads, CLOCK))
    assert len(set(stored_ids(store))) == len(stored_ids(store)) == 2000
    assert total_volume(store) == 2000


def test_pipeline_publishes_new_posts_and_rollups(store: SqliteStore, model: Enricher) -> None:
    async def scenario() -> list[dict[str, object]]:
        bus = MemoryBroadcaster()
        subscription = await bus.subscribe(LIVE_CHANNEL)
        pipeline = Pipeline(store, bus, model, CLOCK, CONFIG)
        await pipeline.run([IterableSource("a", "demo", [payload(1), payload(2)], CLOCK)])
        events = []
        async for message in subscription:
            assert isinstance(message, Message)
            events.append(json.loads(message.data))
            if len(events) == 2:
                break
        await bus.close()
        return events

    posts_event, rollups_event = asyncio.run(scenario())
    assert posts_event["type"] == "posts"
    assert [p["id"] for p in posts_event["items"]] == ["demo:p1", "demo:p2"]  # type: ignore[union-attr]
    assert rollups_event["type"] == "rollups"
    assert sum(r["volume"] for r in rollups_event["items"]) == 2  # type: ignore[union-attr]


def test_pipeline_reload_topics_applies_new_queries(store: SqliteStore, model: Enricher) -> None:
    pipeline = Pipeline(store, MemoryBroadcaster(), model, CLOCK, CONFIG)
    store.create_topic(TopicDraft(name="Globex", query="globex", kind="competitor"), CLOCK.now())
    pipeline.reload_topics()
    run(pipeline, IterableSource("a", "demo", [payload(1, text="Globex is fine")], CLOCK))
    assert stored_ids(store) == ["demo:p1"]


class RefusingStore(SqliteStore):
    """The real store, except that it refuses any batch holding a post that says POISON
    (standing in for a value a backend cannot store)."""

    def write_batch(self, batch: WriteBatch) -> WriteResult:
        if any("POISON" in item.post.text for item in batch.posts):
            raise StoreError("cannot store this post")
        return super().write_batch(batch)


def test_pipeline_isolates_a_post_the_store_keeps_refusing(tmp_path: Path, model: Enricher) -> None:
    store = RefusingStore.open(tmp_path / "signalroom.db")
    try:
        store.create_topic(TopicDraft(name="Acme", query="acme"), CLOCK.now())
        payloads = [payload(1), payload(2, text="acme POISON"), payload(3)]
        pipeline = Pipeline(store, MemoryBroadcaster(), model, CLOCK, CONFIG, retry_backoff_s=0.001)
        run(pipeline, IterableSource("a", "demo", payloads, CLOCK))

        assert sorted(stored_ids(store)) == ["demo:p1", "demo:p3"]
        (reject,) = store.list_rejects()
        assert "store refused" in reject.reason
        assert b"POISON" in reject.payload
        assert store.get_checkpoint("a") == "3"
    finally:
        store.close()
