"""The moderation keeper: a rule change reaches new posts and re-checks recent stored ones,
announces every post whose verdict changed, and never overturns a person's decision."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from signalroom.bus.base import LIVE_CHANNEL, Message
from signalroom.bus.memory import MemoryBroadcaster
from signalroom.clock import ManualClock
from signalroom.models import ModerationRuleDraft
from signalroom.nlp import Enricher
from signalroom.nlp.moderation_rules import RuleSet
from signalroom.pipeline.moderation import ModerationKeeper
from signalroom.store.base import WriteBatch
from signalroom.store.sqlite import SqliteStore
from tests.store.builders import T0, make_post


@pytest.fixture(scope="module")
def model() -> Iterator[Enricher]:
    enricher = Enricher.load()
    yield enricher
    enricher.set_rules(RuleSet())


@pytest.fixture
def store(tmp_path: Path) -> Iterator[SqliteStore]:
    opened = SqliteStore.open(tmp_path / "keeper.db", clock=ManualClock(T0))
    yield opened
    opened.close()


def test_rule_change_rechecks_recent_posts_and_announces_them(
    store: SqliteStore, model: Enricher
) -> None:
    clock = ManualClock(T0 + 60)
    old = make_post("old", created_at=T0 - 3 * 3600, text="the zorp lounge")
    recent = make_post("recent", created_at=T0, text="the zorp lounge is lovely")
    decided = make_post("decided", created_at=T0, text="zorp zorp")
    calm = make_post("calm", created_at=T0, text="the lounge is lovely")
    store.write_batch(WriteBatch(posts=(old, recent, decided, calm)))
    store.set_moderation("demo:decided", "safe", "Ana", T0)
    store.add_moderation_rule(
        ModerationRuleDraft(kind="word", action="block", value="zorp", created_by="Ana"), T0
    )

    async def scenario() -> list[dict[str, object]]:
        bus = MemoryBroadcaster()
        keeper = ModerationKeeper(store, model, bus, clock, recheck_hours=1)
        subscription = await bus.subscribe(LIVE_CHANNEL)
        runner = asyncio.create_task(keeper.run())
        keeper.rules_changed()
        await asyncio.wait_for(keeper.settled(), 30)
        runner.cancel()
        events: list[dict[str, object]] = []
        async with asyncio.timeout(5):
            async for message in subscription:
                assert isinstance(message, Message)
                events.append(json.loads(message.data))
                break
        await subscription.close()
        await bus.close()
        return events

    events = asyncio.run(scenario())
    assert [e["item"]["id"] for e in events] == ["demo:recent"]  # type: ignore[index]
    assert store.get_post("demo:recent").enrichment.moderation.verdict == "block"
    # Outside the re-check window, and a person's decision: left alone.
    assert store.get_post("demo:old").enrichment.moderation.verdict == "safe"
    assert store.get_post("demo:decided").enrichment.moderation.verdict == "safe"
    assert store.get_post("demo:calm").enrichment.moderation.verdict == "safe"
    # New posts follow the rule too.
    fresh = model.enrich_batch([recent.post])[0]
    assert fresh.moderation.verdict == "block"
