"""The pipeline with worker processes (``pipeline.workers`` = 1), on real components: the
real models loaded in a real spawned worker, a SQLite file, the in-memory bus. Batches go
through the worker and are committed in order with their checkpoints; topic and rule
changes reach the worker; a worker that dies is replaced and its batch retried, and a
batch that keeps killing workers is processed in the main process; nothing is lost or
duplicated, and no process or thread is left behind."""

from __future__ import annotations

import asyncio
import json
import os
from collections.abc import AsyncIterator, Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from signalroom.bus.memory import MemoryBroadcaster
from signalroom.clock import SystemClock
from signalroom.config import PipelineConfig
from signalroom.models import Enrichment, ModerationRule, Post, RawItem, TopicDraft
from signalroom.nlp import Enricher
from signalroom.nlp.moderation_rules import RuleSet
from signalroom.pipeline.pool import WorkerPool
from signalroom.pipeline.process import EnrichmentModel
from signalroom.pipeline.runner import Pipeline
from signalroom.sources.base import SourceCheck
from signalroom.store.base import PostQuery, WriteResult
from signalroom.store.sqlite import SqliteStore

CLOCK = SystemClock()
CONFIG = PipelineConfig(batch_size=50, batch_wait_ms=5, workers=1)


@pytest.fixture(scope="module")
def model() -> Enricher:
    return Enricher.load()


@pytest.fixture
def store(tmp_path: Path) -> Iterator[SqliteStore]:
    store = SqliteStore.open(tmp_path / "signalroom.db")
    store.create_topic(TopicDraft(name="Acme", query="acme OR #acme", kind="brand"), CLOCK.now())
    yield store
    store.close()


def payload(n: int, text: str | None = None) -> bytes:
    return json.dumps(
        {
            "id": f"p{n}",
            "url": f"https://example.test/p{n}",
            "author": {"handle": f"user{n % 7}", "name": "Someone", "followers": n},
            "text": text if text is not None else f"I really love the new Acme phone number {n}!",
            "created_at": 1_750_000_000 + n,
        }
    ).encode()


def stored_ids(store: SqliteStore) -> list[str]:
    ids: list[str] = []
    cursor = None
    while True:
        page = store.query_posts(PostQuery(limit=500, cursor=cursor))
        ids += [item.post.id for item in page.items]
        if page.next_cursor is None:
            return ids
        cursor = page.next_cursor


class GatedSource:
    """Yields its payloads in phases; each phase waits for its gate (the first for a
    ready worker, so that the batches really go through one)."""

    def __init__(self, name: str, phases: Sequence[Sequence[bytes]]) -> None:
        self._name = name
        self._phases = phases
        self.gates: list[Callable[[], asyncio.Future[None] | asyncio.Event]] = []
        self.pipeline: Pipeline | None = None

    @property
    def name(self) -> str:
        return self._name

    @property
    def kind(self) -> str:
        return "demo"

    async def check(self) -> SourceCheck:
        return SourceCheck(ok=True, detail="test")

    async def stream(self, since: str | None) -> AsyncIterator[RawItem]:
        assert self.pipeline is not None
        assert self.pipeline.pool is not None
        await self.pipeline.pool.wait_ready()
        index = int(since) if since else 0
        done = 0
        for number, phase in enumerate(self._phases):
            if number:
                await self.gates[number - 1]().wait()  # type: ignore[union-attr]
            for item in phase:
                done += 1
                if done <= index:
                    continue
                yield RawItem("demo", item, CLOCK.now(), checkpoint=str(done))


async def started(pipeline: Pipeline) -> WorkerPool:
    """The pool of a run just created as a task: ``run`` makes it before its first await."""
    await asyncio.sleep(0)
    assert pipeline.pool is not None
    return pipeline.pool


def run(pipeline: Pipeline, source: GatedSource) -> WorkerPool:
    """Run to the end; returns the run's pool (for its counters)."""
    source.pipeline = pipeline
    seen: list[WorkerPool] = []

    async def main() -> None:
        task = asyncio.create_task(pipeline.run([source]))
        await started(pipeline)
        assert pipeline.pool is not None
        seen.append(pipeline.pool)
        await task

    asyncio.run(main())
    assert pipeline.pool is None
    (pool,) = seen
    return pool


