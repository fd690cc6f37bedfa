"""A fake Mastodon instance on 127.0.0.1 for the connector's tests, on the shared tiny HTTP
server (``fakes.httpserver``): SSE streams (``:)`` on connect, ``:thump`` heartbeats,
``event:``/``data:`` pairs; 401 without the right Bearer token), the tag and public REST
timelines with ``min_id``/``since_id``/``max_id`` paging and a ``Link`` header,
``/api/v2/instance`` announcing the streaming URL, ``verify_credentials``, and switches to
answer 401/403/429 or to go silent. ``stop()`` cuts every open stream at once.

The WebSocket side of the streaming API listens on a port of its own (``ws_base``, as a
separate streaming host would): ``/api/v1/streaming`` with the token in the
``Authorization`` header (401 on the upgrade otherwise), ``{"type": "subscribe", "stream":
..., "tag": ...}`` messages (and ``unsubscribe``), and events sent as ``{"stream": [name,
tag], "event": ..., "payload": "<JSON as a string>"}``; an unknown stream gets an
``{"error": ..., "status": 400}`` message, as Mastodon's streaming server sends.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.exceptions import ConnectionClosed
from websockets.http11 import Request as WsRequest
from websockets.http11 import Response as WsResponse

from tests.sources.fakes.httpserver import FakeHttpServer, Request, Response

FIRST_ID = 113_024_517_761_234_567


def make_status(
    status_id: str,
    host: str,
    text: str,
    *,
    tags: tuple[str, ...] = (),
    local: bool = True,
    edited_at: str | None = None,
    **extra: Any,
) -> dict[str, Any]:
    """A Status shaped like Mastodon's (made-up people and content)."""
    origin = host if local else "elsewhere.example"
    username = f"user{int(status_id) % 5}"
    tag_html = "".join(
        f' <a href="https://{host}/tags/{t}" class="mention hashtag" rel="tag">#<span>{t}</span></a>'
        for t in tags
    )
    status: dict[str, Any] = {
        "id": status_id,
        "uri": f"https://{origin}/users/{username}/statuses/{status_id}",
        "url": f"https://{origin}/@{username}/{status_id}",
        "created_at": "2026-08-30T14:05:11.000Z",
        "edited_at": edited_at,
        "language": "en",
        "visibility": "public",
        "sensitive": False,
        "spoiler_text": "",
        "content": f"<p>{text}{tag_html}</p>",
        "in_reply_to_id": None,
        "in_reply_to_account_id": None,
        "reblog": None,
        "replies_count": 2,
        "reblogs_count": 5,
        "favourites_count": 17,
        "quotes_count": 0,
        "account": {
            "id": "1098765432",
            "username": username,
            "acct": username if local else f"{username}@{origin}",
            "display_name": username.title(),
            "url": f"https://{origin}/@{username}",
            "followers_count": 1840,
            "following_count": 301,
            "statuses_count": 9922,
            "bot": False,
        },
        "mentions": [],
        "tags": [{"name": t, "url": f"https://{host}/tags/{t}"} for t in tags],
        "media_attachments": [],
        "emojis": [],
        "card": None,
        "poll": None,
    }
    status.update(extra)
    return status


def _key(status_id: str) -> tuple[int, str]:
    return len(status_id), status_id


@dataclass
class _Subscriber:
    stream: str
    tag: str
    events: asyncio.Queue[tuple[str, str]] = field(default_factory=asyncio.Queue)


@dataclass
class _Socket:
    """One WebSocket client and the streams it subscribed to."""

    connection: ServerConnection
    streams: set[tuple[str, str]] = field(default_factory=set)
    outbox: asyncio.Queue[str] = field(default_factory=asyncio.Queue)


