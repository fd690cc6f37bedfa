"""Alerting, running: the engine fed by commits, its scheduler tick, and the outbox delivery.

:class:`AlertRuntime` is what the composition root starts next to the pipeline:

- first the engine warms up (rebuilds its detectors from stored history, seconds per
  topic) in a worker thread, while the node already serves and ingests; commits made
  meanwhile wait in order, and :meth:`AlertRuntime.status` says ``warming_up``;
- the pipeline's commit hook queues each committed batch (it runs on the event loop and
  must not block); one task hands them to :meth:`AlertEngine.observe` in order, off the
  loop;
- every ``tick_s`` the engine's :meth:`~AlertEngine.tick` feeds complete minutes to the
  detectors, auto-resolves, and advances escalations due (their state is in the store, so
  a restart neither repeats nor skips a level);
- every ``deliver_s`` the notify :class:`Dispatcher` sends due outbox messages, with
  retries and backoff.

Every alert a step changed is reported to ``on_changed`` (the service publishes them to
live clients). A failing step is logged and retried at the next period; it never stops
the node. Also here: :func:`signed_renderer`, the notification renderer with a signed
one-click acknowledge link, and :class:`TeamWebhooks`, the teams' signed webhooks as the
dispatcher looks them up (from the store, so an edited team is used at once).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from collections.abc import Awaitable, Callable, Iterator, Mapping, Sequence
from typing import Final

from signalroom.alerting.signing import ack_url, sign_ack
from signalroom.alerting.teams import SignedWebhook
from signalroom.clock import Clock
from signalroom.errors import NotFoundError
from signalroom.monitor.engine import AlertEngine, WarmUpReport
from signalroom.monitor.render import NotificationContext, Rendered, Renderer
from signalroom.notify.dispatcher import Dispatcher
from signalroom.notify.message import NotificationContext as MessageContext
from signalroom.notify.message import render_notification
from signalroom.store.alerts import AlertStore
from signalroom.store.base import WriteResult

log = logging.getLogger(__name__)

OnChanged = Callable[[Sequence[str]], Awaitable[None]]
_MAX_BACKOFF_S: Final = 60.0


def signed_renderer(
    *, key: bytes, public_url: str, ttl_s: float, console_path: str = "/alerts"
) -> Renderer:
    """Notifications in Markdown with a signed acknowledge link (valid ``ttl_s`` after the
    step was due) when the console's public URL is known, and a link to the alert."""
    base = public_url.rstrip("/")

    def render(context: NotificationContext) -> Rendered:
        alert, step, evidence = context.alert, context.notification, context.evidence
        link = ""
        if base:
            token = sign_ack(alert.id, alert.trigger, expires_at=step.due_at + ttl_s, key=key)
            link = ack_url(base, token)
        message = render_notification(
            alert,
            MessageContext(
                topic_name=context.topic_name,
                summary=evidence.summary if evidence is not None else alert.latest.reason,
                level=step.level + 1,
                repeat=step.repeat,
                top_posts=[(p.author, p.text, p.url) for p in evidence.top_posts]
                if evidence is not None
                else (),
                ack_url=link,
                console_url=f"{base}{console_path}#{alert.id}" if base else "",
            ),
        )
        return Rendered(title=message.title, body=message.markdown, ack_url=link)

    return render


class TeamWebhooks(Mapping[str, SignedWebhook]):
    """Each team's signed webhook, read from the store at the moment it is needed."""

    def __init__(self, alerts: AlertStore) -> None:
        self._alerts = alerts

    def __getitem__(self, team: str) -> SignedWebhook:
        try:
            webhook = self._alerts.get_team(team).webhook
        except NotFoundError:
            raise KeyError(team) from None
        if webhook is None:
            raise KeyError(team)
        return webhook

    def __iter__(self) -> Iterator[str]:
        return (team.name for team in self._alerts.list_teams() if team.webhook is not None)

    def __len__(self) -> int:
        return sum(1 for _ in self)


