"""Every connector through a real ``signalroom serve`` process: a ``[[sources]]`` table points
at the connector's fake service on loopback, which keeps producing a known, finite set of
posts (a few malformed among them) while the node is killed with SIGKILL mid-stream and
started again on the same data directory. Afterwards the SQLite store holds every valid
post the fake produced exactly once, a reject for each malformed one, and the source's
checkpoint. X's stream has no resume (what a dead connection held is lost, by design), so
there the kill lands once everything written so far is committed, and the fake keeps the
posts that follow for the next connection.

The fakes run in this process, each on an event loop in a thread of its own; the node is a
subprocess (``tests.e2e.node``). Nothing here sleeps except to pace the fake or to poll the
node against a deadline.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import json
import signal
import threading
import time
from collections.abc import Callable, Coroutine, Iterator
from pathlib import Path
from typing import Any, TypeVar

import httpx
import pytest

from signalroom.models import TopicDraft
from signalroom.store.base import PostQuery
from signalroom.store.sqlite import SqliteStore
from tests.e2e.node import Node, running_node
from tests.sources.fakes.feeds import Entry, FakeFeedHost, Feed
from tests.sources.fakes.hackernews import FakeAlgolia, story
from tests.sources.fakes.jetstream import FakeJetstream, post_event
from tests.sources.fakes.mastodon import FakeMastodon
from tests.sources.fakes.reddit import CLIENT_ID, CLIENT_SECRET, FakeReddit, submission
from tests.sources.fakes.x import TOKEN, FakeX, tweet
from tests.sources.fakes.youtube import API_KEY, FakeYouTube, Thread, make_thread, thread_id

pytestmark = pytest.mark.e2e

T = TypeVar("T")

VALID_POSTS = 200
MALFORMED_EVERY = 25
"""One item in this many is malformed (8 among 200 valid ones)."""
RATE_PER_S = 50.0
KILL_AFTER_POSTS = 50
"""The node is killed once this many posts are stored: about a quarter of the way through."""
SOURCE = "e2e-source"
TOPIC_QUERY = "acme"
"""Every valid post mentions it, so every one matches the topic and is stored."""


def _iso(instant: float) -> str:
    moment = dt.datetime.fromtimestamp(instant, tz=dt.UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


class FakeService:
    """A connector's fake service, driven on its own event loop. The defaults suit a
    polled service that keeps what it serves."""

    kind: str
    replays = True
    """Whether what was written to a connection the node lost can be had again. X's stream
    cannot (it has no resume): there the kill lands once what it wrote is committed."""

    def secrets(self) -> dict[str, str]:
        """Environment variables the node reads through the table's ``env:`` references."""
        return {}

    async def start(self) -> None:
        raise NotImplementedError

    async def stop(self) -> None:
        raise NotImplementedError

    def table(self) -> str:
        """The ``[[sources]]`` settings (after name and kind) reading this fake."""
        raise NotImplementedError

    def listening(self) -> bool:
        """Whether what is published now reaches the node (a live-only stream needs it
        connected first)."""
        return True

    def emit(self, n: int, now: float) -> str:
        """Publish valid post ``n``; its native id."""
        raise NotImplementedError

    def emit_malformed(self, k: int, now: float) -> str:
        """Publish malformed item ``k``; a marker found in its reject's payload."""
        raise NotImplementedError

    async def after_kill(self) -> None:
        """Let go of the killed node's connection where the fake would not notice."""


class JetstreamService(FakeService):
    kind = "bluesky"

    def __init__(self) -> None:
        self.fake = FakeJetstream()
        self._last_us = 0

    async def start(self) -> None:
        await self.fake.start()

    async def stop(self) -> None:
        await self.fake.stop()

    def table(self) -> str:
        return f'base_url = "{self.fake.url}"\nresolve_profiles = false\n'

    def listening(self) -> bool:
        # Without a cursor (a first start) Jetstream sends only what comes after.
        return self.fake.connections > 0

    def _time_us(self, now: float) -> int:
        self._last_us = max(self._last_us + 1, int(now * 1e6))
        return self._last_us

    def emit(self, n: int, now: float) -> str:
        did = f"did:plc:e2e{n % 7:021d}"
        rkey = f"3ke2e{n:08d}"
        self.fake.add(post_event(did, rkey, self._time_us(now), f"acme post {n}", langs=["en"]))
        return f"{did}/{rkey}"

    def emit_malformed(self, k: int, now: float) -> str:
        marker = f"not-a-did-{k}"
        self.fake.add(post_event(marker, f"3kbad{k:08d}", self._time_us(now), f"acme bad {k}"))
        return marker


