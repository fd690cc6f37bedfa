"""``signalroom bench pipeline``: push N generated posts through the full single-node
pipeline (normalize → dedupe → language → match → enrich → SQLite → live bus) into a
temporary store, and measure throughput, ingest-to-stored latency and peak memory.

The generated stream is the demo scenario with its default topics, so the work per post
is what a real deployment does. Must not touch the user's data directory.
"""

from __future__ import annotations

import asyncio
import resource
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from signalroom.bus.memory import MemoryBroadcaster
from signalroom.clock import SystemClock
from signalroom.config import PipelineConfig
from signalroom.nlp import Enricher
from signalroom.pipeline.runner import Pipeline
from signalroom.sources.demo import DemoScenario, default_topics, generate_payloads
from signalroom.sources.iterable import IterableSource
from signalroom.store.base import WriteResult
from signalroom.store.sqlite import SqliteStore


def peak_rss_mb() -> float:
    """Peak resident set size of this process so far (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def children_peak_rss_mb() -> float:
    """The largest peak resident set size of this process's finished children."""
    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024


def run_pipeline_bench(
    posts: int, seed: int = 1, config: PipelineConfig | None = None
) -> dict[str, Any]:
    if posts < 1:
        raise ValueError("posts must be at least 1")
    with tempfile.TemporaryDirectory(prefix="signalroom-bench-") as tmp:
        return asyncio.run(_bench(Path(tmp), posts, seed, config or PipelineConfig()))


async def _bench(directory: Path, posts: int, seed: int, config: PipelineConfig) -> dict[str, Any]:
    clock = SystemClock()
    store = SqliteStore.open(directory / "bench.db")
    try:
        for draft in default_topics():
            store.create_topic(draft, clock.now())
        model = Enricher.load()
        scenario = DemoScenario(seed=seed, start=clock.now() - posts / 20.0)
        latencies: list[float] = []

        def record(result: WriteResult, committed_at: float) -> None:
            latencies.extend(committed_at - item.post.received_at for item in result.inserted)

        pipeline = Pipeline(store, MemoryBroadcaster(), model, clock, config, on_commit=record)
        source = IterableSource(
            "bench",
            "demo",
            lambda start: generate_payloads(scenario, posts - start, start_seq=start),
            clock,
        )
        started = time.perf_counter()
        await pipeline.run([source])
        elapsed = time.perf_counter() - started
        counters = pipeline.counters
        # The worker processes' memory counts too: each reports its own peak as it stops
        # (and at least the largest finished child's is counted, whatever happened).
        workers_rss_mb = (
            max(pipeline.workers_peak_rss_mb, children_peak_rss_mb()) if config.workers else 0.0
        )
    finally:
        store.close()
    quantiles = statistics.quantiles(latencies, n=100) if len(latencies) >= 2 else latencies * 99
    return {
        "posts": posts,
        "seconds": round(elapsed, 3),
        "posts_per_s": round(posts / elapsed, 1),
        "stored": counters.stored,
        "unmatched": counters.unmatched,
        "rejected": counters.rejected,
        "duplicates": counters.duplicates,
        "p50_latency_ms": round(quantiles[49] * 1000, 1) if quantiles else None,
        "p99_latency_ms": round(quantiles[98] * 1000, 1) if quantiles else None,
        "peak_rss_mb": round(peak_rss_mb() + workers_rss_mb, 1),
        "workers": config.workers,
        "model_version": model.model_version,
    }