def assert_gone(pids: Sequence[int]) -> None:
    for pid in pids:
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)


def test_workers_commit_batches_in_order_with_their_checkpoints(
    store: SqliteStore, model: Enricher
) -> None:
    copy = "Acme just announced the new phone with a bigger screen and better battery life"
    payloads = [payload(n) for n in range(400)]
    payloads[10] = payload(10, text=copy)
    payloads[390] = payload(390, text=copy + "!!")
    payloads += [b"{not json", payload(3), payload(401, text="nothing to see")]
    pids: list[int] = []
    health: list[Any] = []
    source = GatedSource("feed", [payloads])

    def on_commit(result: WriteResult, committed_at: float) -> None:
        if pipeline.pool is not None:
            pids.extend(pipeline.pool.pids)
            health.append(pipeline.health()["workers"])

    pipeline = Pipeline(store, MemoryBroadcaster(), model, CLOCK, CONFIG, on_commit=on_commit)
    pool = run(pipeline, source)

    assert pool.local_jobs == 0
    assert pool.restarts == 0
    assert sorted(stored_ids(store)) == sorted(f"demo:p{n}" for n in range(400))
    assert store.get_checkpoint("feed") == str(len(payloads))
    (reject,) = store.list_rejects()
    assert reject.payload == b"{not json"
    assert pipeline.counters.duplicates == 1
    assert pipeline.counters.unmatched == 1
    # Near-duplicate groups are assigned in commit order, in the main process.
    assert store.get_post("demo:p390").dup_group == "demo:p10"
    item = store.get_post("demo:p5")
    assert item.enrichment.model_version == model.model_version
    assert item.enrichment.lang == "en"
    assert pids
    assert_gone(pids)
    # /api/health shows the pool: one worker wanted, and by the end it was the one working.
    assert health[-1] == {"wanted": 1, "ready": 1, "alive": 1, "restarts": 0, "local_jobs": 0}
    assert pipeline.health()["workers"] is None  # the run is over: no pool


@dataclass(frozen=True)
class Killing:
    """A worker model that ends its process when it meets a post saying KILL: once
    (``marker`` records that it did) or every time."""

    marker: str
    every_time: bool

    def __call__(self) -> EnrichmentModel:
        return _KillingModel(Enricher.load(), Path(self.marker), self.every_time)


class _KillingModel:
    def __init__(self, inner: Enricher, marker: Path, every_time: bool) -> None:
        self._inner = inner
        self._marker = marker
        self._every_time = every_time

    @property
    def model_version(self) -> str:
        return self._inner.model_version

    def detect_languages(self, posts: Sequence[Post]) -> list[tuple[str, float]]:
        if any("KILL" in post.text for post in posts) and (
            self._every_time or not self._marker.exists()
        ):
            self._marker.touch()
            os._exit(3)
        return self._inner.detect_languages(posts)

    def enrich_batch(
        self, posts: Sequence[Post], languages: Sequence[tuple[str, float]]
    ) -> list[Enrichment]:
        return self._inner.enrich_batch(posts, languages)


def test_workers_replace_a_dead_worker_and_retry_its_batch(
    store: SqliteStore, model: Enricher, tmp_path: Path
) -> None:
    payloads = [payload(n) for n in range(300)]
    payloads[120] = payload(120, text="acme KILL this worker")
    factory = Killing(str(tmp_path / "killed"), every_time=False)
    health: list[Any] = []

    def on_commit(result: WriteResult, committed_at: float) -> None:
        health.append(pipeline.health()["workers"])

    pipeline = Pipeline(
        store,
        MemoryBroadcaster(),
        model,
        CLOCK,
        CONFIG,
        model_factory=factory,
        on_commit=on_commit,
    )
    pool = run(pipeline, GatedSource("feed", [payloads]))

    assert pool.restarts == 1
    assert health[-1]["restarts"] == 1
    ids = stored_ids(store)
    assert len(ids) == len(set(ids)) == 300
    assert store.get_checkpoint("feed") == "300"
    assert not store.list_rejects()
    assert pipeline.counters.stored == 300


