"""The composition root: builds the single-node system from configuration and runs it.

Picks the concrete backends (SQLite store, in-memory bus), the sources (the demo scenario,
later the configured connectors), the pipeline and the web server, and owns their
lifetimes: one event loop, one task group, and an orderly shutdown (stop sources, drain,
flush the writer, close bus and store) on SIGINT/SIGTERM. Nothing else wires components.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import socket
import webbrowser
from collections.abc import Callable, Coroutine, Generator, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import uvicorn

from signalroom.alerting.escalation import EscalationLevel, EscalationPolicy
from signalroom.alerting.model import AlertSettings
from signalroom.alerting.signing import MIN_KEY_BYTES, new_signing_key
from signalroom.alerting.teams import Member, Team
from signalroom.bus.base import LIVE_CHANNEL
from signalroom.bus.memory import MemoryBroadcaster
from signalroom.clock import Clock, SystemClock
from signalroom.config import Config
from signalroom.errors import ConflictError, StoreError
from signalroom.models import Topic
from signalroom.monitor.engine import AlertEngine, EngineSettings
from signalroom.monitor.runtime import AlertRuntime, TeamWebhooks, signed_renderer
from signalroom.nlp import Enricher
from signalroom.notify.channels import ChannelDirectory
from signalroom.notify.dispatcher import Dispatcher
from signalroom.notify.retry import RetryPolicy
from signalroom.pipeline.moderation import ModerationKeeper
from signalroom.pipeline.roster import SourceRoster, shown_stored
from signalroom.pipeline.runner import Pipeline
from signalroom.secrets import SecretResolver
from signalroom.sources.base import Source, SourceCheck
from signalroom.sources.demo import DemoScenario, DemoSource, default_topics
from signalroom.sources.registry import check_spec, parse_sources
from signalroom.store.alerts import AlertStore
from signalroom.store.base import Store
from signalroom.store.sqlite import SqliteStore
from signalroom.store.sqlite_alerts import SqliteAlertStore
from signalroom.web.alert_wire import alert_event
from signalroom.web.alerts import takeover_of
from signalroom.web.app import WebDeps, create_app
from signalroom.web.deps import AlertingDeps

log = logging.getLogger(__name__)

DB_FILENAME = "signalroom.db"
_RETENTION_EVERY_S = 600.0
_SHUTDOWN_TIMEOUT_S = 20.0


def open_store(config: Config) -> Store:
    return SqliteStore.open(config.store.data_dir / DB_FILENAME)


def demo_scenario(config: Config, clock: Clock) -> DemoScenario:
    demo = config.demo
    return DemoScenario(
        seed=demo.seed,
        rate_per_s=demo.rate_per_s,
        campaign_at_s=demo.campaign_at_s,
        campaign_for_s=demo.campaign_for_s,
        crisis_at_s=demo.crisis_at_s,
        crisis_for_s=demo.crisis_for_s,
        cycle_s=demo.cycle_s,
        start=clock.now(),
    )


def provision_demo_topics(store: Store, clock: Clock) -> int:
    """Create the demo's topics on a fresh store; leave a user's edits alone afterwards."""
    if store.list_topics():
        return 0
    created = 0
    for draft in default_topics():
        with contextlib.suppress(ConflictError):
            store.create_topic(draft, clock.now())
            created += 1
    return created


def source_tables(config: Config) -> list[tuple[Mapping[str, Any], str]]:
    """Every source's ``[[sources]]`` table with where it was defined: ``config`` (the
    file), then ``console`` (added at run time, stored in the data directory if there is
    one; a name the file uses is the file's)."""
    with _existing_store(config) as store:
        return _source_tables(config, store)


def _source_tables(config: Config, store: Store | None) -> list[tuple[Mapping[str, Any], str]]:
    tables: list[tuple[Mapping[str, Any], str]] = [(t, "config") for t in config.sources]
    if store is not None:
        shown, _ = shown_stored(config.sources, store.list_source_tables())
        tables += [(t.table, "console") for t in shown]
    return tables


@contextlib.contextmanager
def _existing_store(config: Config) -> Iterator[Store | None]:
    """The data directory's store when there is one (a command must not create it)."""
    path = data_path(config)
    store = SqliteStore.open(path) if path.exists() else None
    try:
        yield store
    finally:
        if store is not None:
            store.close()


async def check_source(config: Config, name: str, *, timeout_s: float = 30.0) -> SourceCheck:
    """Whether source ``name`` (of the file, or added from the console) works, and why not
    (``sources test``)."""
    with _existing_store(config) as store:
        tables = {str(t.get("name")): t for t, _ in _source_tables(config, store)}
        table = tables.get(name)
        if table is None:
            known = ", ".join(sorted(tables)) or "none configured"
            return SourceCheck(ok=False, detail=f"no source named {name!r} (sources: {known})")
        (spec,) = parse_sources([table])
        topics: Callable[[], Sequence[Topic]] = store.list_topics if store else list
        return await check_spec(spec, SystemClock(), SecretResolver(), topics, timeout_s=timeout_s)


ACK_KEY_FILENAME = "ack.key"


def ack_key(data_dir: Path) -> bytes:
    """The key that signs acknowledge links: made once per data directory (mode 600) and
    kept, so links sent before a restart still work."""
    path = data_dir / ACK_KEY_FILENAME
    try:
        key = path.read_bytes()
    except FileNotFoundError:
        key = new_signing_key()
        data_dir.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            return path.read_bytes()  # another process made it first
        with os.fdopen(fd, "wb") as handle:
            handle.write(key)
    if len(key) < MIN_KEY_BYTES:
        raise StoreError(f"{path} is not a signing key (delete it to make a new one)")
    return key


@dataclass(frozen=True, slots=True)
class _Alerting:
    runtime: AlertRuntime
    web: AlertingDeps
    alerts: SqliteAlertStore
    client: httpx.AsyncClient

    async def close(self) -> None:
        await self.client.aclose()
        await asyncio.to_thread(self.alerts.close)


def engine_settings(config: Config) -> EngineSettings:
    """The alert engine's settings from the configuration (the live engine and
    ``signalroom alerts backtest`` must replay alike)."""
    alerting = config.alerting
    return EngineSettings(
        alerts=AlertSettings(
            auto_resolve_after_s=alerting.auto_resolve_minutes * 60.0 or None,
            reopen_window_s=alerting.reopen_minutes * 60.0,
        )
    )


def open_existing_store(config: Config) -> Store:
    """The store of an existing data directory; StoreError when there is none (a command
    must not create an empty database where the user mistyped a path)."""
    if not data_path(config).exists():
        raise StoreError(
            f"no Signalroom data at {config.store.data_dir} (give --data-dir or --config)"
        )
    return open_store(config)


@contextlib.contextmanager
def alert_stores(config: Config) -> Iterator[tuple[Store, SqliteAlertStore]]:
    """The post store and the alert store of an existing data directory, for commands
    that work beside (or without) a running node. Raises StoreError when there is none."""
    path = data_path(config)
    if not path.exists():
        raise StoreError(
            f"no Signalroom data at {config.store.data_dir} (give --data-dir or --config)"
        )
    store = open_store(config)
    try:
        alerts = SqliteAlertStore.open(path)
        try:
            yield store, alerts
        finally:
            alerts.close()
    finally:
        store.close()


def open_alerting(
    config: Config, store: Store, broadcaster: MemoryBroadcaster, clock: Clock
) -> _Alerting | None:
    """The alert store, engine, scheduler and outbox delivery (blocking: run in a thread)."""
    if not config.alerting.enabled:
        return None
    key = ack_key(config.store.data_dir)
    ttl_s = config.alerting.ack_link_hours * 3600.0
    alerts = SqliteAlertStore.open(data_path(config))
    engine = AlertEngine(
        store,
        alerts,
        clock,
        engine_settings(config),
        render=signed_renderer(key=key, public_url=config.web.public_url, ttl_s=ttl_s),
    )
    client = httpx.AsyncClient()
    dispatcher = Dispatcher(
        alerts,
        ChannelDirectory(SecretResolver(), client, TeamWebhooks(alerts), clock),
        RetryPolicy(),
        clock,
    )

    async def announce(alert_ids: Sequence[str]) -> None:
        topics = {topic.id: topic.name for topic in await asyncio.to_thread(store.list_topics)}
        for alert_id in alert_ids:
            record = await asyncio.to_thread(alerts.get_alert, alert_id)
            name = topics.get(record.alert.topic_id)
            takeover = await asyncio.to_thread(takeover_of, alerts, record)
            await broadcaster.publish(LIVE_CHANNEL, alert_event(record, name, takeover))

    runtime = AlertRuntime(
        engine, dispatcher, clock, on_changed=announce, tick_s=config.alerting.tick_seconds
    )
    web = AlertingDeps(engine, alerts, key, config.web.public_url, ttl_s, status=runtime.status)
    return _Alerting(runtime, web, alerts, client)


DEMO_TEAMS = (
    Team(
        name="social",
        members=(Member(name="Ana Ruiz", contact="social team lead, weekdays"),),
    ),
    Team(name="comms", members=(Member(name="Ben Okafor", contact="comms lead"),)),
    Team(name="vp", members=(Member(name="Dana Kiss", contact="VP brand"),)),
)
DEMO_POLICY = EscalationPolicy(
    name="default",
    levels=(
        EscalationLevel(targets=("social",), timeout_s=600.0, takeover=("warroom",)),
        EscalationLevel(targets=("comms",), timeout_s=900.0, takeover=("warroom", "exec-floor")),
        EscalationLevel(targets=("vp",), timeout_s=1800.0, takeover=("warroom", "exec-floor")),
    ),
)


def provision_demo_escalation(alerts: AlertStore) -> None:
    """The demo's teams and escalation policy (social → comms lead → VP) on a fresh store;
    they have no channels, so escalation is visible in the console but nothing is sent.
    Level 1 takes over ``/screen/warroom``, level 2 the exec floor too; the lobby keeps
    its banner."""
    if alerts.list_teams() or alerts.list_policies():
        return
    for team in DEMO_TEAMS:
        alerts.put_team(team)
    alerts.put_policy(DEMO_POLICY)


class _Server(uvicorn.Server):
    """uvicorn, minus its own signal handling: the node stops everything in order."""

    @contextlib.contextmanager
    def capture_signals(self) -> Generator[None, None, None]:
        yield


@dataclass(frozen=True, slots=True)
class NodeUrls:
    console: str
    screen: str


async def run_node(
    config: Config,
    *,
    demo: bool,
    open_browser: bool = False,
    on_ready: Callable[[NodeUrls], None] | None = None,
    clock: Clock | None = None,
) -> None:
    """Run the whole single node until SIGINT/SIGTERM. Raises OSError at once when the
    web port cannot be had, before anything is loaded."""
    clock = clock or SystemClock()
    parse_sources(config.sources)  # a bad [[sources]] table stops us before anything starts
    listener = bind_listener(config.web.host, config.web.port)
    try:
        store = await asyncio.to_thread(open_store, config)
    except BaseException:
        listener.close()
        raise
    try:
        if demo:
            await asyncio.to_thread(provision_demo_topics, store, clock)
        model = await asyncio.to_thread(Enricher.load, config.nlp.expected)
        broadcaster = MemoryBroadcaster()
        keeper = ModerationKeeper(
            store, model, broadcaster, clock, recheck_hours=config.moderation.recheck_hours
        )
        await asyncio.to_thread(keeper.load_rules)
        alerting = await asyncio.to_thread(open_alerting, config, store, broadcaster, clock)
        if demo and alerting is not None:
            await asyncio.to_thread(provision_demo_escalation, alerting.alerts)
        pipeline = Pipeline(
            store,
            broadcaster,
            model,
            clock,
            config.pipeline,
            on_commit=alerting.runtime.on_commit if alerting else None,
        )
        # The demo reads its generator, not the file's sources; sources added from the
        # console run in both.
        roster = SourceRoster(
            [] if demo else config.sources, store, clock, store.list_topics, SecretResolver()
        )
        sources: list[Source] = await asyncio.to_thread(roster.load)
        roster.attach(pipeline)
        if demo:
            sources.append(
                DemoSource(demo_scenario(config, clock), clock, history_s=config.demo.history_s)
            )
        elif not roster.entries():
            log.warning(
                "no sources are configured: add [[sources]] tables to the config file or "
                "from the console (see docs/sources.md); the console and API work meanwhile"
            )
        app = create_app(
            WebDeps(
                store=store,
                broadcaster=broadcaster,
                clock=clock,
                health=pipeline.health,
                on_topics_changed=pipeline.reload_topics,
                on_moderation_rules_changed=keeper.rules_changed,
                sources=roster.snapshots,
                roster=roster,
                ingest=pipeline,
                webhooks=roster.webhooks,
                secrets=SecretResolver(),
                alerting=alerting.web if alerting else None,
                live_backlog=config.web.live_backlog,
            )
        )
        server = _Server(
            uvicorn.Config(
                app,
                host=config.web.host,
                port=config.web.port,
                log_level="warning",
                lifespan="off",
                ws="websockets-sansio",
            )
        )
        background: list[Callable[[], Coroutine[Any, Any, None]]] = [keeper.run]
        if alerting is not None:
            background.append(alerting.runtime.run)
        await _serve(
            config,
            store,
            broadcaster,
            pipeline,
            server,
            listener,
            sources,
            clock,
            open_browser,
            on_ready,
            background,
        )
    finally:
        listener.close()
        if alerting is not None:
            await alerting.close()
        await asyncio.to_thread(store.close)


def bind_listener(host: str, port: int) -> socket.socket:
    """The web server's listening socket, bound here so that a taken port is an OSError
    for the caller to explain (uvicorn would log it and exit the process)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    listener = socket.socket(family, socket.SOCK_STREAM)
    try:
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind((host, port))
        listener.listen(2048)
    except BaseException:
        listener.close()
        raise
    return listener


async def _serve(
    config: Config,
    store: Store,
    broadcaster: MemoryBroadcaster,
    pipeline: Pipeline,
    server: _Server,
    listener: socket.socket,
    sources: Sequence[Source],
    clock: Clock,
    open_browser: bool,
    on_ready: Callable[[NodeUrls], None] | None,
    background: Sequence[Callable[[], Coroutine[Any, Any, None]]],
) -> None:
    """Serve until stopped; ``background`` tasks (moderation re-checks, alerting) run
    beside the pipeline and are cancelled once the web server has stopped."""
    loop = asyncio.get_running_loop()

    def request_stop() -> None:
        if server.should_exit:
            server.force_exit = True
        server.should_exit = True
        pipeline.stop()

    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, request_stop)
    try:
        async with asyncio.TaskGroup() as group:
            web = group.create_task(server.serve(sockets=[listener]))
            ingest = group.create_task(pipeline.run(sources, until_stopped=True))
            retention = group.create_task(
                _retention_loop(store, clock, config.store.retention_days)
            )
            announce = group.create_task(_announce(server, open_browser, on_ready))
            helpers = [group.create_task(run()) for run in background]
            await web
            pipeline.stop()
            for task in (retention, announce, *helpers):
                task.cancel()
            try:
                await asyncio.wait_for(ingest, _SHUTDOWN_TIMEOUT_S)
            except TimeoutError:
                log.error(
                    "the pipeline did not drain within %.0fs; stopping anyway", _SHUTDOWN_TIMEOUT_S
                )
    finally:
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(sig)
        await broadcaster.close()


def node_urls(server: uvicorn.Server) -> NodeUrls:
    host, port = server.config.host, server.config.port
    for listener in server.servers:
        for sock in listener.sockets:
            port = sock.getsockname()[1]
    shown = "127.0.0.1" if host in {"0.0.0.0", "::"} else host
    base = f"http://{shown}:{port}"
    return NodeUrls(console=f"{base}/", screen=f"{base}/screen/lobby")


async def _announce(
    server: uvicorn.Server, open_browser: bool, on_ready: Callable[[NodeUrls], None] | None
) -> None:
    # uvicorn exposes only a flag for "listening", no event to await.
    while not server.started:  # noqa: ASYNC110
        await asyncio.sleep(0.05)
    urls = node_urls(server)
    if on_ready is not None:
        on_ready(urls)
    if open_browser:
        await asyncio.to_thread(webbrowser.open, urls.screen)


async def _retention_loop(store: Store, clock: Clock, retention_days: float) -> None:
    if retention_days <= 0:
        return
    while True:
        cutoff = clock.now() - retention_days * 86400
        purged = await asyncio.to_thread(store.purge_posts_before, cutoff)
        if purged:
            log.info("retention: deleted %d posts older than %.1f days", purged, retention_days)
        await asyncio.sleep(_RETENTION_EVERY_S)


def data_path(config: Config) -> Path:
    return config.store.data_dir / DB_FILENAME
