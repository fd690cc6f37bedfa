"""The Bluesky connector: new posts from a Jetstream instance (v1 wire, ``/subscribe``).

No account is needed. It subscribes to ``app.bsky.feed.post`` commits over WebSocket, yields
each post ``create`` wrapped with its author's profile (resolved from the public AppView by
:mod:`signalroom.sources.bluesky_profiles`), and resumes from the ``time_us`` cursor of the
last item it yielded, rewound a few seconds because Jetstream delivers slightly out of order
(the pipeline dedupes the replayed items). A dropped or silent connection is retried forever
with exponential backoff and jitter, failing over to another public host after repeated
failures. Optional zstd compression uses Jetstream's dictionary: a local file when one is
set or shipped, else the one the Jetstream host itself serves
(``/xrpc/network.bsky.jetstream.getZstdDictionary``), checked by its id; a host that does not
serve it gets an uncompressed (``permessage-deflate``) connection instead, with a warning.

Payload of each item (one JSON object; the event bytes are kept exactly as received):
``{"profile": {"handle", "displayName", "followersCount"} | null, "event": <Jetstream event>}``.

Must not normalise posts (``pipeline.normalizers.bluesky`` does), buffer without bound, or
yield a checkpoint beyond an item it has not yielded.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import re
import socket
from collections.abc import AsyncIterator, Callable
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Final, Literal
from urllib.parse import urlencode, urlsplit

import httpx
import msgspec
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidStatus

import signalroom
from signalroom.errors import ConfigError, SourceError
from signalroom.models import RawItem
from signalroom.sources.backoff import ReconnectPolicy
from signalroom.sources.base import Source, SourceCheck
from signalroom.sources.bluesky_profiles import (
    UNKNOWN_ACCOUNT,
    Profile,
    ProfileCache,
    ProfileResolver,
)
from signalroom.sources.deps import SourceDeps
from signalroom.sources.fan_in import cancel_all, next_item
from signalroom.sources.http_poll import connect_failure

if TYPE_CHECKING:
    import zstandard

log = logging.getLogger(__name__)

KIND: Final = "bluesky"
POST_COLLECTION: Final = "app.bsky.feed.post"
PUBLIC_HOSTS: Final = (
    "jetstream2.us-east.bsky.network",
    "jetstream1.us-east.bsky.network",
    "jetstream1.us-west.bsky.network",
    "jetstream2.us-west.bsky.network",
)
JetstreamHost = Literal[
    "jetstream1.us-east.bsky.network",
    "jetstream2.us-east.bsky.network",
    "jetstream1.us-west.bsky.network",
    "jetstream2.us-west.bsky.network",
]
USER_AGENT: Final = f"Signalroom/{signalroom.__version__} (+https://github.com/signalroom)"
ZSTD_DICTIONARY_ID: Final = 1612007021
"""The id of the dictionary the public Jetstream instances compress with."""
PACKAGED_DICTIONARY: Final = "jetstream_zstd_dictionary"
"""File name of Jetstream's zstd dictionary when it is shipped beside this module."""
DICTIONARY_PATH: Final = "/xrpc/network.bsky.jetstream.getZstdDictionary"
"""Where a (v2) Jetstream host serves the dictionary of its compressed frames, by ``id``."""
MAX_DICTIONARY_BYTES: Final = 1_000_000
DICTIONARY_RETRY_S: Final = 3600.0
"""How long a connection goes uncompressed before asking a host for its dictionary again."""
REWIND_S: Final = 5.0
"""A resume cursor is rewound this much: delivery order is only roughly ``time_us`` order."""
HOST_SWITCH_REWIND_S: Final = 10.0
"""Extra rewind when failing over: instances see the same events at slightly other times."""
FAILOVER_AFTER: Final = 3
"""Consecutive failed connections before trying the next public host."""
RETENTION_S: Final = 24 * 3600.0
"""How far back a public instance replays (24 h on v1); older cursors are clamped silently."""
MAX_FRAME_BYTES: Final = 2_000_000
MAX_EVENT_BYTES: Final = 1_000_000
"""Asked of the server (``maxMessageSizeBytes``): a bigger event is no post we can use, and a
frame over our own limit would close the socket and be replayed forever."""
QUEUE_SIZE: Final = 2_048
CHECK_WAIT_S: Final = 10.0
CHECK_DID: Final = "did:plc:z72i7hdynmk6r22z27h6tvur"
"""A long-lived account (bsky.app) to ask the AppView about when no event arrived."""
_ZSTD_MAGIC: Final = b"\x28\xb5\x2f\xfd"
_ZSTD_DICT_MAGIC: Final = b"\x37\xa4\x30\xec"
_NSID: Final = re.compile(
    r"[a-zA-Z](?:[a-zA-Z0-9-]{0,62})(?:\.[a-zA-Z](?:[a-zA-Z0-9-]{0,62}))+(?:\.\*)?|"
    r"[a-zA-Z](?:[a-zA-Z0-9-]{0,62})(?:\.[a-zA-Z](?:[a-zA-Z0-9-]{0,62}))*\.\*"
)
_DID: Final = re.compile(r"did:[a-z]+:[a-zA-Z0-9._:%-]{1,2000}")
_LANG: Final = re.compile(r"[a-z]{2,3}")
RECONNECT: Final = ReconnectPolicy(first_s=0.25, max_s=30.0)
"""Reconnect timing unless a test passes its own."""