class MastodonService(FakeService):
    kind = "mastodon"

    def __init__(self) -> None:
        self.fake = FakeMastodon(heartbeat_s=1.0)

    def secrets(self) -> dict[str, str]:
        return {"E2E_MASTODON_TOKEN": self.fake.token}

    async def start(self) -> None:
        await self.fake.start()

    async def stop(self) -> None:
        await self.fake.stop()

    def table(self) -> str:
        return (
            f'instances = [{{ url = "{self.fake.base}", token = "env:E2E_MASTODON_TOKEN", '
            'streams = [{ stream = "hashtag", tag = "acme" }] }]\n'
        )

    def listening(self) -> bool:
        # A first start reads only the newest few statuses before the stream.
        return self.fake.open_streams() > 0

    def emit(self, n: int, now: float) -> str:
        status = self.fake.post(f"acme status {n}", "acme", created_at=_iso(now))
        return str(status["uri"])

    def emit_malformed(self, k: int, now: float) -> str:
        status = self.fake.post("gone", "acme", created_at=_iso(now), content="")
        return str(status["id"])


class FeedService(FakeService):
    kind = "rss"

    def __init__(self) -> None:
        self.fake = FakeFeedHost()
        self.feed = Feed("Acme Wire", "https://news.example")
        self.fake.feeds["acme.xml"] = self.feed

    async def start(self) -> None:
        await self.fake.server.start()

    async def stop(self) -> None:
        await self.fake.server.stop()

    def table(self) -> str:
        return (
            f'feeds = ["{self.fake.server.base}/acme.xml"]\n'
            "poll_interval_s = 0.25\nhost_min_interval_s = 0\njitter = 0\n"
        )

    def emit(self, n: int, now: float) -> str:
        guid = f"https://news.example/acme/{n}"
        self.feed.add(Entry(guid, f"Acme story {n}", now, link=guid, description="acme news"))
        return guid

    def emit_malformed(self, k: int, now: float) -> str:
        guid = f"https://news.example/untitled/{k}"
        self.feed.add(Entry(guid, "", now))  # no title and no text
        return guid


class AlgoliaService(FakeService):
    kind = "hackernews"

    def __init__(self) -> None:
        self.fake = FakeAlgolia()

    async def start(self) -> None:
        await self.fake.server.start()

    async def stop(self) -> None:
        await self.fake.server.stop()

    def table(self) -> str:
        return f'base_url = "{self.fake.server.base}/api/v1"\npoll_interval_s = 0.25\n'

    def emit(self, n: int, now: float) -> str:
        object_id = 48_000_000 + n
        self.fake.items.append(story(object_id, int(now), f"Acme story {n}"))
        return str(object_id)

    def emit_malformed(self, k: int, now: float) -> str:
        marker = f"bad-{k}"
        hit = {"objectID": marker, "created_at_i": int(now), "author": "two words", "title": "x"}
        self.fake.raw_extra.append((int(now), json.dumps(hit).encode()))
        return marker


class RedditService(FakeService):
    kind = "reddit"

    def __init__(self) -> None:
        self.fake = FakeReddit()

    def secrets(self) -> dict[str, str]:
        return {"E2E_REDDIT_ID": CLIENT_ID, "E2E_REDDIT_SECRET": CLIENT_SECRET}

    async def start(self) -> None:
        await self.fake.server.start()

    async def stop(self) -> None:
        await self.fake.server.stop()

    def table(self) -> str:
        base = self.fake.server.base
        return (
            'client_id = "env:E2E_REDDIT_ID"\nclient_secret = "env:E2E_REDDIT_SECRET"\n'
            'username = "signalroom_e2e"\nsubreddits = ["acmefans"]\npoll_interval_s = 0.25\n'
            f'api_url = "{base}"\ntoken_url = "{base}/api/v1/access_token"\n'
        )

    def emit(self, n: int, now: float) -> str:
        item = submission(n, now, f"Acme post {n}")
        self.fake.items.append(item)
        return str(item["data"]["name"])

    def emit_malformed(self, k: int, now: float) -> str:
        item = submission(900_000 + k, now, "")  # neither title nor text
        self.fake.items.append(item)
        return str(item["data"]["name"])


