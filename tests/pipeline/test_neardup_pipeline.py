"""Key phrases and near-duplicate groups through the real pipeline: real models, a SQLite
file, the in-memory bus. Copies are stored in their first post's group, and a restarted
pipeline still groups new copies with posts stored before the restart."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from signalroom.bus.memory import MemoryBroadcaster
from signalroom.clock import ManualClock
from signalroom.config import PipelineConfig
from signalroom.models import TopicDraft
from signalroom.nlp import Enricher
from signalroom.pipeline.runner import Pipeline
from signalroom.sources.iterable import IterableSource
from signalroom.store.base import PostQuery
from signalroom.store.sqlite import SqliteStore

T0 = 1_750_000_000.0
CLOCK = ManualClock(T0 + 3600)
CONFIG = PipelineConfig(batch_size=3, batch_wait_ms=5)
ORIGINAL = (
    "Kestrava cancelled my flight to Budapest with two hours notice. No hotel, no food, no "
    "help at all from the crew."
)


@pytest.fixture(scope="module")
def model() -> Enricher:
    return Enricher.load()


@pytest.fixture
def store(tmp_path: Path) -> Iterator[SqliteStore]:
    store = SqliteStore.open(tmp_path / "signalroom.db")
    store.create_topic(TopicDraft(name="Kestrava", query="kestrava"), T0)
    yield store
    store.close()


def payload(native_id: str, text: str, at: float) -> bytes:
    return json.dumps(
        {
            "id": native_id,
            "author": {"handle": f"user-{native_id}"},
            "text": text,
            "created_at": at,
            "lang": "en",
        }
    ).encode()


def run(
    store: SqliteStore,
    model: Enricher,
    payloads: list[bytes],
    config: PipelineConfig,
    source: str = "test",
) -> None:
    pipeline = Pipeline(store, MemoryBroadcaster(), model, CLOCK, config)
    asyncio.run(pipeline.run([IterableSource(source, "demo", payloads, CLOCK)]))


def test_pipeline_stores_keywords_and_groups_copies_under_the_first_post(
    store: SqliteStore, model: Enricher
) -> None:
    payloads = [
        payload("1", ORIGINAL, T0),
        payload("2", "Loving the new Kestrava lounge in Copenhagen, great coffee and quiet", T0),
        payload("3", "RT @angry_flyer: " + ORIGINAL, T0 + 1),
        payload("4", ORIGINAL.replace("crew.", "crew today.") + " #KestravaFail", T0 + 2),
        payload("5", "Kestrava ok", T0 + 3),
        payload("6", "Kestrava ok", T0 + 4),
    ]

    run(store, model, payloads, CONFIG)

    posts = {item.post.native_id: item for item in store.query_posts(PostQuery()).items}
    assert {key: posts[key].dup_group for key in sorted(posts)} == {
        "1": "demo:1",
        "2": None,
        "3": "demo:1",
        "4": "demo:1",
        "5": None,
        "6": None,
    }
    assert {"kestrava", "budapest", "flight"} <= set(posts["1"].enrichment.keywords)
    assert "kestravafail" not in posts["4"].enrichment.keywords
    assert posts["1"].enrichment.simhash == posts["3"].enrichment.simhash != 0
    assert posts["5"].enrichment.simhash == 0
    group = store.query_posts(PostQuery(dup_group="demo:1")).items
    assert [item.post.native_id for item in group] == ["4", "3", "1"]


def test_pipeline_after_restart_groups_new_copies_with_stored_posts(
    store: SqliteStore, model: Enricher
) -> None:
    run(store, model, [payload("1", ORIGINAL, T0)], CONFIG)

    run(store, model, [payload("2", "RT @someone: " + ORIGINAL, T0 + 60)], CONFIG, "later")

    assert store.get_post("demo:2").dup_group == "demo:1"
    assert store.get_post("demo:1").dup_group == "demo:1"


def test_pipeline_with_grouping_off_groups_nothing(store: SqliteStore, model: Enricher) -> None:
    config = PipelineConfig(batch_size=3, batch_wait_ms=5, neardup_capacity=0)

    run(store, model, [payload("1", ORIGINAL, T0), payload("2", ORIGINAL, T0)], config)

    assert [item.dup_group for item in store.query_posts(PostQuery()).items] == [None, None]
