"""Warm-up after a restart: detector state comes back from stored minutes, so a restart
neither blinds the spike detector for days nor makes it alert on history again."""

from __future__ import annotations

import random
import threading
from pathlib import Path
from typing import Any

from signalroom.models import EnrichedPost
from signalroom.monitor import AlertEngine
from signalroom.store.base import WriteBatch
from signalroom.store.sqlite import SqliteStore
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


class SlowStore:
    """The real store, except that reading rollups waits until the test releases it: a
    warm-up caught in the middle of its replay."""

    def __init__(self, inner: SqliteStore) -> None:
        self.inner = inner
        self.entered = threading.Event()
        self.release = threading.Event()

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    def query_rollups(self, *args: Any, **kwargs: Any) -> Any:
        self.entered.set()
        assert self.release.wait(10)
        return self.inner.query_rollups(*args, **kwargs)


def test_people_act_on_alerts_while_the_engine_replays_history(tmp_path: Path) -> None:
    with system(tmp_path, start=T0 + DAY) as s:
        alert = s.engine.escalate_manually(s.brand.id, "social", "look at this", "ana")
        slow = SlowStore(s.store)
        engine = AlertEngine(slow, s.alerts, s.clock)  # type: ignore[arg-type]
        warming = threading.Thread(target=engine.warm_up)
        warming.start()
        try:
            assert slow.entered.wait(10)
            # The replay holds no lock people need: this does not wait for it.
            assert engine.acknowledge(alert.id, "ben").state == "acknowledged"
        finally:
            slow.release.set()
            warming.join(10)
        assert not warming.is_alive()


def test_a_post_stored_during_the_replay_alerts_once(tmp_path: Path) -> None:
    with system(tmp_path, start=T0 + DAY) as s:
        # Cooldown 0: every negative post by a big account is a finding, so a post fed
        # twice would count twice.
        s.engine.set_detector_settings(s.brand.id, "influencer", values={"author_cooldown_s": 0})

        def loud(at: float) -> EnrichedPost:
            return s.post(s.brand, at, handle="megaphone", followers=2_000_000, reach=2_000_000)

        # Committed while the replay ran (so the replay read it), observed after it: it is
        # news, so the finding the replay held back is raised, once.
        result = s.store.write_batch(WriteBatch(posts=(loud(T0 + DAY - 30),)))
        assert s.engine.warm_up().findings_suppressed == 1
        s.engine.on_commit(result, s.clock.now())
        (record,) = s.alerts.list_alerts()
        assert (record.alert.detector, record.alert.count) == ("influencer", 1)
        # The detector goes on from there: the author's next post is one more finding.
        s.clock.advance(MIN)
        s.commit(loud(s.clock.now()))
        (record,) = s.alerts.list_alerts()
        assert record.alert.count == 2


def test_history_the_replay_read_stays_quiet(tmp_path: Path) -> None:
    with system(tmp_path, start=T0 + DAY) as s:
        big = s.post(s.brand, T0 + DAY - 30, handle="megaphone", followers=2_000_000)
        s.store.write_batch(WriteBatch(posts=(big,)))  # stored by the process before
        assert s.engine.warm_up().findings_suppressed == 1
        for _ in range(15):
            s.clock.advance(MIN)
            s.engine.tick()
        assert s.alerts.list_alerts() == []