class XService(FakeService):
    kind = "x"
    replays = False

    def __init__(self) -> None:
        self.fake = FakeX()

    def secrets(self) -> dict[str, str]:
        return {"E2E_X_TOKEN": TOKEN}

    async def start(self) -> None:
        await self.fake.server.start()

    async def stop(self) -> None:
        self.fake.end_stream()
        await self.fake.server.stop()

    def table(self) -> str:
        return f'bearer_token = "env:E2E_X_TOKEN"\napi_url = "{self.fake.server.base}"\n'

    def emit(self, n: int, now: float) -> str:
        # Lines wait in the fake's queue until a connection reads them.
        self.fake.send(tweet(n, f"acme post {n}", user=n % 5, created_at=_iso(now)))
        return str(1961234567890000000 + n)

    def emit_malformed(self, k: int, now: float) -> str:
        n = 100_000 + k
        self.fake.send(tweet(n, "", created_at=_iso(now)))  # no text
        return str(1961234567890000000 + n)

    async def after_kill(self) -> None:
        # The fake notices a dead stream only when it next writes; ending the stream frees
        # its one connection slot, as X does once the node's connection times out.
        self.fake.end_stream()
        async with asyncio.timeout(10):
            while self.fake.open:  # noqa: ASYNC110 - the fake has no event for it
                await asyncio.sleep(0.01)


class YouTubeService(FakeService):
    kind = "youtube"
    video = "vidE2E00001"

    def __init__(self) -> None:
        self.fake = FakeYouTube()
        self.fake.add_video(self.video)

    def secrets(self) -> dict[str, str]:
        return {"E2E_YOUTUBE_KEY": API_KEY}

    async def start(self) -> None:
        await self.fake.server.start()

    async def stop(self) -> None:
        await self.fake.server.stop()

    def table(self) -> str:
        # A quota large enough that polls are not spread out to make it last the day.
        return (
            f'api_key = "env:E2E_YOUTUBE_KEY"\nvideo_ids = ["{self.video}"]\n'
            f'base_url = "{self.fake.server.base}/youtube/v3"\n'
            "poll_interval_s = 0.25\ndaily_quota_units = 10000000\n"
        )

    def emit(self, n: int, now: float) -> str:
        thread = make_thread(n, self.video, now, f"acme comment {n}")
        self.fake.add(thread)
        return thread.id

    def emit_malformed(self, k: int, now: float) -> str:
        marker = thread_id(900_000 + k)
        raw = json.dumps({"id": marker}).encode()  # no topLevelComment
        self.fake.add(Thread(marker, self.video, now, {}, raw=raw))
        return marker


class LoopThread:
    """An event loop in a thread of its own, for a fake the node talks to."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self.loop.run_forever, name="e2e-fake")

    def call(self, coroutine: Coroutine[Any, Any, T], timeout_s: float = 30.0) -> T:
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(timeout_s)

    @contextlib.contextmanager
    def running(self) -> Iterator[LoopThread]:
        self._thread.start()
        try:
            yield self
        finally:
            with contextlib.suppress(Exception):
                self.call(_cancel_others())
            self.loop.call_soon_threadsafe(self.loop.stop)
            self._thread.join(timeout=10)
            self.loop.close()


async def _cancel_others() -> None:
    others = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
    for task in others:
        task.cancel()
    await asyncio.gather(*others, return_exceptions=True)


class Producer:
    """Publishes ``VALID_POSTS`` valid items and a malformed one every ``MALFORMED_EVERY``,
    at ``RATE_PER_S``, once the node listens; can be paused. Runs on the fake's loop."""

    def __init__(self, service: FakeService) -> None:
        self.service = service
        self.valid: list[str] = []
        self.malformed: list[str] = []
        self.done = False
        self._gate = asyncio.Event()
        self._gate.set()

    async def run(self) -> None:
        loop = asyncio.get_running_loop()
        while not self.service.listening():  # noqa: ASYNC110 - the fakes have no event for it
            await asyncio.sleep(0.01)
        start = loop.time()
        sent = 0
        while len(self.valid) < VALID_POSTS:
            await self._gate.wait()
            now = time.time()
            if sent % MALFORMED_EVERY == MALFORMED_EVERY - 1:
                self.malformed.append(self.service.emit_malformed(len(self.malformed), now))
            else:
                self.valid.append(self.service.emit(len(self.valid), now))
            sent += 1
            await asyncio.sleep(max(0.0, start + sent / RATE_PER_S - loop.time()))
        self.done = True

    async def pause(self) -> None:
        self._gate.clear()

    async def resume(self) -> None:
        self._gate.set()


SERVICES: dict[str, Callable[[], FakeService]] = {
    "bluesky": JetstreamService,
    "mastodon": MastodonService,
    "rss": FeedService,
    "hackernews": AlgoliaService,
    "reddit": RedditService,
    "x": XService,
    "youtube": YouTubeService,
}


def store_counts(node: Node) -> tuple[int, int]:
    store = httpx.get(f"{node.base}/api/health", timeout=5).json()["store"]
    return int(store["posts"]), int(store["rejects"])


def wait_until(
    node: Node, condition: Callable[[], bool], what: Callable[[], str], timeout_s: float = 30.0
) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        if node.process.poll() is not None:
            raise AssertionError(f"signalroom exited ({what()}):\n{node.output()}")
        if time.monotonic() > deadline:
            raise AssertionError(f"{what()} after {timeout_s:.0f}s:\n{node.output()}")
        time.sleep(0.1)


