"""Bluesky author profiles (handle, display name, followers) for the Jetstream connector.

Jetstream events carry only the author's DID. :class:`ProfileCache` is a bounded LRU with a
time-to-live (driven by the injected clock); :class:`ProfileResolver` asks the public AppView
(``app.bsky.actor.getProfiles``, at most 25 DIDs a call) in the background, one request at a
time, within a request-rate budget, and pauses when the AppView answers 429.

It never blocks the stream: a lookup is only queued (a bounded queue; when full, the DID is
not looked up this time and its post goes without a profile), and a caller may wait a bounded
time for one DID. Must not yield items, read the store or raise for a bad AppView answer.
"""

from __future__ import annotations

import asyncio
import logging
import math
from collections import OrderedDict
from email.utils import parsedate_to_datetime
from typing import Final

import httpx
import msgspec

from signalroom.clock import Clock

log = logging.getLogger(__name__)

BATCH_SIZE: Final = 25
"""``getProfiles`` takes at most 25 actors a call."""
MAX_PAUSE_S: Final = 300.0
"""A rate-limit reset further away than this is not believed (a clock skew or a bad header)."""
ERROR_PAUSE_S: Final = 5.0
"""After a failed request (network, 5xx, bad JSON) the resolver waits this long."""


class Profile(msgspec.Struct, frozen=True, rename="camel"):
    """What a post needs of its author, in the AppView's own field names."""

    handle: str
    display_name: str = ""
    followers_count: int = 0


UNKNOWN_ACCOUNT: Final = Profile(handle="")
"""Cached for a DID the AppView does not know (deleted, taken down): do not ask again soon."""


class _ProfileOut(msgspec.Struct, frozen=True, rename="camel"):
    did: str
    handle: str
    display_name: str | None = None
    followers_count: int | None = None


class _ProfilesOut(msgspec.Struct, frozen=True):
    profiles: list[_ProfileOut]


_profiles_decoder: Final = msgspec.json.Decoder(_ProfilesOut)


class ProfileCache:
    """Profiles by DID: at most ``max_entries``, each kept ``ttl_s`` (a miss ``miss_ttl_s``)."""

    def __init__(self, clock: Clock, max_entries: int, ttl_s: float, miss_ttl_s: float) -> None:
        self._clock = clock
        self._max = max(1, max_entries)
        self._ttl_s = ttl_s
        self._miss_ttl_s = miss_ttl_s
        self._entries: OrderedDict[str, tuple[Profile, float]] = OrderedDict()

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, did: str) -> Profile | None:
        """The cached profile (``UNKNOWN_ACCOUNT`` for a known miss), or None."""
        entry = self._entries.get(did)
        if entry is None:
            return None
        profile, expires_at = entry
        if self._clock.now() >= expires_at:
            del self._entries[did]
            return None
        self._entries.move_to_end(did)
        return profile

    def put(self, did: str, profile: Profile) -> None:
        ttl = self._miss_ttl_s if profile is UNKNOWN_ACCOUNT else self._ttl_s
        self._entries[did] = (profile, self._clock.now() + ttl)
        self._entries.move_to_end(did)
        while len(self._entries) > self._max:
            self._entries.popitem(last=False)

    def forget(self, did: str) -> None:
        """Drop a DID (its handle changed: an ``identity`` event)."""
        self._entries.pop(did, None)


