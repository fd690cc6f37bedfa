"""The fan-in of the streaming connectors: queued items are handed over, and a background
task that died or ended is surfaced instead of leaving the reader waiting."""

from __future__ import annotations

import asyncio

import pytest

from signalroom.errors import SourceError
from signalroom.sources.fan_in import cancel_all, next_item


def test_fan_in_hands_over_items_then_surfaces_a_dead_task() -> None:
    async def scenario() -> None:
        queue: asyncio.Queue[int] = asyncio.Queue(2)

        async def feeder() -> None:
            await queue.put(1)
            raise RuntimeError("a bug in the reader")

        tasks = [asyncio.create_task(feeder())]
        try:
            assert await next_item(queue, tasks, stopped="stopped") == 1
            with pytest.raises(RuntimeError, match="a bug in the reader"):
                await next_item(queue, tasks, stopped="stopped")
        finally:
            await cancel_all(tasks)

        async def quitter() -> None:
            return None

        tasks = [asyncio.create_task(quitter())]
        with pytest.raises(SourceError, match="the reader stopped"):
            await next_item(queue, tasks, stopped="the reader stopped")
        await cancel_all(tasks)

    asyncio.run(scenario())
