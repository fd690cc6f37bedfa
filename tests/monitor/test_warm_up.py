"""Warm-up after a restart: detector state comes back from stored minutes, so a restart
neither blinds the spike detector for days nor makes it alert on history again."""

from __future__ import annotations

import random
from pathlib import Path

from signalroom.models import EnrichedPost
from signalroom.store.base import WriteBatch
from tests.monitor.harness import MIN, T0, System, system

DAY = 86400.0


def history(s: System, days: float, *, spike_at: float | None = None) -> None:
    rng = random.Random(4)
    posts: list[EnrichedPost] = []
    for minute in range(int(days * 1440)):
        at = T0 + minute * MIN + 5
        count = rng.choice((1, 2, 3))
        if spike_at is not None and spike_at <= at < spike_at + 3600:
            count += 30
        posts.extend(s.post(s.brand, at, label="neutral") for _ in range(count))
    s.store.write_batch(WriteBatch(posts=tuple(posts)))


def test_warm_up_rebuilds_the_spike_detector_so_a_spike_alerts_at_once(tmp_path: Path) -> None:
    with system(tmp_path, start=T0 + 3 * DAY) as s:
        history(s, 3)
        report = s.engine.warm_up()
        assert report.minutes >= 3 * 1440 - 5
        assert report.findings_suppressed == 0
        for _ in range(60):
            at = s.clock.now() + 5
            s.commit(*(s.post(s.brand, at, label="neutral") for _ in range(40)))
            s.clock.advance(MIN)
            s.engine.tick()
        alerts = [r.alert for r in s.alerts.list_alerts()]
        assert [(a.detector, a.state) for a in alerts] == [("spike", "open")]
        assert alerts[0].opened_at - (T0 + 3 * DAY) <= 45 * MIN


def test_warm_up_does_not_alert_again_on_history(tmp_path: Path) -> None:
    with system(tmp_path, start=T0 + 2 * DAY + 7 * 3600) as s:
        history(s, 2 + 7 / 24, spike_at=T0 + 2 * DAY + 6 * 3600)
        assert s.engine.warm_up().findings_suppressed == 1
        for _ in range(30):
            s.clock.advance(MIN)
            s.engine.tick()
        assert s.alerts.list_alerts() == []
