"""The demo source: the demo scenario (``demo_scenario``) played in real time, so
``signalroom demo`` fills a wall within seconds with no network; and the demo's default
topics (``demo_topics.toml``).

``generate_payloads`` gives the same stream without waiting (``signalroom bench pipeline``).
Must not touch the network or read any data set.
"""

from __future__ import annotations

import asyncio
import dataclasses
import math
import tomllib
from collections.abc import AsyncIterator, Iterator
from importlib import resources
from typing import Final

import msgspec

from signalroom.clock import Clock
from signalroom.errors import ConfigError, SourceError
from signalroom.models import RawItem, TopicDraft
from signalroom.sources.base import SourceCheck
from signalroom.sources.demo_scenario import DemoScenario, GeneratedPost, ScenarioGenerator

__all__ = [
    "DemoScenario",
    "DemoSource",
    "GeneratedPost",
    "ScenarioGenerator",
    "default_topics",
    "generate_payloads",
]

_MAX_LAG_S: Final = 10.0
"""A live stream this far behind skips ahead rather than catching up post by post."""


def generate_payloads(scenario: DemoScenario, count: int, start_seq: int = 0) -> Iterator[bytes]:
    """``count`` payloads of the scenario as fast as they can be made, simulated time
    advancing at the configured rate; the first gets sequence number ``start_seq + 1``."""
    generator = ScenarioGenerator(scenario, start_seq)
    for _ in range(count):
        yield generator.next().payload


def _sequence_after(since: str | None) -> int:
    if since is None or since == "":
        return 0
    if not since.isdigit():
        raise SourceError(
            f"demo checkpoint {since!r} is not a sequence number; "
            "run the demo with a new --data-dir to start over"
        )
    return int(since)


class DemoSource:
    """The scenario played in real time: the :class:`~signalroom.sources.base.Source` of
    ``signalroom demo``. Checkpoints are sequence numbers; after a restart the numbering
    goes on after the last committed one, so native ids never repeat."""

    def __init__(
        self, scenario: DemoScenario, clock: Clock, name: str = "demo", history_s: float = 0.0
    ) -> None:
        """``history_s``: on a fresh start (no checkpoint), first generate this many seconds
        of calm past posts as fast as the pipeline takes them, so charts have history from
        the first second; the scripted events keep their times relative to the present."""
        if not (math.isfinite(history_s) and history_s >= 0):
            raise ConfigError("demo.history_s", f"got {history_s!r}, expected seconds >= 0")
        self._scenario = scenario
        self._clock = clock
        self._name = name
        self._history_s = history_s

    @property
    def name(self) -> str:
        return self._name

    @property
    def kind(self) -> str:
        return "demo"

    @property
    def scenario(self) -> DemoScenario:
        return self._scenario

    async def check(self) -> SourceCheck:
        s = self._scenario
        return SourceCheck(
            ok=True,
            detail=f"generated scenario (seed {s.seed}, {s.rate_per_s:g} posts/s), no network needed",
        )

    async def stream(self, since: str | None) -> AsyncIterator[RawItem]:
        scenario = self._scenario
        backfilling = since is None and self._history_s > 0
        if backfilling:
            history = self._history_s
            scenario = dataclasses.replace(
                scenario,
                start=scenario.start - history,
                campaign_at_s=scenario.campaign_at_s + history,
                crisis_at_s=scenario.crisis_at_s + history,
            )
        generator = ScenarioGenerator(scenario, _sequence_after(since))
        start, clock = scenario.start, self._clock
        while True:
            behind = clock.now() - start - generator.elapsed_s
            if backfilling and behind <= 0:
                backfilling = False
            if behind > _MAX_LAG_S and not backfilling:
                # Asleep or starved: catch up with the present instead of flooding the wall.
                generator.skip_to(generator.elapsed_s + behind)
            post = generator.next()
            wait = start + post.at_s - clock.now()
            if wait > 0:
                await asyncio.sleep(wait)
            elif backfilling and post.seq % 256 == 0:
                await asyncio.sleep(0)  # let the pipeline run while the history floods in
            yield RawItem(
                source="demo",
                payload=post.payload,
                received_at=clock.now(),
                checkpoint=str(post.seq),
            )


def default_topics() -> list[TopicDraft]:
    """The topics the demo starts with (``demo_topics.toml``), one query per brand, the
    campaign and a risk watch."""
    text = resources.files("signalroom.sources").joinpath("demo_topics.toml").read_text("utf-8")
    drafts = msgspec.convert(tomllib.loads(text)["topic"], list[TopicDraft])
    # Queries are written over several lines in the file; one line reads better.
    return [msgspec.structs.replace(d, query=" ".join(d.query.split())) for d in drafts]
