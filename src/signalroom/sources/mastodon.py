"""The Mastodon connector: public and hashtag streams of one or more instances, over SSE
or one multiplexed WebSocket per instance.

One source reads any number of instances, each with its own token (a secret reference:
since Mastodon 4.2 every stream needs a user token with ``read:statuses``) and its own
streams (``public``, ``public:local``, ``public:remote``, ``hashtag``, ``hashtag:local``).
Each (instance, stream) is a channel. With the ``sse`` transport each channel has its own
task: it opens the Server-Sent Events stream, then walks the REST timeline forward with
``min_id`` from the last status it saw, so a gap left by a reconnect is filled (the stream
itself has no resume), then reads events. With ``websocket`` one task per instance opens
``/api/v1/streaming``, subscribes every channel on that socket, catches each up over REST
the same way, then reads the socket's events, told apart by their ``stream`` field.
A silent SSE stream (no heartbeat for ``heartbeat_timeout_s``), a WebSocket that stops
answering pings, or a dropped connection is reopened with exponential backoff and jitter;
a refused token is reported and retried every 5 minutes.

Items are wrapped for ``pipeline.normalizers.mastodon``:
``{"event": "update"|"status.update", "instance": URL, "status": <Status as received>}`` and
``{"event": "delete", "instance": URL, "id": ID, "uri": URI}``. A deletion names only the
instance-local id, so the connector remembers recent ids' URIs (bounded) to say which post
is gone; a deletion of a status it has not seen since it started is skipped (counted).

The checkpoint is a JSON object: per channel, the largest status id yielded. Must not
normalise statuses, buffer without bound, or yield a checkpoint beyond an item not yielded.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import random
from collections import OrderedDict
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime
from email.utils import parsedate_to_datetime
from typing import Annotated, Final, Literal
from urllib.parse import quote, urlsplit

import httpx
import msgspec
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidStatus

import signalroom
from signalroom.errors import AuthError, ConfigError, SourceError
from signalroom.models import RawItem
from signalroom.secrets import check_reference
from signalroom.sources.backoff import Backoff, ReconnectPolicy
from signalroom.sources.base import Source, SourceCheck
from signalroom.sources.deps import SourceDeps
from signalroom.sources.fan_in import cancel_all, next_item
from signalroom.sources.http_poll import connect_failure

log = logging.getLogger(__name__)

KIND: Final = "mastodon"
USER_AGENT: Final = f"Signalroom/{signalroom.__version__} (+https://github.com/signalroom)"
StreamName = Literal["public", "public:local", "public:remote", "hashtag", "hashtag:local"]
Transport = Literal["sse", "websocket"]
PAGE_LIMIT: Final = 40
"""The most statuses a timeline page gives."""
QUEUE_SIZE: Final = 1_000
MAX_EVENT_BYTES: Final = 2_000_000
URI_MEMORY: Final = 50_000
"""Status ids remembered per source to turn a deletion's id into the post's URI."""
MAX_RATE_WAIT_S: Final = 900.0
RECONNECT: Final = ReconnectPolicy(first_s=1.0, max_s=60.0)
"""Reconnect timing unless a test passes its own (a refused token waits 5 minutes)."""

_SSE_PATHS: Final[dict[str, str]] = {
    "public": "/api/v1/streaming/public",
    "public:local": "/api/v1/streaming/public/local",
    "public:remote": "/api/v1/streaming/public/remote",
    "hashtag": "/api/v1/streaming/hashtag",
    "hashtag:local": "/api/v1/streaming/hashtag/local",
}


class MastodonStream(msgspec.Struct, frozen=True, forbid_unknown_fields=True, kw_only=True):
    """One stream of an instance."""

    stream: StreamName = "hashtag"
    """``public`` (what the instance knows of the fediverse), ``public:local``,
    ``public:remote``, ``hashtag`` or ``hashtag:local``."""
    tag: str = ""
    """The hashtag, without ``#`` (hashtag streams only)."""


