"""Source health: states, staleness, items per minute, and one log line per failure and
per recovery (never one per retry)."""

from __future__ import annotations

import logging

import pytest

from signalroom.clock import ManualClock
from signalroom.sources.health import SourceHealth

T0 = 1_700_000_000.0


def test_health_moves_through_states_and_counts_items() -> None:
    clock = ManualClock(T0)
    health = SourceHealth("bsky", "bluesky", clock, stale_after_s=600)
    assert health.snapshot().status == "starting"
    health.connected()
    clock.advance(1)
    health.item(30)
    snap = health.snapshot()
    assert (snap.status, snap.items_total, snap.items_per_minute) == ("connected", 30, 30.0)
    assert snap.last_item_at == T0 + 1
    clock.advance(61)
    assert health.snapshot().items_per_minute == 0.0
    clock.advance(600)
    stale = health.snapshot()
    assert stale.status == "stale"
    assert stale.since == T0 + 1
    assert stale.detail == "no item for 661 s"


def test_health_reports_rate_limits_auth_and_recovery() -> None:
    clock = ManualClock(T0)
    health = SourceHealth("x", "x", clock, stale_after_s=0)
    health.rate_limited(T0 + 900, "429 Too Many Requests")
    snap = health.snapshot()
    assert (snap.status, snap.rate_limited_until) == ("rate_limited", T0 + 900)
    health.auth_failed("401 Unauthorized")
    assert health.snapshot().errors_total == 1
    health.item()
    recovered = health.snapshot()
    assert (recovered.status, recovered.rate_limited_until) == ("connected", None)
    clock.advance(10_000)
    assert health.snapshot().status == "connected"  # stale_after_s=0: never stale


def test_health_logs_once_per_failure_and_once_per_recovery(
    caplog: pytest.LogCaptureFixture,
) -> None:
    health = SourceHealth("feeds", "rss", ManualClock(T0), stale_after_s=0)
    with caplog.at_level(logging.INFO, logger="signalroom.sources.health"):
        for attempt in range(5):
            health.failing(f"connection refused (attempt {attempt})")
        health.connected()
        health.connected()
    messages = [record.getMessage() for record in caplog.records]
    assert messages == [
        "source feeds: failing (connection refused (attempt 0))",
        "source feeds: recovered, connected",
    ]
    assert health.snapshot().errors_total == 5
    assert len(health.snapshot().recent_errors) == 5
