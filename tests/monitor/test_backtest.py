"""Backtest: replaying stored minutes through a detector raises what the live engine
raised on the same series, with the same grouping and auto-resolve."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from signalroom.alerting.model import AuditEntry
from signalroom.detectors.keyword import KeywordSettings
from signalroom.detectors.spike import SpikeSettings
from signalroom.errors import NotFoundError, ValidationError
from signalroom.models import Rollup
from signalroom.monitor import BacktestResult, backtest, backtest_topic
from signalroom.monitor.backtest import BacktestDetector
from signalroom.monitor.settings import AnySettings, RuleName, settings_for
from tests.monitor.harness import MIN, T0, System, system

SPIKE = {
    "window_s": 900,
    "period_s": 3600,
    "baseline_days": 3,
    "slot_tolerance_s": 600,
    "warmup_s": 4 * 3600,
    "threshold_history_days": 2,
    "persistence_k": 2,
    "persistence_m": 3,
    "cooldown_s": 3600,
    "day_of_week": False,
}
HOURS = 12


def rate(minute: int) -> tuple[int, int]:
    """Posts per minute on (brand, risk): calm, with two crises."""
    rng = random.Random(minute)
    brand = rng.choice((1, 2, 3, 4))
    risk = 1 if rng.random() < 0.05 else 0
    if 6 * 60 <= minute < 6 * 60 + 25 or 9 * 60 <= minute < 9 * 60 + 10:
        brand += 25
        risk += 2
    return brand, risk


def live_run(s: System) -> None:
    s.engine.set_detector_settings(s.brand.id, "spike", values=SPIKE)
    off: tuple[RuleName, ...] = ("sentiment", "influencer", "trend")
    for name in off:
        s.engine.set_detector_settings(s.brand.id, name, enabled=False)
    s.engine.set_detector_settings(s.risk.id, "keyword", values={"cooldown_s": 1800})
    s.engine.warm_up()
    for minute in range(HOURS * 60):
        brand, risk = rate(minute)
        at = T0 + minute * MIN + 10
        posts = [s.post(s.brand, at, label="neutral") for _ in range(brand)]
        posts += [s.post(s.risk, at, handle=f"r{minute}-{i}") for i in range(risk)]
        s.commit(*posts)
        s.clock.advance(MIN)
        s.engine.tick()
    for _ in range(3):
        s.clock.advance(MIN)
        s.engine.tick()


def triggers(entries: list[AuditEntry]) -> list[tuple[str, float]]:
    return [(e.action, e.at) for e in entries if e.action in ("opened", "reopened", "resolved")]


def expected_triggers(result: BacktestResult) -> list[tuple[str, float]]:
    events: list[tuple[str, float]] = []
    for alert in result.alerts:
        events.append(("opened" if alert.trigger == 1 else "reopened", alert.opened_at))
        if alert.resolved_at is not None:
            events.append(("resolved", alert.resolved_at))
    return events


def test_backtest_raises_what_the_live_engine_raised_on_the_same_series(tmp_path: Path) -> None:
    with system(tmp_path) as s:
        live_run(s)
        until = T0 + HOURS * 3600
        cases: list[tuple[int, BacktestDetector, AnySettings]] = [
            (s.brand.id, "spike", settings_for("spike", SPIKE)),
            (s.risk.id, "keyword", KeywordSettings(cooldown_s=1800)),
        ]
        for topic_id, detector, settings in cases:
            result = backtest_topic(
                s.store,
                topic_id,
                detector,
                T0,
                until,
                settings=settings,
            )
            live = list(s.alerts.list_alerts(topic_id=topic_id))
            assert result.distinct_alerts >= 2, detector
            entries = [e for r in reversed(live) for e in s.alerts.audit(r.alert.id)]
            assert triggers(entries) == expected_triggers(result), detector
            found = [e for e in entries if e.action in ("opened", "updated", "reopened")]
            assert len(found) == len(result.findings), detector
            assert [e.note for e in found] == [f.reason for f in result.findings], detector
            first = result.alerts[0]
            assert first.onset < first.opened_at
            assert first.observed > first.band_high


def test_backtest_of_a_quiet_series_raises_nothing() -> None:
    rollups = [Rollup(1, T0 + m * 60, 3, 1, 1, 1, 0.0, 30) for m in range(2 * 1440)]
    result = backtest(rollups, topic_id=1, detector="spike", since=T0, until=T0 + 2 * 86400)
    assert result.minutes == 2 * 1440
    assert result.findings == ()
    assert result.alerts == ()


def test_backtest_ignores_other_topics_and_counts_missing_minutes_as_zero() -> None:
    burst = [Rollup(2, T0 + 600 + m * 60, 9, 0, 9, 0, 0.0, 0) for m in range(3)]
    other = [Rollup(3, T0 + 600 + m * 60, 9, 0, 9, 0, 0.0, 0) for m in range(3)]
    result = backtest(
        burst + other,
        topic_id=2,
        detector="keyword",
        since=T0,
        until=T0 + 3600,
        settings=KeywordSettings(min_count=9, window_s=60, cooldown_s=0),
    )
    assert [f.onset for f in result.findings] == [T0 + 600, T0 + 660, T0 + 720]
    assert result.distinct_alerts == 1
    assert result.alerts[0].findings == 3


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"since": T0, "until": T0}, "period"),
        ({"since": float("nan"), "until": T0}, "period"),
        ({"since": T0, "until": T0 + 500 * 86400}, "period"),
        ({"detector": "trend"}, "detector"),
        ({"settings": SpikeSettings()}, "keyword"),
    ],
)
def test_backtest_refuses_bad_requests(kwargs: dict[str, object], field: str) -> None:
    request: dict[str, object] = {
        "topic_id": 1,
        "detector": "keyword",
        "since": T0,
        "until": T0 + 3600,
    }
    request.update(kwargs)
    with pytest.raises(ValidationError) as caught:
        backtest([], **request)  # type: ignore[arg-type]
    assert caught.value.field == field


def test_backtest_topic_needs_a_known_topic(tmp_path: Path) -> None:
    with system(tmp_path) as s, pytest.raises(NotFoundError):
        backtest_topic(s.store, 999, "spike", T0, T0 + 3600)
