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
import signal
import socket
import webbrowser
from collections.abc import Callable, Generator, Sequence
from dataclasses import dataclass
from pathlib import Path

import uvicorn

from signalroom.bus.memory import MemoryBroadcaster
from signalroom.clock import Clock, SystemClock
from signalroom.config import Config
from signalroom.errors import ConflictError
from signalroom.nlp import Enricher
from signalroom.pipeline.moderation import ModerationKeeper
from signalroom.pipeline.runner import Pipeline
from signalroom.sources.base import Source
from signalroom.sources.demo import DemoScenario, DemoSource, default_topics
from signalroom.store.base import Store
from signalroom.store.sqlite import SqliteStore
from signalroom.web.app import WebDeps, create_app

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
        pipeline = Pipeline(store, broadcaster, model, clock, config.pipeline)
        sources: Sequence[Source] = (
            [DemoSource(demo_scenario(config, clock), clock, history_s=config.demo.history_s)]
            if demo
            else []
        )
        app = create_app(
            WebDeps(
                store=store,
                broadcaster=broadcaster,
                clock=clock,
                health=pipeline.health,
                on_topics_changed=pipeline.reload_topics,
                on_moderation_rules_changed=keeper.rules_changed,
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
        await _serve(
            config,
            store,
            broadcaster,
            pipeline,
            keeper,
            server,
            listener,
            sources,
            clock,
            open_browser,
            on_ready,
        )
    finally:
        listener.close()
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
    keeper: ModerationKeeper,
    server: _Server,
    listener: socket.socket,
    sources: Sequence[Source],
    clock: Clock,
    open_browser: bool,
    on_ready: Callable[[NodeUrls], None] | None,
) -> None:
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
            ingest = group.create_task(pipeline.run(sources))
            retention = group.create_task(
                _retention_loop(store, clock, config.store.retention_days)
            )
            announce = group.create_task(_announce(server, open_browser, on_ready))
            moderation = group.create_task(keeper.run())
            await web
            pipeline.stop()
            for task in (retention, announce, moderation):
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
