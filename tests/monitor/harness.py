"""A real single-node alerting setup for the monitor tests: one SQLite file holding posts
and alerts, a manual clock, a risk topic and a brand topic, teams, a policy and routing."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from signalroom.alerting import EscalationLevel, EscalationPolicy, RoutingTable
from signalroom.alerting.teams import Member, SignedWebhook, Team
from signalroom.clock import ManualClock
from signalroom.models import (
    Author,
    EnrichedPost,
    Enrichment,
    Post,
    Sentiment,
    SentimentLabel,
    Topic,
    TopicDraft,
)
from signalroom.monitor import AlertEngine, EngineSettings
from signalroom.store.base import WriteBatch
from signalroom.store.sqlite import SqliteStore
from signalroom.store.sqlite_alerts import SqliteAlertStore

T0 = 1_699_920_000.0
"""2023-11-14T00:00:00Z: the start of a day."""
MIN = 60.0

POLICY = EscalationPolicy(
    name="crisis",
    levels=(
        EscalationLevel(targets=("social",), timeout_s=15 * MIN),
        EscalationLevel(targets=("comms",), timeout_s=30 * MIN),
    ),
    repeat=1,
)
SOCIAL = Team(
    name="social",
    members=(Member(name="Ana", contact="on call weekdays"),),
    channels=("env:SLACK_SOCIAL", "env:MAIL_SOCIAL"),
)
COMMS = Team(
    name="comms",
    channels=("file:/run/secrets/comms_sms",),
    webhook=SignedWebhook(url="https://hooks.example.test/comms", key="env:COMMS_KEY"),
)
CHANNELS = {"social": 2, "comms": 2}
"""Outbox messages per step for each team."""


@dataclass
class System:
    path: Path
    clock: ManualClock
    store: SqliteStore
    alerts: SqliteAlertStore
    engine: AlertEngine
    risk: Topic
    brand: Topic
    serial: int = 0

    def post(
        self,
        topic: Topic,
        created_at: float,
        *,
        text: str = "recall notice for acme",
        label: SentimentLabel = "negative",
        handle: str = "someone",
        followers: int = 10,
        reach: int = 10,
        hashtags: tuple[str, ...] = (),
    ) -> EnrichedPost:
        self.serial += 1
        post = Post(
            source="demo",
            native_id=f"p{self.serial}",
            url=f"https://example.test/p{self.serial}",
            author=Author(handle=handle, followers=followers),
            text=text,
            created_at=created_at,
            received_at=created_at + 1,
        )
        enrichment = Enrichment(
            lang="en",
            lang_confidence=0.9,
            sentiment=Sentiment(label=label, score=-0.8 if label == "negative" else 0.0),
            hashtags=hashtags,
            mentions=(),
            links=(),
            reach=reach,
            model_version="test",
        )
        return EnrichedPost(post=post, enrichment=enrichment, topics=(topic.id,))

    def commit(self, *posts: EnrichedPost) -> None:
        """Store the posts and hand the commit to the engine, as the pipeline does."""
        result = self.store.write_batch(WriteBatch(posts=posts))
        self.engine.on_commit(result, self.clock.now())

    def restart(self, settings: EngineSettings | None = None) -> None:
        """A new process: new store objects and a new engine on the same file."""
        self.engine_settings = settings or self.engine.settings
        self.alerts.close()
        self.store.close()
        self.store = SqliteStore.open(self.path, clock=self.clock)
        self.alerts = SqliteAlertStore.open(self.path)
        self.engine = AlertEngine(self.store, self.alerts, self.clock, self.engine_settings)
        self.engine.warm_up()

    def close(self) -> None:
        self.alerts.close()
        self.store.close()


def open_system(
    folder: Path, *, start: float = T0, settings: EngineSettings | None = None
) -> System:
    """A fresh database in ``folder`` with two topics, two teams, a policy and routing."""
    path = folder / "signalroom.db"
    clock = ManualClock(start)
    store = SqliteStore.open(path, clock=clock)
    alerts = SqliteAlertStore.open(path)
    risk = store.create_topic(TopicDraft(name="Acme recalls", query="recall", kind="risk"), start)
    brand = store.create_topic(TopicDraft(name="Kestrava Air", query="kestrava"), start)
    alerts.put_team(SOCIAL)
    alerts.put_team(COMMS)
    alerts.put_policy(POLICY)
    alerts.put_routing(RoutingTable(default_policy="crisis"))
    engine = AlertEngine(store, alerts, clock, settings)
    return System(path, clock, store, alerts, engine, risk, brand)


@contextmanager
def system(
    tmp_path: Path, *, start: float = T0, settings: EngineSettings | None = None
) -> Iterator[System]:
    made = open_system(tmp_path, start=start, settings=settings)
    try:
        yield made
    finally:
        made.close()
