"""A real uvicorn serving ``create_app`` on a free loopback port, in a background thread.

Used by the API, WebSocket and browser tests. The server's event loop is the one the
broadcaster lives in, so tests publish through :meth:`LiveServer.publish`, which runs the
coroutine on that loop.
"""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any, TypeVar

import uvicorn

from signalroom.bus.base import LIVE_CHANNEL, Broadcaster
from signalroom.clock import Clock
from signalroom.sources.health import HealthSnapshot
from signalroom.store.base import Store
from signalroom.web.app import WebDeps, create_app
from signalroom.web.deps import AlertingDeps

T = TypeVar("T")


class _Server(uvicorn.Server):
    """uvicorn that says when it is listening, and on which loop."""

    def __init__(self, config: uvicorn.Config) -> None:
        super().__init__(config)
        self.ready = threading.Event()
        self.loop: asyncio.AbstractEventLoop | None = None

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        self.loop = asyncio.get_running_loop()
        try:
            await super().startup(sockets)
        finally:
            self.ready.set()


class LiveServer:
    def __init__(
        self,
        store: Store,
        broadcaster: Broadcaster,
        clock: Clock,
        *,
        live_backlog: int = 512,
        health: Callable[[], dict[str, Any]] | None = None,
        sources: Callable[[], list[HealthSnapshot]] | None = None,
        port: int = 0,
        alerting: AlertingDeps | None = None,
    ) -> None:
        self.store = store
        self.broadcaster = broadcaster
        self.clock = clock
        self.topic_changes = 0
        self.rule_changes = 0
        self.app = create_app(
            WebDeps(
                store=store,
                broadcaster=broadcaster,
                clock=clock,
                health=health or (lambda: {"state": "running", "sources": []}),
                on_topics_changed=self._count_topic_change,
                on_moderation_rules_changed=self._count_rule_change,
                sources=sources or list,
                live_backlog=live_backlog,
                alerting=alerting,
            )
        )
        self._requested_port = port
        self.port = 0
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    def _count_topic_change(self) -> None:
        self.topic_changes += 1

    def _count_rule_change(self) -> None:
        self.rule_changes += 1

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def live_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/api/live"

    def start(self) -> LiveServer:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        # A restarted server takes the same port back while old connections linger.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", self._requested_port))
        self.port = sock.getsockname()[1]
        config = uvicorn.Config(
            self.app, lifespan="off", log_level="warning", ws="websockets-sansio"
        )
        self._server = _Server(config)
        self._thread = threading.Thread(
            target=self._server.run, kwargs={"sockets": [sock]}, name=f"uvicorn-{self.port}"
        )
        self._thread.start()
        if not self._server.ready.wait(timeout=15) or not self._server.started:
            self.stop()
            sock.close()
            raise RuntimeError("the test server did not start")
        return self

    def stop(self) -> None:
        if self._server is None or self._thread is None:
            return
        self._server.should_exit = True
        self._thread.join(timeout=20)
        assert not self._thread.is_alive(), "the test server did not stop"
        self._server = None
        self._thread = None

    @property
    def loop(self) -> asyncio.AbstractEventLoop:
        assert self._server is not None
        assert self._server.loop is not None
        return self._server.loop

    def run(self, work: Coroutine[Any, Any, T], timeout_s: float = 10.0) -> T:
        """Run a coroutine on the server's loop and return its result."""
        return asyncio.run_coroutine_threadsafe(work, self.loop).result(timeout=timeout_s)

    def publish(self, *events: bytes) -> None:
        """Publish live events back to back, as the pipeline does (no await between them)."""

        async def publish_all() -> None:
            for event in events:
                await self.broadcaster.publish(LIVE_CHANNEL, event)

        self.run(publish_all())

    def wait_until(self, probe: Callable[[], Awaitable[bool]], timeout_s: float = 10.0) -> None:
        """Wait, on the server's loop, until ``probe()`` is true."""

        async def poll() -> None:
            deadline = time.monotonic() + timeout_s
            while not await probe():
                if time.monotonic() > deadline:
                    raise AssertionError("condition not reached in time")
                await asyncio.sleep(0.01)

        self.run(poll(), timeout_s + 5)
