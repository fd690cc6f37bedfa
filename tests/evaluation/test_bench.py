"""``signalroom bench pipeline`` on a few hundred posts: every post is accounted for, and
the peak memory it reports counts the worker processes too."""

from __future__ import annotations

from signalroom.config import PipelineConfig
from signalroom.evaluation.bench import peak_rss_mb, run_pipeline_bench


def test_bench_pipeline_accounts_for_every_post_in_process() -> None:
    result = run_pipeline_bench(300, config=PipelineConfig(workers=0))
    assert result["posts"] == 300
    assert result["workers"] == 0
    assert result["stored"] + result["unmatched"] + result["duplicates"] == 300
    assert result["rejected"] == 0
    assert result["posts_per_s"] > 0
    assert result["p50_latency_ms"] <= result["p99_latency_ms"]
    assert result["peak_rss_mb"] <= round(peak_rss_mb(), 1) + 0.1  # rounded to 0.1 MB


def test_bench_pipeline_counts_the_worker_processes_memory() -> None:
    result = run_pipeline_bench(300, config=PipelineConfig(workers=1))
    assert result["workers"] == 1
    assert result["stored"] + result["unmatched"] + result["duplicates"] == 300
    # This process's peak can only have grown since; the rest is the worker's (a Python
    # interpreter alone is well over 10 MB).
    assert result["peak_rss_mb"] - peak_rss_mb() > 10
