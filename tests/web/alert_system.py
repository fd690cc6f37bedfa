"""A real node with alerting for the web tests: the monitor harness's SQLite file (posts and
alerts, a risk and a brand topic, teams ``social`` and ``comms``, policy ``crisis`` routed
by default), its AlertEngine on a manual clock, served by a real uvicorn on loopback."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from signalroom.alerting.signing import sign_ack
from signalroom.bus.base import Broadcaster
from signalroom.bus.memory import MemoryBroadcaster
from signalroom.web.deps import AlertingDeps
from tests.monitor.harness import MIN, System, open_system
from tests.web.live_server import LiveServer

ACK_KEY = b"signalroom-test-ack-key-32-bytes"
PUBLIC_URL = "https://signalroom.example"
ACK_TTL_S = 3600.0


@dataclass
class AlertNode:
    system: System
    server: LiveServer
    client: httpx.Client

    def burst(self, count: int = 5) -> None:
        """``count`` posts matching the risk topic, created in the current minute."""
        s = self.system
        moment = s.clock.now() - 1
        s.commit(
            *(
                s.post(
                    s.risk,
                    moment,
                    handle=f"user{i}",
                    followers=1000 * (i + 1),
                    reach=100 * (i + 1),
                    hashtags=("recall", "battery"),
                    text=f"Acme battery recall, I want a refund now {i}",
                )
                for i in range(count)
            )
        )

    def run(self, minutes: int) -> None:
        for _ in range(minutes):
            self.system.clock.advance(MIN)
            self.system.engine.tick()

    def raise_keyword_alert(self) -> dict[str, Any]:
        """A keyword alert on the risk topic, raised by the engine from stored posts."""
        self.system.engine.warm_up()
        self.run(3)
        self.burst()
        self.run(3)
        (item,) = self.client.get("/api/alerts").json()["items"]
        assert isinstance(item, dict)
        return item

    def token(self, alert_id: str, trigger: int = 1, *, ttl_s: float = ACK_TTL_S) -> str:
        now = self.system.clock.now()
        return sign_ack(alert_id, trigger, expires_at=now + ttl_s, key=ACK_KEY)


@contextmanager
def alert_node(tmp_path: Path, broadcaster: Broadcaster | None = None) -> Iterator[AlertNode]:
    system = open_system(tmp_path)
    deps = AlertingDeps(system.engine, system.alerts, ACK_KEY, PUBLIC_URL, ACK_TTL_S)
    server = LiveServer(
        system.store, broadcaster or MemoryBroadcaster(), system.clock, alerting=deps
    ).start()
    try:
        with httpx.Client(base_url=server.base, timeout=10) as client:
            yield AlertNode(system, server, client)
    finally:
        server.stop()
        system.close()


def error(response: httpx.Response, status: int) -> dict[str, Any]:
    """The error object of a failed answer, after checking its status."""
    assert response.status_code == status, response.text
    body = json.loads(response.text)
    assert set(body) == {"error"}
    found = body["error"]
    assert isinstance(found, dict)
    return found
