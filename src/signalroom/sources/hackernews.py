"""Hacker News mentions (kind ``hackernews``): stories and comments found by Algolia's HN
search (``/api/v1/search_by_date``), polled per search and resumed by ``created_at_i``.

Each search is given in the settings or derived from the current topics (their
OR-alternatives as plain all-words searches, since Algolia has no ``OR``). A poll asks for
``created_at_i >= t - overlap_s`` (several items share a second, and HN's index lags), pages
through the answer (never past Algolia's 1,000-hit window: a busier window is halved until
it fits, and the rest is fetched right after) and yields the hits oldest first, each as the
exact JSON bytes Algolia sent. The checkpoint is ``{"v":1,"q":{<search hash>: t}}``: per
search, the ``created_at_i`` of the last hit yielded.

Must not page past 1,000 hits, poll faster than ``poll_interval_s`` when idle, or sleep
except through the injected sleep.
"""

from __future__ import annotations

import base64
import hashlib
import math
import random
from collections import OrderedDict
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Final

import httpx
import msgspec

from signalroom.errors import ConfigError, SourceError
from signalroom.models import RawItem
from signalroom.sources.backoff import Backoff
from signalroom.sources.base import Source, SourceCheck
from signalroom.sources.checkpoint import read_checkpoint
from signalroom.sources.deps import SourceDeps
from signalroom.sources.http_poll import (
    USER_AGENT,
    RateLimitedError,
    Sleep,
    describe_error,
    make_client,
    real_sleep,
    retry_after_s,
    status_line,
)
from signalroom.sources.poll_retry import PollRetry
from signalroom.sources.search_terms import keyword_searches

KIND: Final = "hackernews"
CHECKPOINT_VERSION: Final = 1
MAX_WINDOW_HITS: Final = 1000
"""Algolia answers at most this many hits for one query, however it is paged."""
_SEEN_KEPT: Final = 20_000


class HackerNewsSettings(msgspec.Struct, frozen=True, forbid_unknown_fields=True, kw_only=True):
    queries: tuple[str, ...] = ()
    """Algolia searches (all words must match; quote a phrase). Empty: derived from topics."""
    tags: str = "(story,comment)"
    """Algolia ``tags`` filter: comma is AND, parentheses OR (``story``, ``comment``,
    ``show_hn``, ``ask_hn``, ``author_<user>``...)."""
    poll_interval_s: float = 120.0
    """Seconds between two rounds of searches."""
    overlap_s: float = 300.0
    """Each poll looks this far behind the last hit seen: HN's index can lag."""
    lookback_s: float = 3600.0
    """On a fresh start (no checkpoint), how far back to fetch."""
    hits_per_page: int = 100
    """Hits per request (Algolia allows up to 1,000)."""
    max_searches: int = 20
    """At most this many searches per round (Algolia allows 10,000 requests/hour per IP)."""
    timeout_s: float = 20.0
    base_url: str = "https://hn.algolia.com/api/v1"


def build(name: str, settings: HackerNewsSettings, deps: SourceDeps) -> Source:
    return HackerNewsSource(name, settings, deps)


def validate(name: str, settings: HackerNewsSettings) -> None:
    """Raise ConfigError naming the first bad setting."""
    key = f"sources.{name}"
    for field_name in ("poll_interval_s", "overlap_s", "lookback_s", "timeout_s"):
        value = getattr(settings, field_name)
        if not (math.isfinite(value) and value >= 0):
            raise ConfigError(f"{key}.{field_name}", f"got {value!r}, expected seconds >= 0")
    if not 1 <= settings.hits_per_page <= MAX_WINDOW_HITS:
        raise ConfigError(f"{key}.hits_per_page", "expected 1..1000")


class _Page(msgspec.Struct, frozen=True):
    hits: list[msgspec.Raw] = msgspec.field(default_factory=list)
    hits_total: int = msgspec.field(default=0, name="nbHits")
    pages_total: int = msgspec.field(default=0, name="nbPages")


