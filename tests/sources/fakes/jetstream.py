"""A fake Bluesky Jetstream (v1 wire, ``/subscribe``) and a fake public AppView
(``app.bsky.actor.getProfiles``), on 127.0.0.1, for the connector's tests.

The Jetstream keeps a log of events (in delivery order, so a test can put ``time_us`` out of
order or repeat an event), replays it from a ``cursor`` then goes live, filters by
``wantedCollections``/``wantedDids``/``maxMessageSizeBytes`` as the real one does (identity
and account events ignore ``wantedCollections``), answers 400 to a bad NSID or DID, sends
zstd frames with a dictionary when asked, honours ``requireHello`` and ``options_update``,
and can drop every connection abruptly (no close frame: the client sees 1006).

Both can run on the test's event loop or in a thread of their own (:class:`ThreadedFakes`),
so a rate test does not share the loop with the connector it measures.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, parse_qsl, urlsplit

import zstandard
from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.datastructures import Headers
from websockets.exceptions import ConnectionClosed
from websockets.http11 import Request, Response

_NSID = re.compile(
    r"[a-zA-Z][a-zA-Z0-9-]*(\.[a-zA-Z][a-zA-Z0-9-]*)+(\.\*)?|[a-zA-Z][a-zA-Z0-9-]*\.\*"
)
RETENTION_US = 24 * 3600 * 1_000_000


def post_event(
    did: str,
    rkey: str,
    time_us: int,
    text: str = "hello from the fake",
    *,
    langs: list[str] | None = None,
    **record: Any,
) -> dict[str, Any]:
    """A post create event shaped like Jetstream's."""
    body: dict[str, Any] = {
        "$type": "app.bsky.feed.post",
        "text": text,
        "createdAt": "2026-08-30T14:05:11.402Z",
    }
    if langs is not None:
        body["langs"] = langs
    body.update(record)
    return {
        "did": did,
        "time_us": time_us,
        "kind": "commit",
        "commit": {
            "rev": f"rev{time_us}",
            "operation": "create",
            "collection": "app.bsky.feed.post",
            "rkey": rkey,
            "cid": f"bafyrei{rkey}cid",
            "record": body,
        },
    }


def other_event(did: str, time_us: int, kind: str) -> dict[str, Any]:
    """A like, a post delete, an identity or an account event."""
    if kind == "like":
        return {
            "did": did,
            "time_us": time_us,
            "kind": "commit",
            "commit": {
                "rev": "r",
                "operation": "create",
                "collection": "app.bsky.feed.like",
                "rkey": f"l{time_us}",
                "record": {"subject": {"uri": "at://x/app.bsky.feed.post/y", "cid": "c"}},
            },
        }
    if kind == "delete":
        return {
            "did": did,
            "time_us": time_us,
            "kind": "commit",
            "commit": {
                "rev": "r",
                "operation": "delete",
                "collection": "app.bsky.feed.post",
                "rkey": "gone",
            },
        }
    if kind == "identity":
        return {
            "did": did,
            "time_us": time_us,
            "kind": "identity",
            "identity": {"did": did, "handle": "renamed.example", "seq": 1, "time": "x"},
        }
    return {
        "did": did,
        "time_us": time_us,
        "kind": "account",
        "account": {"active": False, "status": "deactivated", "did": did, "seq": 2, "time": "x"},
    }


def train_dictionary(dict_id: int = 0) -> bytes:
    """A small zstd dictionary trained on made-up events (the tests cannot ship Jetstream's);
    ``dict_id`` stamps it with an id, such as Jetstream's own 1612007021."""
    samples = [
        json.dumps(
            post_event(
                f"did:plc:sample{i:020d}",
                f"3k{i:011d}",
                1_700_000_000_000_000 + i,
                f"sample post number {i} about launches and phones",
            )
        ).encode()
        for i in range(400)
    ]
    return zstandard.train_dictionary(4096, samples, dict_id=dict_id).as_bytes()


