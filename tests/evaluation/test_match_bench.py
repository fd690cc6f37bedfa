"""``signalroom bench match`` runs end to end on a small scale and reports its numbers."""

from __future__ import annotations

import pytest

from signalroom.evaluation.match_bench import run_match_bench


def test_run_match_bench_reports_throughput_for_generated_topics_and_posts() -> None:
    result = run_match_bench(topics=50, posts=300, seed=3)
    assert set(result) == {"topics", "posts", "posts_per_s", "compile_s"}
    assert result["topics"] == 50
    assert result["posts"] == 300
    assert result["posts_per_s"] > 0
    assert result["compile_s"] >= 0


def test_run_match_bench_refuses_empty_runs() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        run_match_bench(topics=0, posts=10)