class AlertRuntime:
    def __init__(
        self,
        engine: AlertEngine,
        dispatcher: Dispatcher | None,
        clock: Clock,
        *,
        on_changed: OnChanged,
        tick_s: float = 5.0,
        deliver_s: float = 2.0,
    ) -> None:
        self.engine = engine
        self._dispatcher = dispatcher
        self._clock = clock
        self._on_changed = on_changed
        self._tick_s = tick_s
        self._deliver_s = deliver_s
        self._commits: deque[tuple[WriteResult, float]] = deque()
        self._commit_arrived = asyncio.Event()
        self.ticks = 0
        self.errors = 0
        self.ready = False
        """Detection runs: the warm-up is done."""
        self.warm_up_report: WarmUpReport | None = None
        self.warm_up_seconds: float | None = None

    def on_commit(self, result: WriteResult, committed_at: float) -> None:
        """The pipeline's commit hook: queue the batch (on the event loop, never blocks)."""
        if result.rollups or result.inserted:
            self._commits.append((result, committed_at))
            self._commit_arrived.set()

    async def warm_up(self) -> None:
        """Rebuild the detectors from stored history (seconds per topic). Until it is done,
        committed batches wait in order, and escalations, auto-resolve and detection
        wait; the console, the API, screens and notification delivery do not."""
        started = time.monotonic()
        report = await asyncio.to_thread(self.engine.ensure_warm)
        self.warm_up_seconds = time.monotonic() - started
        self.ready = True
        if report is None:  # warmed up before the runtime started
            return
        self.warm_up_report = report
        log.info(
            "alerting ready: %d topics, %d minutes and %d posts replayed in %.1f s",
            report.topics,
            report.minutes,
            report.posts,
            self.warm_up_seconds,
        )

    async def run(self) -> None:
        """Warm up, then observe and tick; deliver from the start. Until cancelled."""
        async with asyncio.TaskGroup() as group:
            if self._dispatcher is not None:
                group.create_task(self._every(self._deliver_s, self._deliver, "delivery"))
            await self._until_done(self.warm_up, "alert warm-up")
            group.create_task(self._observe_loop())
            group.create_task(self._every(self._tick_s, self._tick, "alert tick"))

    def status(self) -> dict[str, object]:
        """For ``/api/health``: is detection running yet, and how is it doing."""
        report = self.warm_up_report
        return {
            "state": "running" if self.ready else "warming_up",
            "warm_up": None
            if report is None or self.warm_up_seconds is None
            else {
                "topics": report.topics,
                "minutes": report.minutes,
                "posts": report.posts,
                "seconds": round(self.warm_up_seconds, 3),
            },
            "queued_commits": len(self._commits),
            "ticks": self.ticks,
            "errors": self.errors,
            "late_rollups": self.engine.late_rollups,
        }

    async def _observe_loop(self) -> None:
        while True:
            await self._commit_arrived.wait()
            self._commit_arrived.clear()
            while self._commits:
                result, at = self._commits.popleft()
                try:
                    changed = await asyncio.to_thread(
                        self.engine.observe, result.rollups, result.inserted, now=at
                    )
                except Exception:
                    self.errors += 1
                    log.exception("alerting could not observe a committed batch")
                    continue
                if changed:
                    await self._announce([alert.id for alert in changed])

    async def _tick(self) -> None:
        report = await asyncio.to_thread(self.engine.tick)
        self.ticks += 1
        changed = [*report.opened, *report.updated, *report.resolved]
        if changed:
            await self._announce(changed)

    async def _deliver(self) -> None:
        assert self._dispatcher is not None
        report = await self._dispatcher.deliver_due()
        if report.failed:
            log.warning("notifications: %d deliveries failed for good", report.failed)

    async def _announce(self, alert_ids: Sequence[str]) -> None:
        try:
            await self._on_changed(list(dict.fromkeys(alert_ids)))
        except Exception:
            log.exception("could not announce changed alerts")

    async def _until_done(self, step: Callable[[], Awaitable[None]], what: str) -> None:
        await self._repeat(step, what, period_s=1.0, once=True)

    async def _every(self, period_s: float, step: Callable[[], Awaitable[None]], what: str) -> None:
        await self._repeat(step, what, period_s=period_s, once=False)

    async def _repeat(
        self, step: Callable[[], Awaitable[None]], what: str, *, period_s: float, once: bool
    ) -> None:
        """Run ``step`` every ``period_s`` (or until it first succeeds, ``once``); a
        failure is counted, logged the first time in a row, and retried with backoff."""
        failures = 0
        while True:
            try:
                await step()
                if once:
                    return
                failures = 0
                await asyncio.sleep(period_s)
            except asyncio.CancelledError:
                raise
            except Exception:
                self.errors += 1
                failures += 1
                if failures == 1:
                    log.exception("%s failed; retrying", what)
                await asyncio.sleep(min(_MAX_BACKOFF_S, period_s * 2**failures))