class MastodonInstance(msgspec.Struct, frozen=True, forbid_unknown_fields=True, kw_only=True):
    """One instance and what to read from it."""

    url: str
    """The instance, e.g. ``https://mastodon.social``."""
    token: str
    """Secret reference (``env:NAME`` or ``file:/path``) to a user access token with
    ``read:statuses``."""
    streams: tuple[MastodonStream, ...]
    """The streams to read (at least one)."""
    streaming_url: str = ""
    """The streaming server when it is not the one the instance announces (rarely needed)."""
    transport: Transport = "sse"
    """``sse``: one Server-Sent Events connection per stream. ``websocket``: one WebSocket
    for all of the instance's streams (fewer connections; what Mastodon's own web app uses)."""


class MastodonSettings(msgspec.Struct, frozen=True, forbid_unknown_fields=True, kw_only=True):
    """Settings of a ``mastodon`` source (a ``[[sources]]`` table in the config)."""

    instances: tuple[MastodonInstance, ...]
    """The instances to read, each with its token and streams."""
    initial_backfill: Annotated[int, msgspec.Meta(ge=0, le=PAGE_LIMIT)] = 20
    """On a first start (no checkpoint), how many recent statuses per stream to read."""
    max_catch_up_pages: Annotated[int, msgspec.Meta(ge=1, le=1_000)] = 25
    """After a reconnect, at most this many pages (40 statuses each) are read to fill the gap;
    a longer gap is logged and the rest skipped."""
    heartbeat_timeout_s: Annotated[float, msgspec.Meta(gt=0, le=600)] = 30.0
    """Reopen a stream that sent nothing (not even its 15 s heartbeat) for this long."""


class _RateLimitedError(SourceError):
    def __init__(self, wait_s: float, detail: str) -> None:
        super().__init__(detail)
        self.wait_s = wait_s


class _Head(msgspec.Struct, frozen=True):
    id: str
    uri: str = ""


_head_decoder: Final = msgspec.json.Decoder(_Head)


class _Frame(msgspec.Struct, frozen=True):
    """A WebSocket message: ``{"stream": [...], "event": ..., "payload": "<JSON as a
    string>"}``, or ``{"error": ..., "status": ...}``."""

    stream: list[str] = msgspec.field(default_factory=list)
    event: str = ""
    payload: str | None = None
    error: str | None = None
    status: int | None = None


_frame_decoder: Final = msgspec.json.Decoder(_Frame)
_CONNECTION_ERRORS: Final = (
    AuthError,
    SourceError,
    httpx.HTTPError,
    OSError,
    InvalidHandshake,
    ConnectionClosed,
)
"""What ends a connection and is retried (InvalidStatus is an InvalidHandshake)."""
_raw_list_decoder: Final = msgspec.json.Decoder(list[msgspec.Raw])


@dataclass(frozen=True, slots=True)
class _Channel:
    key: str
    """``url|stream|tag``: the checkpoint's key for this channel."""
    instance: MastodonInstance
    stream: MastodonStream

    @property
    def base(self) -> str:
        return self.instance.url.rstrip("/")

    def timeline_url(self) -> tuple[str, dict[str, str]]:
        params: dict[str, str] = {}
        if self.stream.stream.startswith("hashtag"):
            path = f"/api/v1/timelines/tag/{quote(self.stream.tag, safe='')}"
        else:
            path = "/api/v1/timelines/public"
        if self.stream.stream.endswith(":local"):
            params["local"] = "true"
        elif self.stream.stream.endswith(":remote"):
            params["remote"] = "true"
        return self.base + path, params

    def sse_params(self) -> dict[str, str]:
        return {"tag": self.stream.tag} if self.stream.stream.startswith("hashtag") else {}

    def subscription(self) -> str:
        """The WebSocket message that subscribes this channel."""
        return json.dumps({"type": "subscribe", "stream": self.stream.stream, **self.sse_params()})

    @property
    def route(self) -> tuple[str, str]:
        """How the socket's events name this channel: (stream, lower-case tag or "")."""
        return self.stream.stream, self.stream.tag.lower()


class _Out(msgspec.Struct):
    channel: str
    status_id: str | None
    """The status id this item moves the channel to (None for a deletion)."""
    payload: bytes


def build(name: str, settings: MastodonSettings, deps: SourceDeps) -> Source:
    return MastodonSource(name, settings, deps)


