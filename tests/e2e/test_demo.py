"""`signalroom demo` as a user runs it: posts arrive over the API and the WebSocket within
seconds, and Ctrl+C stops it cleanly; a hard kill and a restart lose and duplicate nothing."""

from __future__ import annotations

import asyncio
import json
import signal
import time
from pathlib import Path

import httpx
import pytest
import websockets

from signalroom.store.base import PostQuery
from signalroom.store.sqlite import SqliteStore
from tests.e2e.node import Node, free_port, running_node

pytestmark = pytest.mark.e2e


def wait_for_posts(node: Node, minimum: int, timeout_s: float = 30.0) -> list[dict[str, object]]:
    deadline = time.monotonic() + timeout_s
    items: list[dict[str, object]] = []
    while time.monotonic() < deadline:
        items = httpx.get(f"{node.base}/api/posts", params={"limit": 200}, timeout=5).json()[
            "items"
        ]
        if len(items) >= minimum:
            return items
        time.sleep(0.25)
    raise AssertionError(f"only {len(items)} posts after {timeout_s}s:\n{node.output()}")


async def first_live_events(
    url: str, want: set[str], timeout_s: float
) -> dict[str, dict[str, object]]:
    seen: dict[str, dict[str, object]] = {}
    async with websockets.connect(url) as socket:
        async with asyncio.timeout(timeout_s):
            while not want <= seen.keys():
                event = json.loads(await socket.recv())
                seen.setdefault(event["type"], event)
    return seen


def test_demo_shows_live_posts_over_api_and_websocket(tmp_path: Path) -> None:
    args = ["demo", "--no-browser", "--data-dir", str(tmp_path / "data"), "--rate", "40"]
    with running_node(args, tmp_path) as node:
        topics = httpx.get(f"{node.base}/api/topics", timeout=5).json()
        assert len(topics["items"] if isinstance(topics, dict) else topics) >= 4

        items = wait_for_posts(node, minimum=5)
        post = items[0]
        for key in (
            "id",
            "source",
            "url",
            "author",
            "text",
            "title",
            "created_at",
            "lang",
            "sentiment",
            "topics",
        ):
            assert key in post
        assert post["source"] == "demo"
        assert post["topics"]

        events = asyncio.run(
            first_live_events(
                f"ws://127.0.0.1:{node.port}/api/live", {"hello", "posts", "rollups"}, 20
            )
        )
        assert events["posts"]["items"]
        assert events["rollups"]["items"]

        rollups = httpx.get(f"{node.base}/api/rollups", timeout=5).json()
        assert sum(r["volume"] for r in rollups["items"]) > 0

        # Alert detection warms up in the background (the page was up before it was done)
        # and says when it runs.
        deadline = time.monotonic() + 30
        while (alerting := httpx.get(f"{node.base}/api/health", timeout=5).json()["alerting"])[
            "state"
        ] != "running":
            assert alerting["state"] == "warming_up"
            assert time.monotonic() < deadline, node.output()
            time.sleep(0.2)
        assert alerting["warm_up"]["topics"] >= 4
        assert alerting["errors"] == 0

        node.process.send_signal(signal.SIGINT)
        assert node.process.wait(timeout=30) == 0, node.output()


def test_demo_killed_and_restarted_keeps_every_post_once(tmp_path: Path) -> None:
    data = tmp_path / "data"
    port = free_port()
    args = ["demo", "--no-browser", "--data-dir", str(data), "--rate", "100"]
    with running_node(args, tmp_path, port) as node:
        wait_for_posts(node, minimum=50)
        node.process.kill()  # no chance to flush: the checkpoint must still be exact
        node.process.wait()
    with running_node(args, tmp_path, port) as node:
        before = httpx.get(f"{node.base}/api/health", timeout=5).json()["store"]["posts"]
        wait_for_posts(node, minimum=min(200, before + 20))
        node.process.send_signal(signal.SIGINT)
        assert node.process.wait(timeout=30) == 0, node.output()

    store = SqliteStore.open(data / "signalroom.db")
    try:
        ids: list[str] = []
        matches = 0
        cursor = None
        while True:
            page = store.query_posts(PostQuery(limit=500, cursor=cursor))
            ids += [item.post.id for item in page.items]
            matches += sum(len(item.topics) for item in page.items)
            if (cursor := page.next_cursor) is None:
                break
        volume = sum(r.volume for r in store.query_rollups(None, 0, 4e9, "day"))
        checkpoint = store.get_checkpoint("demo")
    finally:
        store.close()
    assert len(ids) == len(set(ids)) > before
    # Each stored post is counted in the rollups exactly once per topic it matched.
    assert volume == matches
    assert checkpoint is not None
