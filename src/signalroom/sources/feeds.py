"""News and press hits (kind ``rss``): RSS/Atom feeds and Google News searches, polled
politely with conditional GET.

Feeds are the configured URLs plus, with ``google_news``, one Google News search per query
(given, or derived from each current topic's Boolean query). Each poll sends back the
feed's ``ETag``/``Last-Modified``; a 304 costs nothing. Requests to one host are spaced by
``host_min_interval_s``; ``Retry-After``, ``Cache-Control: max-age`` and ``<ttl>`` are
honoured; every wait has jitter, every error backs off per feed and per host. A new entry
becomes one :class:`~signalroom.sources.feed_item.FeedItem` payload with its outlet and the
outlet's reach.

The checkpoint is compact JSON: per feed (keyed by a short hash of its URL) the validators
sent back, when it was last fetched, and short hashes of the entry ids already seen. A feed's
new validators are only written with its last new entry, so a crash mid-feed refetches it
and the seen ids skip what was already yielded: a restart neither re-floods nor misses.

Must not parse feeds with feedparser's own fetcher (no timeout), send cookies, or sleep
except through the injected sleep.
"""

from __future__ import annotations

import asyncio
import base64
import calendar
import hashlib
import logging
import math
import random
import time
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Final, Literal
from urllib.parse import urlencode, urlsplit

import feedparser  # type: ignore[import-untyped]
import httpx
import msgspec

from signalroom.errors import ConfigError
from signalroom.models import RawItem
from signalroom.sources.backoff import Backoff
from signalroom.sources.base import Source, SourceCheck
from signalroom.sources.checkpoint import read_checkpoint
from signalroom.sources.deps import SourceDeps
from signalroom.sources.feed_item import FeedItem, entry_native_id
from signalroom.sources.http_poll import (
    USER_AGENT,
    Sleep,
    describe_error,
    make_client,
    real_sleep,
    retry_after_s,
)
from signalroom.sources.outlets import DEFAULT_OUTLET_REACH, outlet_reach
from signalroom.sources.search_terms import boolean_search

log = logging.getLogger(__name__)

KIND: Final = "rss"
CHECKPOINT_VERSION: Final = 1
_ID_HASH_CHARS: Final = 8
"""Seen ids are kept as 6-byte hashes (8 base64 characters): collisions are negligible for a
few hundred ids per feed, and the checkpoint stays small."""
_MAX_HINT_S: Final = 86_400.0
"""A feed's own ``<ttl>`` or ``max-age`` is honoured up to a day, never longer."""


class GoogleNewsSettings(msgspec.Struct, frozen=True, forbid_unknown_fields=True, kw_only=True):
    """Google News search feeds (``https://news.google.com/rss/search?q=...``)."""

    queries: tuple[str, ...] = ()
    """Searches in Google's syntax (quotes, ``OR``, ``-term``, ``site:``, ``intitle:``).
    Empty: one search per current topic, translated from its query."""
    hl: str = "en-US"
    """Interface language; must agree with ``gl`` and ``ceid``."""
    gl: str = "US"
    """Country edition."""
    ceid: str = "US:en"
    """``{gl}:{language}``."""
    when: str = "1d"
    """Recency window appended as ``when:1d`` (``1h``, ``7d``...); empty for none."""
    poll_interval_s: float = 1800.0
    """Seconds between two polls of one search (Google asks for nothing; 15-60 min is polite)."""
    max_searches: int = 20
    """At most this many searches derived from topics (the first topics by id)."""
    base_url: str = "https://news.google.com/rss/search"


class RssSettings(msgspec.Struct, frozen=True, forbid_unknown_fields=True, kw_only=True):
    feeds: tuple[str, ...] = ()
    """RSS or Atom feed URLs to poll."""
    google_news: GoogleNewsSettings | None = None
    """Google News searches; absent for none."""
    poll_interval_s: float = 3600.0
    """Seconds between two polls of one feed (publishers ask for at most one an hour)."""
    host_min_interval_s: float = 5.0
    """At least this many seconds between two requests to the same host."""
    jitter: float = 0.1
    """Each wait is stretched by a random fraction up to this, so feeds do not align."""
    timeout_s: float = 20.0
    """Seconds before a request is abandoned."""
    max_age_s: float = 172_800.0
    """Entries published longer ago than this are not press hits any more: skipped."""
    max_feed_bytes: int = 5_000_000
    """A larger feed body is refused."""
    max_seen_per_feed: int = 300
    """Entry ids remembered per feed in the checkpoint."""
    outlet_reach: dict[str, int] = msgspec.field(default_factory=dict)
    """Audience per outlet domain (``"example.com" = 250000``), over the shipped estimates."""
    default_reach: int = DEFAULT_OUTLET_REACH
    """The audience of an outlet neither the override nor the shipped table knows."""
    user_agent: str = ""
    """The User-Agent sent; empty for Signalroom's own (with its project URL)."""


