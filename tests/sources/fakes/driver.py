"""Driving a connector under test. A polling one runs in simulated time: its injected sleep
advances a ManualClock instead of waiting, records every wait, runs the test's hooks between
polls, and ends the run after a budget of sleeps. A streaming one (Bluesky, Mastodon) runs on
the real event loop against fakes on loopback, every wait bounded by a timeout. Also the
SourceDeps every connector test builds.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import TypeVar

from signalroom.clock import Clock, ManualClock
from signalroom.models import RawItem, Topic
from signalroom.secrets import SecretResolver
from signalroom.sources.deps import SourceDeps
from signalroom.sources.health import SourceHealth
from tests.sources.fakes.httpserver import FakeHttpServer

T = TypeVar("T")


class SleepBudgetSpentError(Exception):
    """The run used all the sleeps the test allowed: the connector is idle, the test ends it."""


@dataclass
class FakeSleep:
    clock: ManualClock
    budget: int = 50
    hook: Callable[[int], Awaitable[None]] | None = None
    waits: list[float] = field(default_factory=list)

    async def __call__(self, seconds: float) -> None:
        if len(self.waits) >= self.budget:
            raise SleepBudgetSpentError
        self.waits.append(seconds)
        self.clock.advance(max(0.0, seconds))
        if self.hook is not None:
            await self.hook(len(self.waits))
        await asyncio.sleep(0)


def outage(
    server: FakeHttpServer, during: Callable[[], None], *, down_at: int = 1, up_at: int = 3
) -> Callable[[int], Awaitable[None]]:
    """A FakeSleep hook: the fake service crashes at the ``down_at``-th sleep, ``during()``
    runs while it is down (new items the connector must not miss), and it comes back on the
    same port at the ``up_at``-th sleep."""
    port = server.port

    async def hook(sleeps: int) -> None:
        if sleeps == down_at:
            await server.stop()
            during()
        if sleeps == up_at:
            server.port = port
            await server.start()

    return hook


def make_deps(
    clock: Clock,
    name: str,
    kind: str,
    *,
    topics: Sequence[Topic] = (),
    environ: dict[str, str] | None = None,
) -> SourceDeps:
    health = SourceHealth(name, kind, clock, stale_after_s=0)
    current = topics if isinstance(topics, list) else list(topics)  # tests edit a list live
    return SourceDeps(
        clock=clock,
        secrets=SecretResolver(environ or {}),
        health=health,
        topics=lambda: current,
    )


def topic(topic_id: int, name: str, query: str) -> Topic:
    return Topic(topic_id, name, query, "brand", "#4f9dff", 0.0, 0.0)


async def collect(stream: AsyncIterator[RawItem], limit: int = 10_000) -> list[RawItem]:
    """Items until the sleep budget is spent (or ``limit`` items), then close the stream."""
    items: list[RawItem] = []
    try:
        async for item in stream:
            items.append(item)
            if len(items) >= limit:
                break
    except SleepBudgetSpentError:
        pass
    finally:
        aclose = getattr(stream, "aclose", None)
        if aclose is not None:
            await aclose()
    return items


def run(coroutine: Awaitable[T], timeout_s: float = 30.0) -> T:
    """Run a streaming connector's scenario on a fresh event loop, failing after ``timeout_s``."""

    async def bounded() -> T:
        async with asyncio.timeout(timeout_s):
            return await coroutine

    return asyncio.run(bounded())


async def until(condition: Callable[[], bool], timeout_s: float = 10.0) -> None:
    """Wait (polling the event loop) until ``condition()`` holds; fail after ``timeout_s``."""
    async with asyncio.timeout(timeout_s):
        for _ in iter(int, 1):
            if condition():
                return
            await asyncio.sleep(0.005)


async def read_until(stream: AsyncIterator[RawItem], condition: Callable[[], bool]) -> None:
    """Keep ``stream`` reading in the background until ``condition()`` holds (a health state,
    a count on a fake), then stop it: for tests that watch the connector, not its items."""
    pending = asyncio.ensure_future(anext(stream))
    try:
        await until(condition)
    finally:
        pending.cancel()
        await asyncio.gather(pending, return_exceptions=True)
        aclose = getattr(stream, "aclose", None)
        if aclose is not None:
            await aclose()


async def take(
    items: AsyncIterator[RawItem], count: int, until: Callable[[list[RawItem]], bool] | None = None
) -> list[RawItem]:
    """The next ``count`` items of a live stream (fewer when ``until`` holds first), within 10 s."""
    got: list[RawItem] = []
    async with asyncio.timeout(10):
        async for item in items:
            got.append(item)
            if len(got) >= count or (until is not None and until(got)):
                break
    return got