@dataclass
class _Subscriber:
    connection: ServerConnection
    collections: list[str]
    dids: set[str]
    max_bytes: int
    compressor: zstandard.ZstdCompressor | None
    live: asyncio.Queue[bytes] = field(default_factory=lambda: asyncio.Queue(100_000))
    task: asyncio.Task[Any] | None = field(default_factory=asyncio.current_task)


class FakeJetstream:
    """The fake Jetstream server. ``log`` holds encoded events in delivery order."""

    def __init__(self, port: int = 0, dictionary: bytes | None = None) -> None:
        self.port = port
        self.dictionary = dictionary
        self.log: list[tuple[int, str, str, bytes]] = []
        """(time_us, did, collection, encoded event)."""
        self.requests: list[dict[str, list[str]]] = []
        self.force_status: int | None = None
        """Answer every upgrade with this HTTP status (401, 403, 429, 503...)."""
        self.serves_dictionary = False
        """Answer ``getZstdDictionary`` with ``dictionary`` (a v2 host); else 404 (v1)."""
        self.dictionary_requests = 0
        self.connections = 0
        self._subscribers: list[_Subscriber] = []
        self._server: Server | None = None

    @property
    def url(self) -> str:
        return f"ws://127.0.0.1:{self.port}"

    async def start(self) -> None:
        self._server = await serve(
            self._handle,
            "127.0.0.1",
            self.port,
            process_request=self._check_request,
            compression=None,
            max_size=20_000_000,
        )
        self.port = next(iter(self._server.sockets)).getsockname()[1]

    async def stop(self) -> None:
        """Stop listening and drop every connection without a close frame."""
        self.drop_connections()
        if self._server is not None:
            self._server.close(close_connections=False)
            await self._server.wait_closed()
            self._server = None

    def add(self, event: dict[str, Any] | bytes, time_us: int | None = None) -> None:
        """Append to the log (and send to live subscribers). Raw bytes need ``time_us``."""
        if isinstance(event, dict):
            encoded = json.dumps(event).encode()
            time_us = event.get("time_us", 0) if time_us is None else time_us
            did = event.get("did", "")
            commit = event.get("commit") or {}
            collection = commit.get("collection", "") if event.get("kind") == "commit" else ""
        else:
            encoded, did, collection = event, "", ""
        self.log.append((time_us or 0, did, collection, encoded))
        for subscriber in self._subscribers:
            if _wanted(subscriber, did, collection, encoded):
                subscriber.live.put_nowait(encoded)

    def drop_connections(self) -> None:
        for subscriber in list(self._subscribers):
            transport = subscriber.connection.transport
            if transport is not None:
                transport.abort()
            if subscriber.task is not None:
                subscriber.task.cancel()
        self._subscribers.clear()

    async def pump(
        self, rate: float, duration_s: float, make: Callable[[int, int], dict[str, Any]]
    ) -> int:
        """Publish ``make(n, time_us)`` at ``rate`` events/s for ``duration_s``, each stamped
        with the wall-clock time it is sent (so a client can measure its lag)."""
        loop = asyncio.get_running_loop()
        start = loop.time()
        sent = 0
        total = int(rate * duration_s)
        while sent < total:
            due = min(total, int((loop.time() - start) * rate) + 1)
            while sent < due:
                self.add(make(sent, time.time_ns() // 1000))
                sent += 1
            await asyncio.sleep(0.002)
        return sent

    def _check_request(self, connection: ServerConnection, request: Request) -> Response | None:
        parts = urlsplit(request.path)
        params = parse_qs(parts.query)
        self.requests.append(params)
        if self.force_status is not None:
            return connection.respond(self.force_status, f"forced status {self.force_status}\n")
        if parts.path == "/xrpc/network.bsky.jetstream.getZstdDictionary":
            return self._dictionary(connection, params)
        if parts.path != "/subscribe":
            return connection.respond(404, "not found\n")
        for nsid in params.get("wantedCollections", []):
            if _NSID.fullmatch(nsid) is None:
                return connection.respond(400, f"invalid collection: {nsid}\n")
        for did in params.get("wantedDids", []):
            if not did.startswith("did:"):
                return connection.respond(400, f"invalid did: {did}\n")
        return None

    def _dictionary(self, connection: ServerConnection, params: dict[str, list[str]]) -> Response:
        """The XRPC query: the raw dictionary with that id, or the XRPC error shape."""
        self.dictionary_requests += 1
        if not self.serves_dictionary or self.dictionary is None:
            return connection.respond(404, "not found\n")
        wanted = params.get("id", [""])[0]
        ours = zstandard.ZstdCompressionDict(self.dictionary).dict_id()
        if wanted and wanted != str(ours):
            body = json.dumps(
                {"error": "DictionaryNotFound", "message": f"no dictionary {wanted}"}
            ).encode()
            headers = Headers([("Content-Type", "application/json")])
            return Response(400, "Bad Request", headers, body)
        headers = Headers([("Content-Type", "application/octet-stream")])
        return Response(200, "OK", headers, self.dictionary)

    async def _handle(self, connection: ServerConnection) -> None:
        assert connection.request is not None
        params = dict(parse_qsl(urlsplit(connection.request.path).query))
        multi = parse_qs(urlsplit(connection.request.path).query)
        self.connections += 1
        compressor = None
        if (
            params.get("compress") == "true"
            or connection.request.headers.get("Socket-Encoding") == "zstd"
        ):
            assert self.dictionary is not None, "the fake needs a dictionary to compress"
            compressor = zstandard.ZstdCompressor(
                dict_data=zstandard.ZstdCompressionDict(self.dictionary), write_content_size=False
            )
        try:
            max_bytes = int(params.get("maxMessageSizeBytes", "0"))
        except ValueError:
            max_bytes = 0
        subscriber = _Subscriber(
            connection,
            multi.get("wantedCollections", []),
            set(multi.get("wantedDids", [])),
            max(0, max_bytes),
            compressor,
        )
        try:
            if params.get("requireHello") == "true":
                self._apply_options(subscriber, await connection.recv())
            self._subscribers.append(subscriber)
            # Replay is a snapshot taken while subscribed, so nothing falls between the two.
            backlog: list[bytes] = []
            cursor = params.get("cursor")
            if cursor is not None and cursor.isdigit():
                newest = max((t for t, *_ in self.log), default=0)
                start = max(int(cursor), newest - RETENTION_US)
                if int(cursor) <= newest:
                    backlog = [
                        e for t, d, c, e in self.log if t >= start and _wanted(subscriber, d, c, e)
                    ]
                    while not subscriber.live.empty():
                        subscriber.live.get_nowait()
            reader = asyncio.create_task(self._read_options(subscriber))
            try:
                for encoded in backlog:
                    await self._send(subscriber, encoded)
                while True:
                    await self._send(subscriber, await subscriber.live.get())
            finally:
                reader.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await reader
        except (ConnectionClosed, asyncio.CancelledError):
            pass
        finally:
            with contextlib.suppress(ValueError):
                self._subscribers.remove(subscriber)

    async def _read_options(self, subscriber: _Subscriber) -> None:
        with contextlib.suppress(ConnectionClosed):
            async for message in subscriber.connection:
                self._apply_options(subscriber, message)

    def _apply_options(self, subscriber: _Subscriber, message: str | bytes) -> None:
        update = json.loads(message)
        if update.get("type") != "options_update":
            return
        payload = update["payload"]
        subscriber.collections = list(payload.get("wantedCollections", []))
        subscriber.dids = set(payload.get("wantedDids", []))
        subscriber.max_bytes = int(payload.get("maxMessageSizeBytes", 0))

    async def _send(self, subscriber: _Subscriber, encoded: bytes) -> None:
        if subscriber.max_bytes and len(encoded) > subscriber.max_bytes:
            return
        if subscriber.compressor is not None:
            await subscriber.connection.send(subscriber.compressor.compress(encoded))
        else:
            await subscriber.connection.send(encoded.decode("utf-8", errors="replace"))


def _wanted(subscriber: _Subscriber, did: str, collection: str, encoded: bytes) -> bool:
    if subscriber.dids and did not in subscriber.dids:
        return False
    if not collection or not subscriber.collections:
        return True  # identity and account events ignore wantedCollections
    for wanted in subscriber.collections:
        if wanted.endswith(".*") and collection.startswith(wanted[:-1]):
            return True
        if wanted == collection:
            return True
    return False


class FakeAppView:
    """``GET /xrpc/app.bsky.actor.getProfiles?actors=...`` over a tiny HTTP/1.1 server."""

    def __init__(self) -> None:
        self.profiles: dict[str, dict[str, Any]] = {}
        self.batches: list[list[str]] = []
        self.hits = 0
        self.force_status: int | None = None
        self.reset_at: float | None = None
        self.port = 0
        self._server: asyncio.Server | None = None
        self.release: asyncio.Event | None = None
        """When set by a test, each answer waits for this event (a slow AppView)."""

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def add_profile(self, did: str, handle: str, followers: int, name: str = "") -> None:
        self.profiles[did] = {
            "did": did,
            "handle": handle,
            "displayName": name,
            "followersCount": followers,
            "followsCount": 3,
            "postsCount": 10,
            "labels": [],
        }

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", self.port)
        self.port = self._server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                request_line = await reader.readline()
                if not request_line:
                    return
                while (await reader.readline()) not in (b"\r\n", b"\n", b""):
                    pass
                _, target, _ = request_line.decode().split(" ", 2)
                status, body, headers = self._answer(target)
                if self.release is not None:
                    await self.release.wait()
                head = f"HTTP/1.1 {status} X\r\nContent-Type: application/json\r\n"
                head += "".join(f"{k}: {v}\r\n" for k, v in headers.items())
                head += f"Content-Length: {len(body)}\r\n\r\n"
                writer.write(head.encode() + body)
                await writer.drain()
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        finally:
            writer.close()

    def _answer(self, target: str) -> tuple[int, bytes, dict[str, str]]:
        parts = urlsplit(target)
        if parts.path != "/xrpc/app.bsky.actor.getProfiles":
            return 404, b'{"error":"MethodNotImplemented"}', {}
        self.hits += 1
        if self.force_status is not None:
            headers = {}
            if self.force_status == 429:
                reset = self.reset_at if self.reset_at is not None else time.time() + 60
                headers = {
                    "ratelimit-limit": "3000",
                    "ratelimit-remaining": "0",
                    "ratelimit-reset": str(int(reset)),
                }
            return self.force_status, b'{"error":"RateLimitExceeded"}', headers
        actors = parse_qs(parts.query).get("actors", [])
        if len(actors) > 25:
            return 400, b'{"error":"InvalidRequest","message":"too many actors"}', {}
        self.batches.append(actors)
        found = [self.profiles[a] for a in actors if a in self.profiles]
        return 200, json.dumps({"profiles": found}).encode(), {}


class ThreadedFakes:
    """A Jetstream and an AppView served from their own thread and event loop."""

    def __init__(self, jetstream: FakeJetstream, appview: FakeAppView) -> None:
        self.jetstream = jetstream
        self.appview = appview
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self.loop.run_forever, name="fake-jetstream")

    def call(self, coroutine: Any) -> Any:
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(timeout=120)

    @contextlib.contextmanager
    def running(self) -> Iterator[ThreadedFakes]:
        self._thread.start()
        try:
            self.call(self.jetstream.start())
            self.call(self.appview.start())
            yield self
        finally:
            with contextlib.suppress(Exception):
                self.call(self.jetstream.stop())
                self.call(self.appview.stop())
            self.loop.call_soon_threadsafe(self.loop.stop)
            self._thread.join(timeout=10)
            self.loop.close()


__all__ = [
    "FakeAppView",
    "FakeJetstream",
    "ThreadedFakes",
    "other_event",
    "post_event",
    "train_dictionary",
]
