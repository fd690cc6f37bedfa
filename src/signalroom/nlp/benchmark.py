"""Throughput of the enricher on synthetic short posts: ``python -m signalroom.nlp.benchmark``.

Times :meth:`Enricher.enrich_batch` (and, for the breakdown, language id alone) over posts
from :mod:`signalroom.nlp.synthetic`, in batches as the pipeline sends them, after a
warm-up batch. Prints posts/s; ``--json`` prints one object. A measuring tool, not a test:
speed goals are checked here, never in timed tests.
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Callable, Sequence

import msgspec

from signalroom.models import Post
from signalroom.nlp.enricher import Enricher
from signalroom.nlp.synthetic import synthetic_posts


class EnrichBenchmark(msgspec.Struct, frozen=True):
    """Posts per second by the wall clock and by this process's CPU time: on a shared
    machine the CPU figure is what one free core would do."""

    posts: int
    batch_size: int
    enrich_posts_per_s: float
    enrich_posts_per_cpu_s: float
    language_posts_per_s: float
    language_posts_per_cpu_s: float


def measure(posts: int = 20_000, batch_size: int = 500, seed: int = 0) -> EnrichBenchmark:
    enricher = Enricher.load()
    sample = synthetic_posts(posts, seed=seed)
    batches = [sample[i : i + batch_size] for i in range(0, len(sample), batch_size)]
    enricher.enrich_batch(batches[0])
    enrich_s, enrich_cpu_s = _time(enricher.enrich_batch, batches)
    language_s, language_cpu_s = _time(enricher.detect_languages, batches)
    return EnrichBenchmark(
        posts=posts,
        batch_size=batch_size,
        enrich_posts_per_s=posts / enrich_s,
        enrich_posts_per_cpu_s=posts / enrich_cpu_s,
        language_posts_per_s=posts / language_s,
        language_posts_per_cpu_s=posts / language_cpu_s,
    )


def _time(
    run: Callable[[Sequence[Post]], object], batches: Sequence[Sequence[Post]]
) -> tuple[float, float]:
    wall = time.perf_counter()
    cpu = time.process_time()
    for batch in batches:
        run(batch)
    return time.perf_counter() - wall, time.process_time() - cpu


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m signalroom.nlp.benchmark")
    parser.add_argument("--posts", type=int, default=20_000)
    parser.add_argument("--batch-size", type=int, default=500)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    result = measure(args.posts, args.batch_size, args.seed)
    if args.json:
        print(json.dumps(msgspec.to_builtins(result)))
    else:
        print(
            f"enrich_batch: {result.enrich_posts_per_s:,.0f} posts/s"
            f" ({result.enrich_posts_per_cpu_s:,.0f} per CPU second)"
        )
        print(
            f"language id:  {result.language_posts_per_s:,.0f} posts/s"
            f" ({result.language_posts_per_cpu_s:,.0f} per CPU second)"
        )
        print(f"({result.posts:,} posts in batches of {result.batch_size})")


if __name__ == "__main__":
    main()