def build(name: str, settings: RssSettings, deps: SourceDeps) -> Source:
    return FeedSource(name, settings, deps)


@dataclass(frozen=True, slots=True)
class _Feed:
    key: str
    url: str
    interval_s: float
    label: str


@dataclass(slots=True)
class _FeedState:
    etag: str = ""
    modified: str = ""
    fetched_at: float = 0.0
    seen: list[str] = field(default_factory=list)


class _StateIn(msgspec.Struct, frozen=True):
    e: str = ""
    m: str = ""
    t: float = 0.0
    s: str = ""


class _CheckpointIn(msgspec.Struct, frozen=True):
    v: int
    f: dict[str, _StateIn]


@dataclass(slots=True)
class _Outcome:
    kind: Literal["ok", "not_modified", "gone", "limited", "error"]
    detail: str = ""
    items: list[tuple[str, FeedItem]] = field(default_factory=list)
    """New entries (seen-id hash, payload), oldest first."""
    all_ids: list[str] = field(default_factory=list)
    etag: str = ""
    modified: str = ""
    hint_s: float = 0.0
    retry_s: float | None = None


def validate(name: str, settings: RssSettings) -> None:
    """Raise ConfigError naming the first bad setting."""
    key = f"sources.{name}"
    for field_name in ("poll_interval_s", "timeout_s", "host_min_interval_s", "max_age_s"):
        value = getattr(settings, field_name)
        if not (math.isfinite(value) and value >= 0) or (field_name == "timeout_s" and value <= 0):
            raise ConfigError(f"{key}.{field_name}", f"got {value!r}, expected seconds > 0")
    if not 0 <= settings.jitter <= 1:
        raise ConfigError(f"{key}.jitter", f"got {settings.jitter!r}, expected 0..1")
    for index, url in enumerate(settings.feeds):
        if urlsplit(url).scheme not in ("http", "https") or not urlsplit(url).hostname:
            raise ConfigError(f"{key}.feeds[{index}]", f"got {url!r}, expected an http(s) URL")
    for domain, reach in settings.outlet_reach.items():
        if reach < 0:
            raise ConfigError(f"{key}.outlet_reach.{domain}", f"got {reach}, expected >= 0")
    news = settings.google_news
    if news is not None:
        language = news.hl.split("-", 1)[0]
        if news.ceid != f"{news.gl}:{language}":
            raise ConfigError(
                f"{key}.google_news.ceid",
                f"got {news.ceid!r}, expected {news.gl}:{language} (gl:language of hl)",
            )
        if not (math.isfinite(news.poll_interval_s) and news.poll_interval_s > 0):
            raise ConfigError(f"{key}.google_news.poll_interval_s", "expected seconds > 0")
    if not settings.feeds and news is None:
        raise ConfigError(key, "give feeds, google_news, or both")