class ProfileResolver:
    """Looks DIDs up in batches in the background; :meth:`run` is its task."""

    def __init__(
        self,
        client: httpx.AsyncClient,
        appview_url: str,
        cache: ProfileCache,
        clock: Clock,
        *,
        requests_per_s: float,
        max_queued: int,
    ) -> None:
        self._client = client
        self._url = appview_url.rstrip("/") + "/xrpc/app.bsky.actor.getProfiles"
        self._cache = cache
        self._clock = clock
        self._interval_s = 1.0 / requests_per_s if requests_per_s > 0 else 0.0
        self._max_queued = max_queued
        self._queued: OrderedDict[str, asyncio.Future[None]] = OrderedDict()
        self._in_flight: dict[str, asyncio.Future[None]] = {}
        self._wake = asyncio.Event()
        self.requests = 0
        """Requests sent so far (for tests and the report)."""
        self.paused_until: float | None = None
        """When the AppView rate-limited us: the instant (clock time) it said to wait for."""

    def request(self, did: str) -> asyncio.Future[None] | None:
        """A future done once ``did`` was looked up (found or not), or None when the queue is
        full and the DID will not be looked up this time."""
        waiting = self._queued.get(did) or self._in_flight.get(did)
        if waiting is not None:
            return waiting
        if len(self._queued) >= self._max_queued:
            return None
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._queued[did] = future
        self._wake.set()
        return future

    async def run(self) -> None:
        loop = asyncio.get_running_loop()
        next_at = 0.0
        while True:
            if not self._queued:
                self._wake.clear()
                await self._wake.wait()
            delay = next_at - loop.time()
            if delay > 0:
                await asyncio.sleep(delay)
            batch: list[str] = []
            while self._queued and len(batch) < BATCH_SIZE:
                did, future = self._queued.popitem(last=False)
                self._in_flight[did] = future
                batch.append(did)
            pause_s = 0.0
            try:
                pause_s = await self._fetch(batch)
            finally:
                for did in batch:
                    future = self._in_flight.pop(did)
                    if not future.done():
                        future.set_result(None)
            next_at = loop.time() + max(self._interval_s, pause_s)

    async def _fetch(self, dids: list[str]) -> float:
        """Ask for ``dids`` and cache the answers; the pause to take before the next call."""
        self.requests += 1
        try:
            response = await self._client.get(self._url, params=[("actors", d) for d in dids])
        except httpx.HTTPError as err:
            log.debug("AppView getProfiles failed: %r", err)
            return ERROR_PAUSE_S
        if response.status_code == 429:
            pause_s = _reset_after_s(response, self._clock.now())
            self.paused_until = self._clock.now() + pause_s
            log.info("AppView rate limit reached; profiles paused for %.0f s", pause_s)
            return pause_s
        if response.status_code != 200:
            log.debug("AppView getProfiles answered %d", response.status_code)
            return ERROR_PAUSE_S
        try:
            found = _profiles_decoder.decode(response.content).profiles
        except msgspec.DecodeError as err:  # ValidationError is a DecodeError
            log.debug("AppView getProfiles answer unreadable: %s", err)
            return ERROR_PAUSE_S
        missing = set(dids)
        for out in found:
            missing.discard(out.did)
            self._cache.put(
                out.did,
                Profile(
                    handle=out.handle,
                    display_name=out.display_name or "",
                    followers_count=max(0, out.followers_count or 0),
                ),
            )
        for did in missing:
            self._cache.put(did, UNKNOWN_ACCOUNT)
        return 0.0


def _reset_after_s(response: httpx.Response, now: float) -> float:
    """Seconds to wait after a 429, from ``ratelimit-reset`` (epoch seconds, as Bluesky
    sends it, or seconds from now, as the IETF draft says) or ``retry-after`` (seconds or an
    HTTP date); a minute when neither says."""
    reset = response.headers.get("ratelimit-reset")
    if reset is not None:
        try:
            value = float(reset)
            wait = value - now if value > 1e9 else value
        except ValueError:
            wait = math.nan
        if math.isfinite(wait):
            return min(max(wait, 1.0), MAX_PAUSE_S)
    retry = response.headers.get("retry-after")
    if retry is not None:
        try:
            wait = float(retry)
        except ValueError:
            try:
                wait = parsedate_to_datetime(retry).timestamp() - now
            except (TypeError, ValueError):
                wait = math.nan
        if math.isfinite(wait):
            return min(max(wait, 1.0), MAX_PAUSE_S)
    return 60.0