class FakeMastodon:
    def __init__(self, token: str = "good-token", heartbeat_s: float | None = 15.0) -> None:
        self.token = token
        self.heartbeat_s = heartbeat_s
        """Seconds between ``:thump`` comments; None: a stream that goes silent."""
        self.statuses: dict[str, dict[str, Any]] = {}
        self.tags: dict[str, tuple[str, ...]] = {}
        self.force_status: int | None = None
        self.budget: int | None = None
        """Requests left before 429s (None: no limit)."""
        self.server = FakeHttpServer(self._handle)
        self._next = FIRST_ID
        self._subscribers: list[_Subscriber] = []
        self.stream_opens = 0
        self._sockets: list[_Socket] = []
        self._ws_server: Server | None = None
        self.ws_port = 0

    @property
    def ws_base(self) -> str:
        """The WebSocket streaming host (give it as the instance's ``streaming_url``)."""
        return f"ws://127.0.0.1:{self.ws_port}"

    @property
    def base(self) -> str:
        return self.server.base

    @property
    def host(self) -> str:
        return f"127.0.0.1:{self.server.port}"

    async def start(self) -> None:
        await self.server.start()
        self._ws_server = await serve(
            self._ws_handle, "127.0.0.1", self.ws_port, process_request=self._ws_check
        )
        self.ws_port = next(iter(self._ws_server.sockets)).getsockname()[1]

    async def stop(self) -> None:
        self._subscribers.clear()
        for client in self._sockets:
            transport = client.connection.transport
            if transport is not None:
                transport.abort()  # no close frame: the client sees 1006
        self._sockets.clear()
        if self._ws_server is not None:
            self._ws_server.close(close_connections=False)
            await self._ws_server.wait_closed()
            self._ws_server = None
        await self.server.stop()

    def post(self, text: str, *tags: str, publish: bool = True, **extra: Any) -> dict[str, Any]:
        """A new status in the timelines, and an ``update`` on matching open streams."""
        status_id = str(self._next)
        self._next += 1_000
        status = make_status(status_id, self.host, text, tags=tags, **extra)
        self.statuses[status_id] = status
        self.tags[status_id] = tags
        if publish:
            self._publish("update", json.dumps(status), tags)
        return status

    def edit(self, status_id: str, text: str) -> dict[str, Any]:
        old = self.statuses[status_id]
        edited = {**old, "content": f"<p>{text}</p>", "edited_at": "2026-08-30T15:00:00.000Z"}
        self.statuses[status_id] = edited
        self._publish("status.update", json.dumps(edited), self.tags[status_id])
        return edited

    def delete(self, status_id: str) -> None:
        del self.statuses[status_id]
        self._publish("delete", status_id, self.tags.pop(status_id))

    def send_raw(self, event: str, data: str, tag: str) -> None:
        self._publish(event, data, (tag,))

    def send_frame(self, frame: str) -> None:
        """Send any text as one WebSocket message to every socket."""
        for client in self._sockets:
            client.outbox.put_nowait(frame)

    def open_streams(self) -> int:
        """SSE streams open, plus streams subscribed on WebSockets."""
        return len(self._subscribers) + sum(len(c.streams) for c in self._sockets)

    def _publish(self, event: str, data: str, tags: tuple[str, ...]) -> None:
        for subscriber in self._subscribers:
            if subscriber.stream == "public" or subscriber.tag in tags:
                subscriber.events.put_nowait((event, data))
        for client in self._sockets:
            for stream, tag in sorted(client.streams):
                if stream == "public" or tag in tags:
                    named = [stream, tag] if tag else [stream]
                    message = {"stream": named, "event": event, "payload": data}
                    client.outbox.put_nowait(json.dumps(message))

    def _ws_check(self, connection: ServerConnection, request: WsRequest) -> WsResponse | None:
        if self.force_status is not None:
            return connection.respond(self.force_status, "forced\n")
        if urlsplit(request.path).path != "/api/v1/streaming":
            return connection.respond(404, "not found\n")
        if request.headers.get("Authorization") != f"Bearer {self.token}":
            return connection.respond(401, '{"error":"Error: Missing access token"}\n')
        return None

    async def _ws_handle(self, connection: ServerConnection) -> None:
        client = _Socket(connection)
        params = parse_qs(urlsplit(connection.request.path if connection.request else "").query)
        if "stream" in params:
            client.streams.add((params["stream"][0], params.get("tag", [""])[0].lower()))
        self._sockets.append(client)
        self.stream_opens += 1

        async def send() -> None:
            while True:
                await connection.send(await client.outbox.get())

        sender = asyncio.create_task(send())
        try:
            async for message in connection:
                request = json.loads(message)
                stream, tag = request.get("stream", ""), str(request.get("tag", "")).lower()
                if stream not in ("public", "hashtag"):
                    error = {"error": "Unknown stream type", "status": 400}
                    client.outbox.put_nowait(json.dumps(error))
                elif request.get("type") == "subscribe":
                    client.streams.add((stream, tag))
                elif request.get("type") == "unsubscribe":
                    client.streams.discard((stream, tag))
        except ConnectionClosed:
            pass
        finally:
            sender.cancel()
            if client in self._sockets:
                self._sockets.remove(client)

    async def _handle(self, request: Request) -> Response:
        if self.force_status is not None:
            return self._error(self.force_status, "forced")
        if self.budget is not None:
            if self.budget <= 0:
                return self._error(429, "Too many requests")
            self.budget -= 1
        path = request.path
        if path == "/api/v2/instance":
            return self._json(
                {
                    "domain": self.host,
                    "configuration": {
                        "urls": {"streaming": f"ws://{self.host}"},
                        "timelines_access": {
                            "live_feeds": {"local": "public", "remote": "public"},
                            "hashtag_feeds": {"local": "public", "remote": "public"},
                        },
                    },
                }
            )
        authorised = request.headers.get("authorization") == f"Bearer {self.token}"
        if path == "/api/v1/accounts/verify_credentials":
            if not authorised:
                return self._error(401, "The access token is invalid")
            return self._json({"id": "1", "username": "signalroom", "acct": "signalroom"})
        if path.startswith("/api/v1/streaming/"):
            if not authorised:
                return self._error(401, "Error: Missing access token")
            stream = path.removeprefix("/api/v1/streaming/")
            if stream not in ("public", "hashtag"):
                return self._error(400, "Unknown channel requested")
            return self._sse(stream, request.query.get("tag", "").lower())
        if path.startswith("/api/v1/timelines/tag/"):
            return self._timeline(request, path.removeprefix("/api/v1/timelines/tag/").lower())
        if path == "/api/v1/timelines/public":
            return self._timeline(request, None)
        return self._error(404, "Record not found")

    def _sse(self, stream: str, tag: str) -> Response:
        subscriber = _Subscriber(stream, tag)
        self._subscribers.append(subscriber)
        self.stream_opens += 1

        async def body() -> AsyncIterator[bytes]:
            yield b":)\n"
            try:
                while True:
                    try:
                        event, data = await asyncio.wait_for(
                            subscriber.events.get(), self.heartbeat_s
                        )
                    except TimeoutError:
                        yield b":thump\n"
                        continue
                    yield f"event: {event}\ndata: {data}\n\n".encode()
            finally:
                if subscriber in self._subscribers:
                    self._subscribers.remove(subscriber)

        return Response(200, body(), {"content-type": "text/event-stream"})

    def _timeline(self, request: Request, tag: str | None) -> Response:
        query = request.query
        limit = min(40, int(query.get("limit", "20") or 20))
        ids = sorted((i for i in self.statuses if tag is None or tag in self.tags[i]), key=_key)
        if "max_id" in query:
            ids = [i for i in ids if _key(i) < _key(query["max_id"])]
        if "min_id" in query:
            page = [i for i in ids if _key(i) > _key(query["min_id"])][:limit]
        else:
            if "since_id" in query:
                ids = [i for i in ids if _key(i) > _key(query["since_id"])]
            page = ids[-limit:]
        page.reverse()
        headers = {}
        if page:
            path = request.path
            headers["link"] = (
                f'<{self.base}{path}?max_id={page[-1]}>; rel="next", '
                f'<{self.base}{path}?min_id={page[0]}>; rel="prev"'
            )
        return self._json([self.statuses[i] for i in page], headers)

    def _json(self, body: Any, headers: dict[str, str] | None = None) -> Response:
        return Response(
            200, json.dumps(body).encode(), {"content-type": "application/json", **(headers or {})}
        )

    def _error(self, status: int, message: str) -> Response:
        headers = {"content-type": "application/json"}
        if status == 429:
            reset = datetime.now(tz=UTC) + timedelta(seconds=30)
            headers |= {
                "x-ratelimit-limit": "300",
                "x-ratelimit-remaining": "0",
                "x-ratelimit-reset": reset.isoformat(timespec="milliseconds"),
            }
        return Response(status, json.dumps({"error": message}).encode(), headers)