class FeedSource:
    """The ``rss`` source: see the module docstring."""

    def __init__(
        self,
        name: str,
        settings: RssSettings,
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
        self._next_due: dict[str, float] = {}
        self._host_ready: dict[str, float] = {}
        self._host_backoff: dict[str, Backoff] = {}
        self._feed_backoff: dict[str, Backoff] = {}
        self._moved: dict[str, str] = {}
        self._gone: set[str] = set()
        self._errors: dict[str, str] = {}
        self.search_notes: dict[str, tuple[str, ...]] = {}
        """Per topic name: what its Google News search could not say (shown by check())."""

    @property
    def name(self) -> str:
        return self._name

    @property
    def kind(self) -> str:
        return KIND

    def feeds(self) -> list[_Feed]:
        """The feeds to poll now: the configured ones, then the Google News searches."""
        s = self._settings
        feeds = [_Feed(_key(url), url, s.poll_interval_s, url) for url in s.feeds]
        news = s.google_news
        if news is None:
            return feeds
        searches: list[tuple[str, str]] = [(q, q) for q in news.queries]
        if not news.queries:
            self.search_notes = {}
            for topic in sorted(self._deps.topics(), key=lambda t: t.id)[: news.max_searches]:
                translated = boolean_search(topic.query, "google_news")
                if translated.notes:
                    self.search_notes[topic.name] = translated.notes
                if translated.text is not None:
                    searches.append((translated.text, f"topic {topic.name!r}"))
        for query, label in searches:
            q = f"{query} when:{news.when}" if news.when else query
            params = urlencode({"q": q, "hl": news.hl, "gl": news.gl, "ceid": news.ceid})
            url = f"{news.base_url}?{params}"
            feeds.append(_Feed(_key(url), url, news.poll_interval_s, f"Google News {label}"))
        return list({f.key: f for f in feeds}.values())

    async def check(self) -> SourceCheck:
        feeds = self.feeds()
        if not feeds:
            return SourceCheck(False, "no feeds: no URLs configured and no topics to search")
        lines: list[str] = []
        ok = True
        async with self._client() as client:
            for feed in feeds:
                outcome = await self._fetch(client, feed, _FeedState())
                if outcome.kind == "ok":
                    lines.append(f"ok: {feed.label} ({len(outcome.all_ids)} entries)")
                else:
                    ok = False
                    lines.append(f"failed: {feed.label}: {outcome.detail}")
        for topic, notes in self.search_notes.items():
            lines.append(f"note: topic {topic!r}: {'; '.join(notes)}")
        return SourceCheck(ok, "\n".join(lines))

    def _client(self) -> httpx.AsyncClient:
        return make_client(
            self._settings.timeout_s,
            user_agent=self._settings.user_agent or USER_AGENT,
            headers={
                "Accept": "application/rss+xml, application/atom+xml, application/xml;q=0.9, "
                "text/xml;q=0.8, */*;q=0.5"
            },
            follow_redirects=True,
        )

    async def stream(self, since: str | None) -> AsyncIterator[RawItem]:
        states = _decode_checkpoint(since)
        clock, health = self._deps.clock, self._deps.health
        async with self._client() as client:
            while True:
                feeds = [f for f in self.feeds() if f.key not in self._gone]
                if not feeds:
                    health.failing("no feeds to poll: no URLs and no topics to search")
                    await self._sleep(self._settings.poll_interval_s)
                    continue
                now = clock.now()
                feed, at = min(
                    ((f, self._ready_at(f, states)) for f in feeds), key=lambda pair: pair[1]
                )
                if at > now:
                    await self._sleep(at - now)
                    continue
                state = states.setdefault(feed.key, _FeedState())
                outcome = await self._fetch(client, feed, state)
                self._after_fetch(feed, state, outcome, len(feeds))
                done = _FeedState(
                    etag=outcome.etag or state.etag,
                    modified=outcome.modified or state.modified,
                    fetched_at=clock.now(),
                    seen=state.seen,
                )
                if outcome.kind == "ok":
                    done.seen = outcome.all_ids[-self._settings.max_seen_per_feed :]
                if outcome.kind not in ("ok", "not_modified"):
                    continue
                if not outcome.items:
                    states[feed.key] = done
                    continue
                live = {f.key for f in feeds}
                yielded = list(state.seen)
                for index, (seen_id, item) in enumerate(outcome.items):
                    if index == len(outcome.items) - 1:
                        states[feed.key] = done
                    else:
                        yielded.append(seen_id)
                        cap = self._settings.max_seen_per_feed
                        states[feed.key] = _FeedState(
                            state.etag, state.modified, state.fetched_at, yielded[-cap:]
                        )
                    health.item()
                    yield RawItem(
                        source=KIND,
                        payload=msgspec.json.encode(item),
                        received_at=clock.now(),
                        checkpoint=_encode_checkpoint(states, live),
                    )

    def _ready_at(self, feed: _Feed, states: Mapping[str, _FeedState]) -> float:
        due = self._next_due.get(feed.key)
        if due is None:
            state = states.get(feed.key)
            due = state.fetched_at + feed.interval_s if state and state.fetched_at else 0.0
        host = urlsplit(self._moved.get(feed.key, feed.url)).hostname or ""
        return max(due, self._host_ready.get(host, 0.0))

    def _after_fetch(self, feed: _Feed, state: _FeedState, outcome: _Outcome, count: int) -> None:
        """Schedule the feed's next poll and the host's next request; update health."""
        s, now, health = self._settings, self._deps.clock.now(), self._deps.health
        host = urlsplit(self._moved.get(feed.key, feed.url)).hostname or ""
        host_backoff = self._host_backoff.setdefault(
            host, Backoff(first_s=60.0, cap_s=6 * 3600.0, rng=self._rng)
        )
        feed_backoff = self._feed_backoff.setdefault(
            feed.key, Backoff(first_s=60.0, cap_s=max(feed.interval_s, 3600.0) * 6, rng=self._rng)
        )
        stretch = 1.0 + s.jitter * self._rng.random()
        self._host_ready[host] = now + s.host_min_interval_s * stretch
        if outcome.kind in ("ok", "not_modified"):
            host_backoff.reset()
            feed_backoff.reset()
            self._errors.pop(feed.key, None)
            interval = max(feed.interval_s, min(outcome.hint_s, _MAX_HINT_S))
            self._next_due[feed.key] = now + interval * stretch
        elif outcome.kind == "limited":
            wait = outcome.retry_s if outcome.retry_s is not None else host_backoff.next_s()
            self._host_ready[host] = now + wait
            self._next_due[feed.key] = now + wait
            self._errors[feed.key] = f"{feed.label}: {outcome.detail}"
            health.rate_limited(now + wait, f"{feed.label}: {outcome.detail}")
            return
        elif outcome.kind == "gone":
            self._gone.add(feed.key)
            self._errors[feed.key] = f"{feed.label}: {outcome.detail}"
        else:
            self._next_due[feed.key] = now + min(feed_backoff.next_s(), feed.interval_s * 6)
            self._errors[feed.key] = f"{feed.label}: {outcome.detail}"
        if not self._errors:
            health.connected(f"{count} feeds polled")
        elif len(self._errors) >= count:
            health.failing("; ".join(self._errors.values()))
        else:
            first = next(iter(self._errors.values()))
            health.connected(f"{len(self._errors)} of {count} feeds failing, e.g. {first}")

    async def _fetch(self, client: httpx.AsyncClient, feed: _Feed, state: _FeedState) -> _Outcome:
        s = self._settings
        url = self._moved.get(feed.key, feed.url)
        headers = {}
        if state.etag:
            headers["If-None-Match"] = state.etag
        if state.modified:
            headers["If-Modified-Since"] = state.modified
        body: bytes | None = b""
        try:
            async with client.stream("GET", url, headers=headers) as response:
                if response.status_code == 200:
                    body = await _read_capped(response, s.max_feed_bytes)
                else:
                    await response.aread()
        except httpx.HTTPError as err:
            return _Outcome("error", describe_error(err, url))
        for step in response.history:
            if step.status_code in (301, 308) and self._moved.get(feed.key) != str(response.url):
                self._moved[feed.key] = str(response.url)
                log.warning(
                    "source %s: %s moved permanently to %s; update the config",
                    self._name,
                    feed.label,
                    response.url,
                )
        status = response.status_code
        if status == 304:
            return _Outcome("not_modified", hint_s=_max_age(response.headers))
        if status in (429, 503):
            retry = retry_after_s(response.headers, self._deps.clock.now())
            return _Outcome("limited", f"HTTP {status} from {response.url.host}", retry_s=retry)
        if status == 410:
            return _Outcome("gone", "HTTP 410 Gone: remove it from the config")
        if status != 200:
            return _Outcome("error", f"HTTP {status} {response.reason_phrase}")
        if body is None:
            return _Outcome("error", f"larger than {s.max_feed_bytes} bytes")
        parsed = await asyncio.to_thread(_parse, body, dict(response.headers))
        if parsed.bozo and not parsed.entries:
            reason = getattr(parsed, "bozo_exception", "")
            return _Outcome("error", f"not a readable feed: {reason}")
        outcome = _Outcome(
            "ok",
            etag=response.headers.get("etag", ""),
            modified=response.headers.get("last-modified", ""),
            hint_s=max(_max_age(response.headers), _ttl_s(parsed.feed)),
        )
        self._read_entries(feed, str(response.url), parsed, state, outcome)
        return outcome

    def _read_entries(
        self,
        feed: _Feed,
        fetched_url: str,
        parsed: Any,
        state: _FeedState,
        outcome: _Outcome,
    ) -> None:
        s, now = self._settings, self._deps.clock.now()
        seen = set(state.seen)
        channel = parsed.feed
        feed_title = _text(channel.get("title"))
        feed_domain = _domain(_text(channel.get("link"))) or _domain(fetched_url)
        fresh: list[tuple[float, int, str, FeedItem]] = []
        for position, entry in enumerate(parsed.entries):
            guid, link = _text(entry.get("id")), _text(entry.get("link"))
            native = entry_native_id(guid, link, feed.url)
            if native is None:
                native = f"untitled:{_text(entry.get('title'))}:{position}"
            seen_id = _hash_id(native)
            outcome.all_ids.append(seen_id)
            if seen_id in seen:
                continue
            seen.add(seen_id)
            published = _instant(entry.get("published_parsed")) or _instant(
                entry.get("updated_parsed")
            )
            if published is not None and now - published > s.max_age_s:
                continue
            item = self._item(feed, entry, feed_title, feed_domain, channel, published, guid, link)
            # Feeds list newest first; undated entries keep that order, reversed.
            fresh.append((published if published is not None else now, -position, seen_id, item))
        fresh.sort(key=lambda row: (row[0], row[1]))
        outcome.items = [(seen_id, item) for _, _, seen_id, item in fresh]
        # Ids are kept newest first in the feed's order; the checkpoint keeps the tail.
        outcome.all_ids.reverse()

    def _item(
        self,
        feed: _Feed,
        entry: Any,
        feed_title: str,
        feed_domain: str,
        channel: Any,
        published: float | None,
        guid: str,
        link: str,
    ) -> FeedItem:
        source = entry.get("source") or {}
        source_title, source_url = _text(source.get("title")), _text(source.get("href"))
        domain = _domain(source_url) or feed_domain or _domain(link)
        content = entry.get("content") or []
        return FeedItem(
            feed_url=feed.url,
            feed_title=feed_title,
            feed_lang=_text(channel.get("language")),
            guid=guid,
            link=link,
            title=_text(entry.get("title")),
            summary=_text(entry.get("summary")),
            content=_text(content[0].get("value")) if content else "",
            author=_text(entry.get("author")),
            published=_text(entry.get("published") or entry.get("updated")),
            published_at=published,
            source_title=source_title,
            source_url=source_url,
            outlet=source_title or feed_title or domain,
            outlet_domain=domain,
            outlet_reach=outlet_reach(
                domain, self._settings.outlet_reach, self._settings.default_reach
            ),
        )


def _parse(body: bytes, headers: dict[str, str]) -> Any:
    return feedparser.parse(body, response_headers=headers)


async def _read_capped(response: httpx.Response, limit: int) -> bytes | None:
    chunks: list[bytes] = []
    size = 0
    async for chunk in response.aiter_bytes():
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
    return b"".join(chunks)


def _text(value: object) -> str:
    return value.strip() if isinstance(value, str) else ""


def _domain(url: str) -> str:
    try:
        host = urlsplit(url).hostname or ""
    except ValueError:
        return ""
    return host.lower().removeprefix("www.")


def _instant(parsed: object) -> float | None:
    if not isinstance(parsed, time.struct_time):
        return None
    try:
        return float(calendar.timegm(parsed))
    except (OverflowError, ValueError):
        return None


def _max_age(headers: httpx.Headers) -> float:
    for directive in headers.get("cache-control", "").split(","):
        name, _, value = directive.strip().partition("=")
        if name.lower() == "max-age":
            try:
                return max(0.0, float(value))
            except ValueError:
                return 0.0
    return 0.0


def _ttl_s(channel: Any) -> float:
    try:
        return max(0.0, float(channel.get("ttl", 0)) * 60.0)
    except (TypeError, ValueError):
        return 0.0


def _key(url: str) -> str:
    return base64.urlsafe_b64encode(hashlib.blake2b(url.encode(), digest_size=6).digest()).decode()


def _hash_id(native_id: str) -> str:
    digest = hashlib.blake2b(native_id.encode("utf-8", "replace"), digest_size=6).digest()
    return base64.urlsafe_b64encode(digest).decode()


def _encode_checkpoint(states: Mapping[str, _FeedState], live: set[str]) -> str:
    return msgspec.json.encode(
        {
            "v": CHECKPOINT_VERSION,
            "f": {
                key: {
                    "e": st.etag,
                    "m": st.modified,
                    "t": round(st.fetched_at),
                    "s": "".join(st.seen),
                }
                for key, st in states.items()
                if key in live
            },
        }
    ).decode()


def _decode_checkpoint(since: str | None) -> dict[str, _FeedState]:
    """The per-feed states of a checkpoint; an unreadable one starts afresh (the seen ids
    are an optimisation: the pipeline dedupes what is re-sent)."""
    decoded = read_checkpoint(since, _CheckpointIn, CHECKPOINT_VERSION)
    if decoded is None:
        return {}
    return {
        key: _FeedState(
            st.e,
            st.m,
            st.t,
            [st.s[i : i + _ID_HASH_CHARS] for i in range(0, len(st.s), _ID_HASH_CHARS)],
        )
        for key, st in decoded.f.items()
    }