class BlueskySettings(msgspec.Struct, frozen=True, forbid_unknown_fields=True, kw_only=True):
    """Settings of a ``bluesky`` source (a ``[[sources]]`` table in the config)."""

    host: JetstreamHost = "jetstream2.us-east.bsky.network"
    """The public Jetstream instance to read from."""
    base_url: str = ""
    """``wss://host[:port]`` of another Jetstream (a private one); overrides ``host`` and
    turns off failover."""
    failover: bool = True
    """After 3 failed connections in a row, move on to the next public host."""
    wanted_collections: tuple[str, ...] = (POST_COLLECTION,)
    """NSIDs (or ``prefix.*``) to subscribe to, at most 100. Only post creates become items."""
    wanted_dids: tuple[str, ...] = ()
    """Only these accounts (DIDs), at most 10,000; empty means everyone."""
    langs: tuple[str, ...] = ()
    """Keep only posts that declare one of these languages (ISO 639 codes); posts declaring
    none are kept. Empty keeps every language. Jetstream cannot filter by text: topics do."""
    compress: bool = False
    """Ask for zstd frames (about half the bandwidth) with Jetstream's dictionary."""
    zstd_dictionary: str = ""
    """Path of Jetstream's zstd dictionary (id 1612007021, 112,640 bytes); empty means the
    one shipped with Signalroom if any, else the one the host serves."""
    appview_url: str = "https://public.api.bsky.app"
    """Where author profiles (handle, name, followers) are looked up."""
    resolve_profiles: bool = True
    """Look authors up; when off, posts carry the DID as handle and 0 followers."""
    profile_wait_ms: Annotated[int, msgspec.Meta(ge=0, le=5_000)] = 300
    """How long a post may wait for its author's profile before it goes without one."""
    profile_requests_per_s: Annotated[float, msgspec.Meta(gt=0, le=100)] = 5.0
    """Request budget against the AppView (25 profiles a request)."""
    profile_queue: Annotated[int, msgspec.Meta(ge=0, le=100_000)] = 250
    """Profiles waiting to be looked up at most; past that a post goes without one."""
    profile_cache_size: Annotated[int, msgspec.Meta(ge=1, le=10_000_000)] = 100_000
    """Profiles kept in memory (least recently used are dropped)."""
    profile_ttl_s: Annotated[float, msgspec.Meta(ge=0)] = 6 * 3600.0
    """How long a profile is believed (follower counts drift)."""
    watchdog_s: Annotated[float, msgspec.Meta(gt=0, le=3_600)] = 60.0
    """Reconnect when nothing arrived for this long (public hosts sometimes go silent)."""


class _Record(msgspec.Struct, frozen=True):
    text: str = ""
    langs: list[str] | None = None
    embed: dict[str, object] | None = None