class _HitKey(msgspec.Struct, frozen=True):
    object_id: str = msgspec.field(name="objectID")
    created_at_i: int = 0


class _CheckpointIn(msgspec.Struct, frozen=True):
    v: int
    q: dict[str, int]


@dataclass(frozen=True, slots=True)
class _Hit:
    created: int
    object_id: str
    raw: bytes


class HackerNewsSource:
    """The ``hackernews`` source: see the module docstring."""

    def __init__(
        self,
        name: str,
        settings: HackerNewsSettings,
        deps: SourceDeps,
        *,
        sleep: Sleep = real_sleep,
        rng: random.Random | None = None,
    ) -> None:
        validate(name, settings)
        self._name = name
        self._settings = settings
        self._deps = deps
        self._sleep = sleep
        self._rng = rng or random.Random()
        self._seen: OrderedDict[str, None] = OrderedDict()
        self.search_notes: dict[str, tuple[str, ...]] = {}

    @property
    def name(self) -> str:
        return self._name

    @property
    def kind(self) -> str:
        return KIND

    def searches(self) -> list[str]:
        """The searches of one round: the configured ones, else the topics' keywords."""
        if self._settings.queries:
            return list(self._settings.queries)
        self.search_notes = {}
        out: list[str] = []
        for topic in sorted(self._deps.topics(), key=lambda t: t.id):
            found = keyword_searches(topic.query, KIND)
            if found.notes:
                self.search_notes[topic.name] = found.notes
            out.extend(found.searches)
        return list(dict.fromkeys(out))[: self._settings.max_searches]

    def _client(self) -> httpx.AsyncClient:
        return make_client(self._settings.timeout_s, user_agent=USER_AGENT)

    async def check(self) -> SourceCheck:
        searches = self.searches() or ["hacker news"]
        async with self._client() as client:
            try:
                page = await self._get(client, searches[0], 0, self._deps.clock.now() - 86400, None)
            except RateLimitedError as err:
                return SourceCheck(False, f"rate limited by Algolia: {err.detail}")
            except SourceError as err:
                return SourceCheck(False, str(err))
        lines = [f"ok: {len(searches)} searches; {searches[0]!r} found {page.hits_total} in a day"]
        lines += [f"note: topic {t!r}: {'; '.join(n)}" for t, n in self.search_notes.items()]
        return SourceCheck(True, "\n".join(lines))

    async def stream(self, since: str | None) -> AsyncIterator[RawItem]:
        marks = _decode_checkpoint(since)
        clock, health, s = self._deps.clock, self._deps.health, self._settings
        backoff = Backoff(first_s=30.0, cap_s=1800.0, rng=self._rng)
        retry = PollRetry(health, clock, self._sleep, backoff, self._rng)
        start = clock.now() - s.lookback_s
        # Per search, where the rest of a window narrowed to fit Algolia's 1,000 hits
        # begins. The next read starts there: going back to the last hit less the overlap
        # would narrow to the same window again, forever when it held nothing new.
        rest: dict[str, int] = {}
        async with self._client() as client:
            while True:
                more = False
                searches = self.searches()
                if not searches:
                    health.failing("no searches: no queries configured and no topics")
                for query in searches:
                    key = _key(query)
                    low = rest.get(key)
                    if low is None:
                        low = int(marks.get(key, start) - (s.overlap_s if key in marks else 0))
                    try:
                        hits, rest_from = await self._window(client, query, low)
                    except SourceError as err:
                        await retry.wait_after(err)
                        break
                    retry.succeeded(f"{len(searches)} searches")
                    if rest_from is None:
                        rest.pop(key, None)
                    else:
                        rest[key] = rest_from
                        more = True
                    for hit in hits:
                        if hit.object_id in self._seen:
                            continue
                        self._remember(hit.object_id)
                        marks[key] = max(marks.get(key, 0), hit.created)
                        health.item()
                        yield RawItem(
                            source=KIND,
                            payload=hit.raw,
                            received_at=clock.now(),
                            checkpoint=_encode_checkpoint(marks, {_key(q) for q in searches}),
                        )
                else:
                    if not more:
                        await retry.pause(s.poll_interval_s)

    def _remember(self, object_id: str) -> None:
        self._seen[object_id] = None
        if len(self._seen) > _SEEN_KEPT:
            self._seen.popitem(last=False)

    async def _window(
        self, client: httpx.AsyncClient, query: str, low: int
    ) -> tuple[list[_Hit], int | None]:
        """Every hit of ``query`` from ``low`` on, oldest first, and where the rest begins
        when the window was narrowed to fit Algolia's 1,000 hits (None: it reached the
        present). The next call reads on from there."""
        now = int(self._deps.clock.now()) + 1
        high: int | None = None
        while True:
            first = await self._get(client, query, 0, low, high)
            span = (high or now) - low
            if first.hits_total <= MAX_WINDOW_HITS or span <= 1:
                break
            high = low + span // 2
        pages = [first]
        last_page = min(
            first.pages_total, math.ceil(MAX_WINDOW_HITS / self._settings.hits_per_page)
        )
        for number in range(1, last_page):
            pages.append(await self._get(client, query, number, low, high))
        hits: list[_Hit] = []
        for page in pages:
            for raw in page.hits:
                try:
                    key = msgspec.json.decode(raw, type=_HitKey)
                except msgspec.MsgspecError:
                    # Still yielded: the normalizer turns it into a reject with its reason.
                    digest = hashlib.sha256(bytes(raw)).hexdigest()[:32]
                    hits.append(_Hit(low, f"malformed:{digest}", bytes(raw)))
                    continue
                hits.append(_Hit(key.created_at_i, key.object_id, bytes(raw)))
        hits.sort(key=lambda h: (h.created, h.object_id))
        return hits, high

    async def _get(
        self, client: httpx.AsyncClient, query: str, page: int, low: float, high: int | None
    ) -> _Page:
        s = self._settings
        filters = f"created_at_i>={int(low)}" + (f",created_at_i<{high}" if high else "")
        params = {
            "query": query,
            "tags": s.tags,
            "numericFilters": filters,
            "hitsPerPage": str(s.hits_per_page),
            "page": str(page),
        }
        url = f"{s.base_url.rstrip('/')}/search_by_date"
        try:
            response = await client.get(url, params=params)
        except httpx.HTTPError as err:
            raise SourceError(describe_error(err, url)) from err
        if response.status_code == 429:
            raise RateLimitedError(
                status_line(response), retry_after_s(response.headers, self._deps.clock.now())
            )
        if response.status_code == 403:
            raise SourceError(f"blocked by Algolia ({status_line(response)}); too many requests?")
        if response.status_code != 200:
            raise SourceError(status_line(response))
        try:
            return msgspec.json.decode(response.content, type=_Page)
        except msgspec.MsgspecError as err:
            raise SourceError(
                f"Algolia answered something that is not a search result: {err}"
            ) from err


def _key(query: str) -> str:
    digest = hashlib.blake2b(query.encode(), digest_size=6).digest()
    return base64.urlsafe_b64encode(digest).decode()


def _encode_checkpoint(marks: dict[str, int], live: set[str]) -> str:
    kept = {k: v for k, v in marks.items() if k in live}
    return msgspec.json.encode({"v": CHECKPOINT_VERSION, "q": kept}).decode()


def _decode_checkpoint(since: str | None) -> dict[str, int]:
    """Per search, the last ``created_at_i`` yielded; an unreadable checkpoint starts over
    from ``lookback_s`` (what is sent again is deduplicated by the pipeline)."""
    decoded = read_checkpoint(since, _CheckpointIn, CHECKPOINT_VERSION)
    return dict(decoded.q) if decoded is not None else {}