def test_workers_isolate_an_item_that_kills_every_worker(
    store: SqliteStore, model: Enricher, tmp_path: Path
) -> None:
    payloads = [payload(n) for n in range(200)]
    payloads[120] = payload(120, text="acme KILL this worker")
    factory = Killing(str(tmp_path / "killed"), every_time=True)
    pipeline = Pipeline(store, MemoryBroadcaster(), model, CLOCK, CONFIG, model_factory=factory)
    pool = run(pipeline, GatedSource("feed", [payloads]))

    # Its batch killed two workers, then the item alone killed a third: it is a reject,
    # its neighbours are stored, and the main process never ran it.
    assert pool.restarts == 3
    ids = stored_ids(store)
    assert len(ids) == len(set(ids)) == 199
    assert "demo:p120" not in ids
    (reject,) = store.list_rejects()
    assert "worker process died" in reject.reason
    assert reject.payload == payloads[120]
    assert store.get_checkpoint("feed") == "200"


def test_workers_follow_topic_and_moderation_rule_changes(
    store: SqliteStore, tmp_path: Path
) -> None:
    model = Enricher.load()
    before = [payload(n) for n in range(60)]
    after = [
        payload(100, text="Globex opened a new office downtown"),
        payload(101, text="acme gizmo is out today"),
    ]
    changed = asyncio.Event()

    def on_commit(result: WriteResult, committed_at: float) -> None:
        if pipeline.counters.stored >= len(before) and not changed.is_set():
            store.create_topic(TopicDraft(name="Globex", query="globex"), CLOCK.now())
            pipeline.reload_topics()
            rule = ModerationRule(
                id=1, kind="word", action="block", value="gizmo", created_by="t", created_at=0.0
            )
            model.set_rules(RuleSet([rule]))
            changed.set()

    pipeline = Pipeline(store, MemoryBroadcaster(), model, CLOCK, CONFIG, on_commit=on_commit)
    source = GatedSource("feed", [before, after])
    source.gates.append(lambda: changed)
    pool = run(pipeline, source)

    assert pool.local_jobs == 0
    globex = next(t for t in store.list_topics() if t.name == "Globex")
    assert store.get_post("demo:p100").topics == (globex.id,)
    gizmo = store.get_post("demo:p101")
    assert gizmo.enrichment.moderation.verdict == "block"
    assert store.get_post("demo:p1").enrichment.moderation.verdict == "safe"


def test_workers_take_submissions_and_report_rejects_by_index(
    store: SqliteStore, model: Enricher
) -> None:
    items = [
        RawItem("demo", payload(1), CLOCK.now()),
        RawItem("demo", b"{broken", CLOCK.now()),
        RawItem("demo", payload(2, text="unrelated words"), CLOCK.now()),
        RawItem("demo", payload(3), CLOCK.now()),
    ]

    async def main() -> tuple[int, int, tuple[tuple[int, str], ...], int]:
        pipeline = Pipeline(store, MemoryBroadcaster(), model, CLOCK, CONFIG)
        task = asyncio.create_task(pipeline.run([], until_stopped=True))
        pool = await started(pipeline)
        await pool.wait_ready()
        result = await pipeline.submit(items, "hook")
        local = pool.local_jobs
        pipeline.stop()
        await task
        return result.accepted, result.unmatched, result.rejected, local

    accepted, unmatched, rejected, local = asyncio.run(main())
    assert (accepted, unmatched, local) == (2, 1, 0)
    assert [index for index, _ in rejected] == [1]
    assert sorted(stored_ids(store)) == ["demo:p1", "demo:p3"]


def test_workers_stop_at_once_when_the_run_ends_before_a_worker_is_ready(
    store: SqliteStore, model: Enricher
) -> None:
    pids: list[int] = []

    async def main() -> None:
        pipeline = Pipeline(store, MemoryBroadcaster(), model, CLOCK, CONFIG)
        task = asyncio.create_task(pipeline.run([], until_stopped=True))
        pids.extend((await started(pipeline)).pids)
        # Processed here meanwhile: nothing waits for the worker's models.
        result = await pipeline.submit([RawItem("demo", payload(1), CLOCK.now())], "hook")
        assert result.accepted == 1
        pipeline.stop()
        await task

    asyncio.run(main())
    assert stored_ids(store) == ["demo:p1"]
    assert pids
    assert_gone(pids)