class _Commit(msgspec.Struct, frozen=True):
    operation: str = ""
    collection: str = ""
    record: _Record | None = None


class _Head(msgspec.Struct, frozen=True):
    """What the connector reads of an event to route it; the normalizer reads the rest."""

    did: str = ""
    time_us: int | None = None
    kind: str = ""
    commit: _Commit | None = None


_head_decoder: Final = msgspec.json.Decoder(_Head)
_profile_encoder: Final = msgspec.json.Encoder()


class _Pending(msgspec.Struct):
    event: bytes
    did: str
    time_us: int | None
    arrived: float
    """Loop time of arrival (the profile wait is counted from here)."""
    lookup: asyncio.Future[None] | None


def build(name: str, settings: BlueskySettings, deps: SourceDeps) -> Source:
    return JetstreamSource(name, settings, deps)


def validate(name: str, settings: BlueskySettings) -> None:
    """Raise ConfigError naming the first bad setting."""
    key = f"sources.{name}"
    if settings.base_url:
        parts = urlsplit(settings.base_url)
        if parts.scheme not in ("ws", "wss") or not parts.netloc:
            raise ConfigError(f"{key}.base_url", "must be a ws:// or wss:// URL")
    if not 1 <= len(settings.wanted_collections) <= 100:
        raise ConfigError(f"{key}.wanted_collections", "between 1 and 100 collections")
    for index, nsid in enumerate(settings.wanted_collections):
        if _NSID.fullmatch(nsid) is None:
            raise ConfigError(
                f"{key}.wanted_collections[{index}]",
                f"{nsid!r} is not an NSID such as app.bsky.feed.post or a prefix such as "
                "app.bsky.feed.*",
            )
    if not any(_covers_posts(n) for n in settings.wanted_collections):
        raise ConfigError(
            f"{key}.wanted_collections", f"must include {POST_COLLECTION} (or a prefix of it)"
        )
    if len(set(settings.wanted_dids)) > 10_000:
        raise ConfigError(f"{key}.wanted_dids", "at most 10,000 DIDs")
    for index, did in enumerate(settings.wanted_dids):
        if _DID.fullmatch(did) is None:
            raise ConfigError(f"{key}.wanted_dids[{index}]", f"{did!r} is not a DID")
    for index, lang in enumerate(settings.langs):
        if _LANG.fullmatch(lang.lower()) is None:
            raise ConfigError(f"{key}.langs[{index}]", f"{lang!r} is not an ISO 639 code")
    parts = urlsplit(settings.appview_url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ConfigError(f"{key}.appview_url", "must be an http(s) URL")


def _covers_posts(nsid: str) -> bool:
    if nsid.endswith(".*"):
        return POST_COLLECTION.startswith(nsid[:-1])
    return nsid == POST_COLLECTION


def load_dictionary(name: str, settings: BlueskySettings) -> bytes | None:
    """The zstd dictionary's bytes, from the setting's path or the shipped file; None when
    neither is there (the host's own is fetched at connect time)."""
    key = f"sources.{name}.zstd_dictionary"
    if settings.zstd_dictionary:
        try:
            return Path(settings.zstd_dictionary).read_bytes()
        except OSError as err:
            raise ConfigError(
                key, f"cannot read {settings.zstd_dictionary}: {err.strerror}"
            ) from err
    shipped = resources.files("signalroom.sources").joinpath(PACKAGED_DICTIONARY)
    if shipped.is_file():
        return shipped.read_bytes()
    return None


def dictionary_url(host: str) -> str:
    """Where a Jetstream host serves its zstd dictionary (``wss://h`` → ``https://h/...``)."""
    scheme, rest = host.split("://", 1)
    http = {"wss": "https", "ws": "http"}.get(scheme, scheme)
    return f"{http}://{rest.rstrip('/')}{DICTIONARY_PATH}"


def dictionary_id(raw: bytes) -> int:
    """The id of a zstd dictionary (0 for raw content); raises SourceError when ``raw`` is
    not a zstd dictionary at all."""
    import zstandard  # only sources with compress = true need it

    if raw[:4] != _ZSTD_DICT_MAGIC:
        raise SourceError(f"not a zstd dictionary ({len(raw)} bytes)")
    return int(zstandard.ZstdCompressionDict(raw).dict_id())


class _Decompressor:
    def __init__(self, dictionary: bytes) -> None:
        try:
            import zstandard  # only sources with compress = true need it
        except ImportError as err:
            raise ConfigError(
                "compress", "zstd compression needs the zstandard package (pip install zstandard)"
            ) from err
        self._zstd: zstandard.ZstdDecompressor = zstandard.ZstdDecompressor(
            dict_data=zstandard.ZstdCompressionDict(dictionary)
        )
        self._dict_id = zstandard.ZstdCompressionDict(dictionary).dict_id()
        self._error = zstandard.ZstdError
        self._frame_dict_id: Callable[[bytes], int] = lambda frame: (
            zstandard.get_frame_parameters(frame).dict_id
        )

    def decompress(self, frame: bytes) -> bytes:
        """The frame's content; raises SourceError when the frame needs another dictionary
        (every frame would fail), and returns the frame unchanged when it is corrupt (it
        becomes a reject)."""
        try:
            return self._zstd.decompress(frame, max_output_size=MAX_FRAME_BYTES)
        except self._error:
            try:
                wanted = self._frame_dict_id(frame)
            except self._error:
                return frame
            if wanted not in (0, self._dict_id):
                raise SourceError(
                    f"zstd frames need dictionary {wanted}, ours is {self._dict_id}"
                ) from None
            return frame


class JetstreamSource:
    """A :class:`~signalroom.sources.base.Source` over one Jetstream instance at a time."""

    def __init__(
        self,
        name: str,
        settings: BlueskySettings,
        deps: SourceDeps,
        *,
        policy: ReconnectPolicy | None = None,
        rng: random.Random | None = None,
        check_wait_s: float = CHECK_WAIT_S,
    ) -> None:
        validate(name, settings)
        self._name = name
        self._settings = settings
        self._deps = deps
        self._policy = policy or RECONNECT
        self._rng = rng or random.Random()
        self._check_wait_s = check_wait_s
        local = load_dictionary(name, settings) if settings.compress else None
        self._decompressor = _Decompressor(local) if local is not None else None
        self._dictionary_retry_at = 0.0
        """When to ask the host for its dictionary again (compress = true, none local)."""
        self._langs = frozenset(lang.lower() for lang in settings.langs)
        self._cache = ProfileCache(
            deps.clock,
            settings.profile_cache_size,
            settings.profile_ttl_s,
            miss_ttl_s=min(settings.profile_ttl_s, 3600.0),
        )
        self._host_index = PUBLIC_HOSTS.index(settings.host) if settings.host in PUBLIC_HOSTS else 0
        self.skipped = 0
        """Events read but not yielded (other kinds, operations or languages)."""

    @property
    def name(self) -> str:
        return self._name

    @property
    def kind(self) -> str:
        return KIND

    @property
    def host(self) -> str:
        """Where the source connects now."""
        if self._settings.base_url:
            return self._settings.base_url.rstrip("/")
        return f"wss://{PUBLIC_HOSTS[self._host_index]}"

    def subscribe_url(self, cursor: int | None) -> str:
        params: list[tuple[str, str]] = [
            ("wantedCollections", c) for c in self._settings.wanted_collections
        ]
        params += [("wantedDids", d) for d in dict.fromkeys(self._settings.wanted_dids)]
        params.append(("maxMessageSizeBytes", str(MAX_EVENT_BYTES)))
        if self._decompressor is not None:
            params.append(("compress", "true"))
        if cursor is not None:
            params.append(("cursor", str(cursor)))
        return f"{self.host}/subscribe?{urlencode(params)}"

    def _connect(self, url: str) -> connect:
        return connect(
            url,
            # websockets offers permessage-deflate by default; a v2 host answers 400 when
            # it is offered together with compress=true.
            compression=None if self._decompressor is not None else "deflate",
            max_size=MAX_FRAME_BYTES,
            open_timeout=10,
            close_timeout=2,
            user_agent_header=USER_AGENT,
        )

    def _http(self) -> httpx.AsyncClient:
        return httpx.AsyncClient(
            timeout=httpx.Timeout(10.0),
            headers={"User-Agent": USER_AGENT},
        )

    async def _ensure_dictionary(self) -> str | None:
        """With ``compress = true`` and no local dictionary, fetch the host's; None when
        frames will be zstd (or compression is off), else why they will not be."""
        if not self._settings.compress or self._decompressor is not None:
            return None
        now = self._deps.clock.now()
        if now < self._dictionary_retry_at:
            return "the host's zstd dictionary is unavailable; uncompressed for now"
        url = dictionary_url(self.host)
        try:
            async with self._http() as client:
                response = await client.get(url, params={"id": str(ZSTD_DICTIONARY_ID)})
            if response.status_code != 200:
                raise SourceError(f"HTTP {response.status_code} {_body_hint(response.content)}")
            raw = response.content
            if len(raw) > MAX_DICTIONARY_BYTES:
                raise SourceError(f"{len(raw)} bytes, more than a dictionary")
            found = dictionary_id(raw)
            if found != ZSTD_DICTIONARY_ID:
                raise SourceError(f"dictionary {found}, frames need {ZSTD_DICTIONARY_ID}")
        except (httpx.HTTPError, SourceError) as err:
            self._dictionary_retry_at = now + DICTIONARY_RETRY_S
            why = f"no zstd dictionary from {url} ({_describe(err)}): uncompressed instead"
            log.warning("source %s: %s", self._name, why)
            return why
        self._decompressor = _Decompressor(raw)
        log.info("source %s: zstd dictionary %d from %s", self._name, ZSTD_DICTIONARY_ID, url)
        return None

    async def check(self) -> SourceCheck:
        compression = await self._ensure_dictionary()
        url = self.subscribe_url(None)
        first: bytes | None = None
        try:
            async with self._connect(url) as ws:
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(self._check_wait_s):
                        frame = await ws.recv(decode=False)
                        first = self._decode_frame(frame)
        except (OSError, InvalidHandshake, ConnectionClosed, TimeoutError, SourceError) as err:
            return SourceCheck(ok=False, detail=f"Jetstream {self.host}: {_describe(err)}")
        if first is None:
            jetstream = (
                f"Jetstream {self.host}: connected, but no event in {self._check_wait_s:g} s"
            )
            did = CHECK_DID
        else:
            jetstream = f"Jetstream {self.host}: receiving events"
            try:
                did = _head_decoder.decode(first).did or CHECK_DID
            except msgspec.DecodeError:
                did = CHECK_DID
        if self._settings.compress:
            jetstream += f" ({compression})" if compression else " (zstd)"
        if not self._settings.resolve_profiles:
            return SourceCheck(ok=True, detail=f"{jetstream}; profiles off")
        appview = self._settings.appview_url.rstrip("/")
        try:
            async with self._http() as client:
                response = await client.get(
                    f"{appview}/xrpc/app.bsky.actor.getProfiles", params={"actors": did}
                )
        except httpx.HTTPError as err:
            return SourceCheck(ok=False, detail=f"{jetstream}; AppView {appview}: {_describe(err)}")
        if response.status_code == 429:
            return SourceCheck(
                ok=False,
                detail=f"{jetstream}; AppView {appview}: rate limited (429); profiles will "
                "resume when the limit resets, posts go with their DID meanwhile",
            )
        if response.status_code != 200:
            return SourceCheck(
                ok=False,
                detail=f"{jetstream}; AppView {appview}: HTTP {response.status_code} "
                f"{_body_hint(response.content)}",
            )
        return SourceCheck(ok=True, detail=f"{jetstream}; AppView {appview}: profiles resolve")

    async def stream(self, since: str | None) -> AsyncIterator[RawItem]:
        cursor = self._cursor_from(since)
        queue: asyncio.Queue[_Pending] = asyncio.Queue(QUEUE_SIZE)
        wait_s = self._settings.profile_wait_ms / 1000
        async with self._http() as client:
            resolver = (
                ProfileResolver(
                    client,
                    self._settings.appview_url,
                    self._cache,
                    self._deps.clock,
                    requests_per_s=self._settings.profile_requests_per_s,
                    max_queued=self._settings.profile_queue,
                )
                if self._settings.resolve_profiles
                else None
            )
            tasks = [asyncio.create_task(self._read(queue, cursor, resolver))]
            if resolver is not None:
                tasks.append(asyncio.create_task(resolver.run()))
            loop = asyncio.get_running_loop()
            checkpoint = str(cursor + int(REWIND_S * 1e6)) if cursor is not None else None
            try:
                while True:
                    pending = await next_item(queue, tasks, stopped="the Jetstream reader stopped")
                    lookup = pending.lookup
                    if lookup is not None and not lookup.done():
                        remaining = pending.arrived + wait_s - loop.time()
                        if remaining > 0:
                            await asyncio.wait((lookup,), timeout=remaining)
                    if pending.time_us is not None:
                        checkpoint = str(pending.time_us)
                    self._deps.health.item()
                    yield RawItem(
                        source=KIND,
                        payload=self._wrap(pending),
                        received_at=self._deps.clock.now(),
                        checkpoint=checkpoint,
                    )
            finally:
                await cancel_all(tasks)

    def _wrap(self, pending: _Pending) -> bytes:
        profile = self._cache.get(pending.did) if pending.did else None
        if profile is None or profile is UNKNOWN_ACCOUNT:
            head = b'{"profile":null,"event":'
        else:
            head = b'{"profile":' + _profile_encoder.encode(profile) + b',"event":'
        return head + pending.event + b"}"

    def _cursor_from(self, since: str | None) -> int | None:
        if not since:
            return None
        if not since.isdigit() or int(since) < 10**15:
            log.warning(
                "source %s: checkpoint %r is not a Jetstream time_us cursor; starting live",
                self._name,
                since,
            )
            return None
        time_us = int(since)
        behind_s = self._deps.clock.now() - time_us / 1e6
        if behind_s > RETENTION_S:
            # Jetstream clamps an old cursor to its oldest event without saying so.
            log.warning(
                "source %s: resuming %.1f h back, but Jetstream keeps about 24 h: "
                "posts older than that are lost",
                self._name,
                behind_s / 3600,
            )
        return time_us - int(REWIND_S * 1e6)

    async def _read(
        self,
        queue: asyncio.Queue[_Pending],
        cursor: int | None,
        resolver: ProfileResolver | None,
    ) -> None:
        """Connect, read and route frames into ``queue`` forever, reconnecting on failure."""
        health = self._deps.health
        backoff = self._policy.backoff(self._rng)
        failures = 0
        last_seen: int | None = None
        while True:
            compression = await self._ensure_dictionary()
            url = self.subscribe_url(cursor)
            read_any = False
            try:
                async with self._connect(url) as ws:
                    note = f"; {compression}" if compression else ""
                    health.connected(f"connected to {self.host}{note}")
                    async for pending in self._frames(ws, resolver):
                        if not read_any:
                            read_any = True
                            backoff.reset()
                            failures = 0
                        if pending.time_us is not None:
                            last_seen = max(last_seen or 0, pending.time_us)
                        if pending.event:
                            await queue.put(pending)
                    raise SourceError("the server closed the connection")
            except InvalidStatus as err:
                status = err.response.status_code
                if status in (401, 403):
                    health.auth_failed(f"{self.host}: {_describe(err)}")
                    await asyncio.sleep(self._policy.auth_retry_s)
                    continue
                if status == 429:
                    wait_s = backoff.next_s()
                    health.rate_limited(
                        self._deps.clock.now() + wait_s, f"{self.host}: {_describe(err)}"
                    )
                    await asyncio.sleep(wait_s)
                    continue
                health.failing(f"{self.host}: {_describe(err)}")
            except (OSError, InvalidHandshake, ConnectionClosed, TimeoutError, SourceError) as err:
                health.failing(f"{self.host}: {_describe(err)}")
            if last_seen is not None:
                cursor = last_seen - int(REWIND_S * 1e6)
            failures = 0 if read_any else failures + 1
            if (
                failures >= FAILOVER_AFTER
                and self._settings.failover
                and not self._settings.base_url
            ):
                self._host_index = (self._host_index + 1) % len(PUBLIC_HOSTS)
                failures = 0
                if cursor is not None:
                    cursor -= int(HOST_SWITCH_REWIND_S * 1e6)
                log.info("source %s: failing over to %s", self._name, self.host)
            await asyncio.sleep(backoff.next_s())

    async def _frames(
        self, ws: ClientConnection, resolver: ProfileResolver | None
    ) -> AsyncIterator[_Pending]:
        """Each frame routed: a post to yield, or a skipped event (empty ``event``) that
        still tells how far the stream has come."""
        loop = asyncio.get_running_loop()
        watchdog_s = self._settings.watchdog_s
        while True:
            try:
                async with asyncio.timeout(watchdog_s):
                    frame = await ws.recv(decode=False)
            except TimeoutError:
                raise SourceError(f"no event for {watchdog_s:g} s") from None
            yield self._route(self._decode_frame(frame), loop.time(), resolver)

    def _decode_frame(self, frame: bytes) -> bytes:
        if self._decompressor is not None and frame[:4] == _ZSTD_MAGIC:
            return self._decompressor.decompress(frame)
        return frame

    def _route(self, event: bytes, now: float, resolver: ProfileResolver | None) -> _Pending:
        try:
            head = _head_decoder.decode(event)
        except msgspec.DecodeError:
            # Not ours to judge: the normalizer turns it into a reject with the reason.
            return _Pending(event, "", None, now, None)
        commit = head.commit
        if head.kind == "identity" and head.did:
            self._cache.forget(head.did)
        if head.kind != "commit" or commit is None or commit.collection != POST_COLLECTION:
            self.skipped += 1
            return _Pending(b"", head.did, head.time_us, now, None)
        if commit.operation == "delete":
            # A deleted post: the store removes it if it kept it (no profile needed).
            return _Pending(event, head.did, head.time_us, now, None)
        if commit.operation != "create":
            self.skipped += 1
            return _Pending(b"", head.did, head.time_us, now, None)
        record = commit.record
        if record is not None:
            if not record.text and not record.embed:
                self.skipped += 1  # nothing to read or match
                return _Pending(b"", head.did, head.time_us, now, None)
            if self._langs and record.langs and not self._wants(record.langs):
                self.skipped += 1
                return _Pending(b"", head.did, head.time_us, now, None)
        lookup = None
        if resolver is not None and head.did and self._cache.get(head.did) is None:
            lookup = resolver.request(head.did)
        return _Pending(event, head.did, head.time_us, now, lookup)

    def _wants(self, langs: list[str]) -> bool:
        for lang in langs:
            if isinstance(lang, str) and lang.split("-", 1)[0].lower() in self._langs:
                return True
        return False

    def cached_profile(self, did: str) -> Profile | None:
        """The profile cached for ``did`` (for tests and diagnostics)."""
        return self._cache.get(did)


def _describe(err: BaseException) -> str:
    """One line saying what went wrong, in a person's words."""
    if isinstance(err, InvalidStatus):
        response = err.response
        status = response.status_code
        hint = _body_hint(bytes(response.body or b""))
        if status == 429:
            return f"rate limited (HTTP 429) {hint}".strip()
        if status in (401, 403):
            return f"refused (HTTP {status}) {hint}".strip()
        return f"HTTP {status} {hint}".strip()
    if isinstance(err, socket.gaierror):
        return f"DNS lookup failed ({err.strerror})"
    if isinstance(err, ConnectionRefusedError):
        return "connection refused"
    if isinstance(err, ConnectionClosed):
        code = err.rcvd.code if err.rcvd is not None else 1006
        return f"connection closed (code {code})"
    if isinstance(err, TimeoutError):
        return "timed out"
    if isinstance(err, httpx.ConnectError):
        return connect_failure(err)
    if isinstance(err, httpx.TimeoutException):
        return "timed out"
    return str(err) or type(err).__name__


def _body_hint(body: bytes) -> str:
    text = body[:200].decode("utf-8", errors="replace").strip()
    return f"({text})" if text else ""