def validate(name: str, settings: MastodonSettings) -> None:
    """Raise ConfigError naming the first bad setting."""
    key = f"sources.{name}.instances"
    if not settings.instances:
        raise ConfigError(key, "at least one instance")
    seen: set[str] = set()
    for index, instance in enumerate(settings.instances):
        at = f"{key}[{index}]"
        parts = urlsplit(instance.url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ConfigError(f"{at}.url", f"{instance.url!r} is not an http(s) URL")
        check_reference(f"{at}.token", instance.token)
        if instance.streaming_url:
            parts = urlsplit(instance.streaming_url)
            if parts.scheme not in ("http", "https", "ws", "wss") or not parts.netloc:
                raise ConfigError(f"{at}.streaming_url", "must be an http(s) or ws(s) URL")
        if not instance.streams:
            raise ConfigError(f"{at}.streams", "at least one stream")
        for number, stream in enumerate(instance.streams):
            hashtag = stream.stream.startswith("hashtag")
            tag = stream.tag
            if hashtag and (not tag or tag.startswith("#") or not tag.replace("_", "").isalnum()):
                raise ConfigError(
                    f"{at}.streams[{number}].tag", f"{tag!r} is not a hashtag (letters, digits, _)"
                )
            if not hashtag and tag:
                raise ConfigError(f"{at}.streams[{number}].tag", "only hashtag streams take a tag")
            channel = _channel_key(instance, stream)
            if channel in seen:
                raise ConfigError(f"{at}.streams[{number}]", "listed twice")
            seen.add(channel)


def _channel_key(instance: MastodonInstance, stream: MastodonStream) -> str:
    return f"{instance.url.rstrip('/')}|{stream.stream}|{stream.tag.lower()}"


def newer(a: str, b: str | None) -> bool:
    """Whether status id ``a`` is after ``b``: ids are opaque strings, ordered by length
    then lexically (never cast to int)."""
    return b is None or (len(a), a) > (len(b), b)


class MastodonSource:
    """A :class:`~signalroom.sources.base.Source` over several instances' streams."""

    def __init__(
        self,
        name: str,
        settings: MastodonSettings,
        deps: SourceDeps,
        *,
        policy: ReconnectPolicy | None = None,
        rng: random.Random | None = None,
    ) -> None:
        validate(name, settings)
        self._name = name
        self._settings = settings
        self._deps = deps
        self._policy = policy or RECONNECT
        self._rng = rng or random.Random()
        self._channels = [
            _Channel(_channel_key(instance, stream), instance, stream)
            for instance in settings.instances
            for stream in instance.streams
        ]
        self._uris: OrderedDict[tuple[str, str], str] = OrderedDict()
        self._streaming: dict[str, str] = {}
        self.deletes_unknown = 0
        """Deletions skipped because the status was not seen since the source started."""
        self.gaps = 0
        """Catch-ups that stopped at ``max_catch_up_pages`` and skipped the rest."""

    @property
    def name(self) -> str:
        return self._name

    @property
    def kind(self) -> str:
        return KIND

    def _http(self) -> httpx.AsyncClient:
        return httpx.AsyncClient(
            timeout=httpx.Timeout(10.0, read=self._settings.heartbeat_timeout_s),
            headers={"User-Agent": USER_AGENT},
        )

    async def check(self) -> SourceCheck:
        verdicts: list[tuple[bool, str]] = []
        async with self._http() as client:
            for instance in self._settings.instances:
                verdicts.append(await self._check_instance(client, instance))
        return SourceCheck(
            ok=all(ok for ok, _ in verdicts), detail="; ".join(detail for _, detail in verdicts)
        )

    async def _check_instance(
        self, client: httpx.AsyncClient, instance: MastodonInstance
    ) -> tuple[bool, str]:
        base = instance.url.rstrip("/")
        try:
            token = self._deps.secrets.resolve(instance.token)
        except AuthError as err:
            return False, f"{base}: {err}"
        headers = {"Authorization": f"Bearer {token}"}
        try:
            response = await client.get(
                f"{base}/api/v1/accounts/verify_credentials", headers=headers
            )
            _raise_for(response, base, self._deps.clock.now())
            streaming = await self._streaming_base(client, instance)
            channels = [
                _Channel(_channel_key(instance, stream), instance, stream)
                for stream in instance.streams
            ]
            if instance.transport == "websocket":
                async with self._socket(streaming, token) as ws:
                    for channel in channels:
                        await ws.send(channel.subscription())
                channels = []  # the socket carried them all: no SSE stream to open
            for channel in channels:
                url = streaming + _SSE_PATHS[channel.stream.stream]
                async with client.stream(
                    "GET", url, params=channel.sse_params(), headers=headers
                ) as opened:
                    what = f"{base} stream {channel.stream.stream}"
                    _raise_for(opened, what, self._deps.clock.now())
        except (httpx.HTTPError, SourceError, OSError, InvalidHandshake, ConnectionClosed) as err:
            return False, f"{base}: {_describe(err)}"
        streams = ", ".join(f"{s.stream} #{s.tag}" if s.tag else s.stream for s in instance.streams)
        how = "over one WebSocket" if instance.transport == "websocket" else "over SSE"
        return True, f"{base}: token accepted, streams open {how} ({streams})"

    async def stream(self, since: str | None) -> AsyncIterator[RawItem]:
        last = self._checkpoint_from(since)
        yielded = dict(last)
        queue: asyncio.Queue[_Out] = asyncio.Queue(QUEUE_SIZE)
        async with self._http() as client:
            tasks = [
                asyncio.create_task(
                    self._run_channel(client, channel, last.get(channel.key), queue)
                )
                for channel in self._channels
                if channel.instance.transport == "sse"
            ]
            tasks += [
                asyncio.create_task(self._run_socket(client, instance, last, queue))
                for instance in self._settings.instances
                if instance.transport == "websocket"
            ]
            try:
                while True:
                    out = await next_item(queue, tasks, stopped="every Mastodon stream stopped")
                    if out.status_id is not None and newer(out.status_id, yielded.get(out.channel)):
                        yielded[out.channel] = out.status_id
                    self._deps.health.item()
                    yield RawItem(
                        source=KIND,
                        payload=out.payload,
                        received_at=self._deps.clock.now(),
                        checkpoint=json.dumps(yielded, sort_keys=True) if yielded else None,
                    )
            finally:
                await cancel_all(tasks)

    def _checkpoint_from(self, since: str | None) -> dict[str, str]:
        if not since:
            return {}
        try:
            value = json.loads(since)
        except ValueError:
            value = None
        if not isinstance(value, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in value.items()
        ):
            log.warning("source %s: checkpoint %r is not ours; starting live", self._name, since)
            return {}
        return {k: v for k, v in value.items() if k in {c.key for c in self._channels}}

    async def _run_channel(
        self,
        client: httpx.AsyncClient,
        channel: _Channel,
        last_id: str | None,
        queue: asyncio.Queue[_Out],
    ) -> None:
        """One stream forever: open, fill the gap over REST, read; reopen on failure."""
        health = self._deps.health
        backoff = self._policy.backoff(self._rng)
        state = {"last": last_id}
        label = f"{channel.base} {channel.stream.stream}" + (
            f" #{channel.stream.tag}" if channel.stream.tag else ""
        )
        while True:
            try:
                token = self._deps.secrets.resolve(channel.instance.token)
                headers = {"Authorization": f"Bearer {token}"}
                streaming = await self._streaming_base(client, channel.instance)
                url = streaming + _SSE_PATHS[channel.stream.stream]
                async with client.stream(
                    "GET", url, params=channel.sse_params(), headers=headers
                ) as response:
                    _raise_for(response, label, self._deps.clock.now())
                    health.connected(f"streaming {label}")
                    await self._catch_up(client, channel, headers, state, queue)
                    backoff.reset()
                    await self._read_events(response, channel, state, queue)
                raise SourceError(f"{label}: the server ended the stream")
            except _CONNECTION_ERRORS as err:
                await self._recover(err, label, backoff)

    def _socket(self, streaming: str, token: str) -> connect:
        """A WebSocket to the streaming server's ``/api/v1/streaming``, the token in the
        ``Authorization`` header. Pings every half ``heartbeat_timeout_s``: a server that
        stops answering is dropped and reopened."""
        half = self._settings.heartbeat_timeout_s / 2
        return connect(
            _ws_base(streaming) + "/api/v1/streaming",
            additional_headers={"Authorization": f"Bearer {token}"},
            user_agent_header=USER_AGENT,
            # Payloads are JSON inside a JSON string: escaping may double them.
            max_size=2 * MAX_EVENT_BYTES + 4096,
            max_queue=64,
            open_timeout=10,
            close_timeout=2,
            ping_interval=half,
            ping_timeout=half,
        )

    async def _run_socket(
        self,
        client: httpx.AsyncClient,
        instance: MastodonInstance,
        last: dict[str, str],
        queue: asyncio.Queue[_Out],
    ) -> None:
        """One instance's streams over one WebSocket, forever: open, subscribe every
        channel, fill each channel's gap over REST, read; reopen on failure."""
        health = self._deps.health
        backoff = self._policy.backoff(self._rng)
        channels = [c for c in self._channels if c.instance is instance]
        states = {c.key: {"last": last.get(c.key)} for c in channels}
        label = f"{instance.url.rstrip('/')} websocket"
        while True:
            try:
                token = self._deps.secrets.resolve(instance.token)
                headers = {"Authorization": f"Bearer {token}"}
                streaming = await self._streaming_base(client, instance)
                async with self._socket(streaming, token) as ws:
                    for channel in channels:
                        await ws.send(channel.subscription())
                    health.connected(f"streaming {label} ({len(channels)} streams)")
                    for channel in channels:
                        await self._catch_up(client, channel, headers, states[channel.key], queue)
                    backoff.reset()
                    await self._read_socket(ws, channels, states, queue, label)
                raise SourceError(f"{label}: the server closed the connection")
            except _CONNECTION_ERRORS as err:
                await self._recover(err, label, backoff)

    async def _recover(self, err: Exception, label: str, backoff: Backoff) -> None:
        """Say in health what went wrong, and wait as long as it asks: a refused token
        ``auth_retry_s``, a rate limit until its reset, anything else the next backoff."""
        health = self._deps.health
        status = err.response.status_code if isinstance(err, InvalidStatus) else None
        if isinstance(err, AuthError) or status in (401, 403):
            health.auth_failed(
                str(err) if isinstance(err, AuthError) else f"{label}: {_describe(err)}"
            )
            await asyncio.sleep(self._policy.auth_retry_s)
            return
        if isinstance(err, _RateLimitedError) or status == 429:
            wait_s = err.wait_s if isinstance(err, _RateLimitedError) else backoff.next_s()
            detail = (
                str(err) if isinstance(err, _RateLimitedError) else f"{label}: {_describe(err)}"
            )
            health.rate_limited(self._deps.clock.now() + wait_s, detail)
            await asyncio.sleep(wait_s)
            return
        health.failing(str(err) if isinstance(err, SourceError) else f"{label}: {_describe(err)}")
        await asyncio.sleep(backoff.next_s())

    async def _read_socket(
        self,
        ws: ClientConnection,
        channels: list[_Channel],
        states: dict[str, dict[str, str | None]],
        queue: asyncio.Queue[_Out],
        label: str,
    ) -> None:
        routes = {channel.route: channel for channel in channels}
        async for message in ws:
            data = message.encode() if isinstance(message, str) else bytes(message)
            try:
                frame = _frame_decoder.decode(data)
            except msgspec.DecodeError:
                # Nothing says which stream it came from: a reject that moves no checkpoint.
                await self._enqueue_status(channels[0], "update", data, None, queue)
                continue
            if frame.error is not None:
                if frame.status in (401, 403):
                    raise AuthError(f"{label}: {frame.error} ({frame.status})")
                log.warning("source %s: %s says: %s", self._name, label, frame.error)
                continue
            if frame.payload is None or not frame.event:
                continue
            name = frame.stream[0] if frame.stream else ""
            tag = frame.stream[1].lower() if len(frame.stream) > 1 else ""
            channel = routes.get((name, tag))
            if channel is None and len(channels) == 1:
                channel = channels[0]  # a server that does not name the stream
            if channel is None:
                # Delivered, but no channel's checkpoint can vouch for it.
                await self._on_event(channels[0], frame.event, frame.payload, None, queue)
                continue
            await self._on_event(channel, frame.event, frame.payload, states[channel.key], queue)

    async def _streaming_base(self, client: httpx.AsyncClient, instance: MastodonInstance) -> str:
        """The streaming server's http(s) base URL: the setting, or what the instance
        announces in ``/api/v2/instance``, or the instance itself."""
        base = instance.url.rstrip("/")
        if instance.streaming_url:
            return _http_base(instance.streaming_url)
        known = self._streaming.get(base)
        if known is not None:
            return known
        found = base
        with contextlib.suppress(httpx.HTTPError, ValueError, KeyError, TypeError):
            response = await client.get(f"{base}/api/v2/instance")
            if response.status_code == 200:
                announced = response.json()["configuration"]["urls"]["streaming"]
                if isinstance(announced, str) and announced:
                    found = _http_base(announced)
        self._streaming[base] = found
        return found

    async def _catch_up(
        self,
        client: httpx.AsyncClient,
        channel: _Channel,
        headers: dict[str, str],
        state: dict[str, str | None],
        queue: asyncio.Queue[_Out],
    ) -> None:
        """Statuses after the last one seen, oldest first, walking ``min_id`` forward; on a
        first start, the newest ``initial_backfill``."""
        url, params = channel.timeline_url()
        if state["last"] is None:
            if not self._settings.initial_backfill:
                return
            page = await self._page(
                client, url, {**params, "limit": str(self._settings.initial_backfill)}, headers
            )
            await self._enqueue_page(channel, page, state, queue)
            return
        for _ in range(self._settings.max_catch_up_pages):
            query = {**params, "min_id": state["last"] or "", "limit": str(PAGE_LIMIT)}
            page = await self._page(client, url, query, headers)
            if not page:
                return
            await self._enqueue_page(channel, page, state, queue)
        self.gaps += 1
        log.warning(
            "source %s: %s catch-up stopped after %d pages; older statuses are skipped",
            self._name,
            channel.key,
            self._settings.max_catch_up_pages,
        )

    async def _page(
        self,
        client: httpx.AsyncClient,
        url: str,
        params: dict[str, str],
        headers: dict[str, str],
    ) -> list[msgspec.Raw]:
        response = await client.get(url, params=params, headers=headers)
        if response.status_code == 404:
            return []  # a hashtag nobody used yet
        _raise_for(response, url, self._deps.clock.now())
        try:
            page = _raw_list_decoder.decode(response.content)
        except msgspec.DecodeError as err:
            raise SourceError(f"{url}: the timeline is not a JSON array ({err})") from err
        remaining = response.headers.get("x-ratelimit-remaining")
        if remaining is not None and remaining.strip() == "0":
            # Spend no request past the budget: wait for the reset before the next page.
            wait_s = _reset_wait_s(response, self._deps.clock.now())
            self._deps.health.rate_limited(
                self._deps.clock.now() + wait_s, f"{url}: request budget spent"
            )
            await asyncio.sleep(wait_s)
        return page

    async def _enqueue_page(
        self,
        channel: _Channel,
        page: list[msgspec.Raw],
        state: dict[str, str | None],
        queue: asyncio.Queue[_Out],
    ) -> None:
        # Timelines come newest first; the pipeline gets them in the order they were posted.
        for raw in reversed(page):
            await self._enqueue_status(channel, "update", bytes(raw), state, queue)

    async def _enqueue_status(
        self,
        channel: _Channel,
        event: str,
        data: bytes,
        state: dict[str, str | None] | None,
        queue: asyncio.Queue[_Out],
    ) -> None:
        """Queue a status event of ``channel``; ``state`` None: of no known channel (it
        is delivered, but moves no checkpoint)."""
        status_id: str | None = None
        try:
            head = _head_decoder.decode(data)
        except msgspec.DecodeError:
            head = None  # the normalizer says what is wrong with it
        if head is not None:
            if head.uri:
                self._remember(channel.base, head.id, head.uri)
            if event == "update" and state is not None:
                status_id = head.id
                if newer(head.id, state["last"]):
                    state["last"] = head.id
        payload = (
            b'{"event":'
            + json.dumps(event).encode()
            + b',"instance":'
            + json.dumps(channel.base).encode()
            + b',"status":'
            + data
            + b"}"
        )
        await queue.put(_Out(channel.key, status_id, payload))

    async def _read_events(
        self,
        response: httpx.Response,
        channel: _Channel,
        state: dict[str, str | None],
        queue: asyncio.Queue[_Out],
    ) -> None:
        event = ""
        data: list[str] = []
        async for line in response.aiter_lines():
            if line.startswith(":"):
                continue  # the connect greeting and the heartbeat
            if line:
                name, _, value = line.partition(":")
                value = value.removeprefix(" ")
                if name == "event":
                    event = value
                elif name == "data":
                    data.append(value)
                continue
            if event and data:
                await self._on_event(channel, event, "\n".join(data), state, queue)
            event, data = "", []

    async def _on_event(
        self,
        channel: _Channel,
        event: str,
        data: str,
        state: dict[str, str | None] | None,
        queue: asyncio.Queue[_Out],
    ) -> None:
        if event in ("update", "status.update"):
            encoded = data.encode()
            if len(encoded) > MAX_EVENT_BYTES:
                encoded = b'"oversized event"'  # becomes a reject that says so
            await self._enqueue_status(channel, event, encoded, state, queue)
        elif event == "delete":
            status_id = data.strip().strip('"')
            uri = self._uris.get((channel.base, status_id))
            if uri is None:
                self.deletes_unknown += 1
                return
            payload = json.dumps(
                {"event": "delete", "instance": channel.base, "id": status_id, "uri": uri}
            ).encode()
            await queue.put(_Out(channel.key, None, payload))

    def _remember(self, base: str, status_id: str, uri: str) -> None:
        key = (base, status_id)
        self._uris[key] = uri
        self._uris.move_to_end(key)
        if len(self._uris) > URI_MEMORY:
            self._uris.popitem(last=False)


def _raise_for(response: httpx.Response, what: str, now: float) -> None:
    status = response.status_code
    if status < 300:
        return
    if status == 401:
        raise AuthError(f"{what}: token refused (401): check the token and its read:statuses scope")
    if status == 403:
        raise AuthError(f"{what}: forbidden (403): the instance refuses this account or feed")
    if status == 429:
        wait_s = _reset_wait_s(response, now)
        raise _RateLimitedError(wait_s, f"{what}: rate limited (429), retrying in {wait_s:.0f} s")
    raise SourceError(f"{what}: HTTP {status}")


def _reset_wait_s(response: httpx.Response, now: float | None) -> float:
    """Seconds until ``X-RateLimit-Reset`` (an ISO timestamp) or ``Retry-After``; a minute
    when neither says. Measured against the server's own ``Date`` when it sends one, so our
    clock's skew does not matter."""
    reset = response.headers.get("x-ratelimit-reset")
    retry = response.headers.get("retry-after")
    reference = now
    date = response.headers.get("date")
    if date:
        with contextlib.suppress(TypeError, ValueError):
            reference = parsedate_to_datetime(date).timestamp()
    wait = 60.0
    if reset:
        with contextlib.suppress(ValueError):
            moment = datetime.fromisoformat(reset.strip())
            if reference is not None:
                wait = moment.timestamp() - reference
    elif retry:
        with contextlib.suppress(ValueError):
            wait = float(retry)
    return min(max(wait, 1.0), MAX_RATE_WAIT_S)


def _ws_base(url: str) -> str:
    parts = urlsplit(url.rstrip("/"))
    scheme = {"https": "wss", "http": "ws"}.get(parts.scheme, parts.scheme)
    return f"{scheme}://{parts.netloc}{parts.path}"


def _http_base(url: str) -> str:
    parts = urlsplit(url.rstrip("/"))
    scheme = {"wss": "https", "ws": "http"}.get(parts.scheme, parts.scheme)
    return f"{scheme}://{parts.netloc}{parts.path}"


def _describe(err: BaseException) -> str:
    if isinstance(err, InvalidStatus):
        status = err.response.status_code
        what = {401: "token refused", 403: "forbidden", 429: "rate limited"}.get(status, "HTTP")
        return f"{what} ({status}) opening the WebSocket"
    if isinstance(err, ConnectionClosed):
        code = err.rcvd.code if err.rcvd is not None else 1006
        return f"WebSocket closed (code {code})"
    if isinstance(err, ConnectionRefusedError):
        return "connection refused"
    if isinstance(err, TimeoutError):
        return "timed out"
    if isinstance(err, httpx.ConnectError):
        return connect_failure(err)
    if isinstance(err, httpx.TimeoutException):
        return "timed out"
    if isinstance(err, httpx.RemoteProtocolError):
        return f"connection dropped ({err})"
    return str(err) or type(err).__name__