def write_config(tmp_path: Path, service: FakeService) -> Path:
    config = tmp_path / "signalroom.toml"
    config.write_text(
        f'[[sources]]\nname = "{SOURCE}"\nkind = "{service.kind}"\n{service.table()}',
        encoding="utf-8",
    )
    return config


@pytest.fixture(params=sorted(SERVICES))
def service(request: pytest.FixtureRequest) -> Iterator[tuple[FakeService, LoopThread]]:
    with LoopThread().running() as thread:
        fake = thread.call(_make(SERVICES[request.param]))
        thread.call(fake.start())
        try:
            yield fake, thread
        finally:
            thread.call(fake.stop())


async def _make(factory: Callable[[], FakeService]) -> FakeService:
    return factory()  # on the fake's loop: its queues and events belong there


def test_source_killed_mid_stream_and_restarted_keeps_every_post_once(
    service: tuple[FakeService, LoopThread], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake, thread = service
    for name, value in fake.secrets().items():
        monkeypatch.setenv(name, value)
    data = tmp_path / "data"
    data.mkdir()
    store = SqliteStore.open(data / "signalroom.db")
    try:
        store.create_topic(TopicDraft("Acme", TOPIC_QUERY), time.time())
    finally:
        store.close()
    args = ["serve", "--config", str(write_config(tmp_path, fake)), "--data-dir", str(data)]
    producer = Producer(fake)
    production = asyncio.run_coroutine_threadsafe(producer.run(), thread.loop)
    try:
        with running_node(args, tmp_path) as node:
            wait_until(
                node,
                lambda: store_counts(node)[0] >= KILL_AFTER_POSTS,
                lambda: f"only {store_counts(node)[0]} posts stored",
            )
            if not fake.replays:
                # What X wrote to the killed connection is gone for good (no resume):
                # kill once everything written so far is committed.
                thread.call(producer.pause())
                wait_until(
                    node,
                    lambda: store_counts(node) == (len(producer.valid), len(producer.malformed)),
                    lambda: f"{store_counts(node)} stored of {len(producer.valid)} posts",
                )
            node.process.kill()  # SIGKILL: no chance to flush or to save a checkpoint
            node.process.wait()
        killed_at = len(producer.valid)
        thread.call(fake.after_kill())
        thread.call(producer.resume())
        assert not producer.done, "the kill did not land mid-stream: slow the fake down"

        def all_posts_stored(node: Node) -> bool:
            if production.done():
                production.result()  # the fake's own failure, if it had one
            return producer.done and store_counts(node)[0] >= VALID_POSTS

        with running_node(args, tmp_path) as node:
            wait_until(
                node,
                lambda: all_posts_stored(node),
                lambda: f"{store_counts(node)[0]} of {len(producer.valid)} posts stored",
            )
            wait_until(
                node,
                lambda: store_counts(node)[1] >= len(producer.malformed),
                lambda: f"{store_counts(node)[1]} of {len(producer.malformed)} rejects",
            )
            node.process.send_signal(signal.SIGINT)
            assert node.process.wait(timeout=30) == 0, node.output()
    finally:
        production.cancel()

    store = SqliteStore.open(data / "signalroom.db")
    try:
        ids: list[str] = []
        matches = 0
        cursor = None
        while True:
            page = store.query_posts(PostQuery(limit=500, cursor=cursor))
            ids += [item.post.native_id for item in page.items]
            assert {item.post.source for item in page.items} <= {fake.kind}
            matches += sum(len(item.topics) for item in page.items)
            if (cursor := page.next_cursor) is None:
                break
        rejects = store.list_rejects(limit=1_000)
        volume = sum(r.volume for r in store.query_rollups(None, 0, 4e9, "day"))
        checkpoint = store.get_checkpoint(SOURCE)
    finally:
        store.close()

    assert 0 < killed_at < VALID_POSTS
    assert len(ids) == len(set(ids)), "a post was stored twice"
    assert set(ids) == set(producer.valid), (
        f"lost {sorted(set(producer.valid) - set(ids))[:5]}, "
        f"unexpected {sorted(set(ids) - set(producer.valid))[:5]}"
    )
    # Each post is counted in the rollups once per topic it matched: never twice.
    assert matches == len(ids)
    assert volume == matches
    for marker in producer.malformed:
        # Exactly one: the replay after the restart re-sends some of them, the store keeps one.
        kept = sum(marker.encode() in r.payload for r in rejects)
        assert kept == 1, f"{kept} rejects for {marker}"
    for reject in rejects:
        assert any(m.encode() in reject.payload for m in producer.malformed), reject
    assert checkpoint is not None
