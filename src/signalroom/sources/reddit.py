"""Reddit submissions and comments (kind ``reddit``) through the OAuth Data API: the newest
posts (and optionally comments) of chosen subreddits, and searches (given, or derived from
the current topics), polled.

Access (``docs/sources.md``): an app-only token from the client-credentials grant, refreshed
when it expires or is refused; a User-Agent of Reddit's form naming the account. Since
November 2025 Reddit approves new apps by hand, and it blocks many data-centre addresses:
check() and health say which of those it is rather than "error". The ``X-Ratelimit-*``
headers are obeyed (a spent window pauses until its reset), 429 waits as told.

Paging is PRAW's: each listing's first page, then ``after`` pages back until a page holds a
known item (a bounded set of seen fullnames per listing), an item older than the floor, the
listing's end or ``max_pages``. A read cut short by ``max_pages`` leaves a *gap*: the
fullnames to page on from (``after`` cursors: the oldest item read, then newer ones in case
it is removed) and the fullnames where the stretch ends. Gaps are read first in later
rounds, so a burst is delayed, not lost, as far back as Reddit lists (about 1,000 items);
what lies beyond is reported in health. Fullname cursors, never offsets: a listing shifts
as items arrive. ``before`` is not used: it returns nothing for good once its anchor post
is removed.

Items are yielded per listing and round oldest first (the gaps, oldest first, then the
newest items; each stretch in Reddit's order, reversed) as the raw JSON of each listing
child. The checkpoint is ``{"v":1,"l":{<listing hash>: {"t": newest created_utc, "s":
[fullnames], "g": [{"a": [after cursors], "s": [stop fullnames], "t": created_utc of the
newest stop, "f": floor}, ...]}}}`` (``"g"``, newest stretch first, only when there are
gaps: a checkpoint of the first format reads as one without). The state moves on before
each item is yielded, so a checkpoint covers exactly what came before it: a gap is recorded
before any newer item that would hide it, and a gap being read shrinks to what lies above
the item just yielded (and below the read, if the read was cut short).

Must not log or show secrets, use anonymous ``.json`` endpoints, or sleep except through
the injected sleep.
"""

from __future__ import annotations

import base64
import hashlib
import math
import random
from collections.abc import AsyncIterator, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Annotated, Final, Literal

import httpx
import msgspec

from signalroom import __version__
from signalroom.errors import AuthError, ConfigError, SourceError
from signalroom.models import RawItem
from signalroom.secrets import check_reference
from signalroom.sources.backoff import Backoff
from signalroom.sources.base import Source, SourceCheck
from signalroom.sources.checkpoint import read_checkpoint
from signalroom.sources.deps import SourceDeps
from signalroom.sources.http_poll import (
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

KIND: Final = "reddit"
CHECKPOINT_VERSION: Final = 1
PAGE_LIMIT: Final = 100
MAX_GAPS: Final = 5
"""Unread stretches remembered per listing; past this the oldest is given up (and reported)."""
STOP_IDS_KEPT: Final = 20
"""Fullnames kept where a gap ends (any one of them ends it, should some be removed)."""
ANCHORS_KEPT: Final = 3
"""``after`` cursors kept per gap: the oldest item read, then newer ones in case it is removed."""
MALFORMED: Final = "malformed:"
TIME_FILTER_S: Final = {"hour": 3600.0, "day": 86_400.0, "week": 604_800.0}
APPROVAL_HINT: Final = (
    "Reddit closed self-service API access in November 2025: a new app needs Reddit's "
    "approval under its Responsible Builder Policy; credentials issued before keep working"
)


class RedditSettings(msgspec.Struct, frozen=True, forbid_unknown_fields=True, kw_only=True):
    client_id: str
    """Secret reference (``env:NAME``/``file:/path``) to the app's client id."""
    client_secret: str
    """Secret reference to the app's client secret."""
    username: str = ""
    """The Reddit account that registered the app; named in the User-Agent as Reddit asks."""
    user_agent: str = ""
    """A whole User-Agent instead (``<platform>:<app id>:<version> (by /u/<username>)``)."""
    subreddits: tuple[str, ...] = ()
    """Subreddits (without ``r/``) whose newest posts are all read; searches stay inside them."""
    comments: bool = False
    """Also read the subreddits' newest comments."""
    queries: tuple[str, ...] = ()
    """Reddit searches. Empty: derived from topics when ``search_topics``."""
    search_topics: bool = True
    """With no ``queries``, search for each current topic's terms."""
    time_filter: Literal["hour", "day", "week"] = "day"
    """Searches look this far back (Reddit's ``t``)."""
    poll_interval_s: float = 60.0
    """Seconds between two rounds over every listing."""
    max_pages: int = 5
    """Pages of 100 read back per listing and round, from the newest and from each stretch
    left unread by earlier rounds (a busier stretch waits for the next rounds; Reddit lists
    about 1,000 items at most)."""
    max_searches: int = 20
    """At most this many searches per round (100 requests a minute per app)."""
    lookback_s: float = 3600.0
    """On a fresh start, items older than this are skipped."""
    late_window_s: float = 86_400.0
    """An unseen item this much older than the newest seen is still taken (approved late)."""
    max_seen_per_listing: Annotated[int, msgspec.Meta(ge=100, le=10_000)] = 300
    """Fullnames remembered per listing in the checkpoint: at least a page (100), so a post
    approved late is recognised as already sent."""
    auth_retry_s: float = 300.0
    """After refused credentials, try again this often (fixing the secret heals the source)."""
    timeout_s: float = 20.0
    api_url: str = "https://oauth.reddit.com"
    token_url: str = "https://www.reddit.com/api/v1/access_token"


def build(name: str, settings: RedditSettings, deps: SourceDeps) -> Source:
    return RedditSource(name, settings, deps)


def validate(name: str, settings: RedditSettings) -> None:
    """Raise ConfigError naming the first bad setting."""
    key = f"sources.{name}"
    check_reference(f"{key}.client_id", settings.client_id)
    check_reference(f"{key}.client_secret", settings.client_secret)
    if not settings.user_agent and not settings.username.strip():
        raise ConfigError(
            f"{key}.username",
            "Reddit requires a User-Agent naming the Reddit account that owns the app: "
            "set username (or user_agent)",
        )
    for field_name in ("poll_interval_s", "lookback_s", "late_window_s", "auth_retry_s"):
        value = getattr(settings, field_name)
        if not (math.isfinite(value) and value >= 0):
            raise ConfigError(f"{key}.{field_name}", f"got {value!r}, expected seconds >= 0")
    if not 1 <= settings.max_pages <= 10:
        raise ConfigError(f"{key}.max_pages", "expected 1..10 (Reddit lists ~1,000 items)")
    for index, sub in enumerate(settings.subreddits):
        if not sub or not sub.replace("_", "").isalnum():
            raise ConfigError(f"{key}.subreddits[{index}]", f"not a subreddit name: {sub!r}")


class _ChildData(msgspec.Struct, frozen=True):
    name: str = ""
    created_utc: float = 0.0


class _ChildKey(msgspec.Struct, frozen=True):
    data: _ChildData = msgspec.field(default_factory=_ChildData)


class _ListingData(msgspec.Struct, frozen=True):
    children: list[msgspec.Raw] = msgspec.field(default_factory=list)
    after: str | None = None


class _Listing(msgspec.Struct, frozen=True):
    data: _ListingData


class _Token(msgspec.Struct, frozen=True):
    access_token: str = ""
    expires_in: float = 3600.0
    error: str = ""


class _GapIn(msgspec.Struct, frozen=True):
    a: list[str]
    s: list[str] = msgspec.field(default_factory=list)
    t: float = 0.0
    f: float = 0.0


class _ListingIn(msgspec.Struct, frozen=True):
    t: float = 0.0
    s: list[str] = msgspec.field(default_factory=list)
    g: list[_GapIn] = msgspec.field(default_factory=list)
    """Absent from checkpoints of the first format (and from those with no gap)."""


class _CheckpointIn(msgspec.Struct, frozen=True):
    v: int
    l: dict[str, _ListingIn]  # noqa: E741 - the checkpoint's compact key


@dataclass(frozen=True, slots=True)
class _Endpoint:
    key: str
    path: str
    params: tuple[tuple[str, str], ...]
    label: str
    window_s: float | None = None
    """A search's time filter: it lists nothing older, however few items it holds."""


@dataclass(slots=True)
class _Gap:
    """A stretch of a listing left unread: page on with ``after`` = the first of
    ``anchors`` that Reddit still knows, down to the first of ``stops`` met (or an item
    older than ``floor``)."""

    anchors: tuple[str, ...]
    stops: tuple[str, ...]
    stamp: float
    """``created_utc`` of the newest stop: what the stretch reaches back to."""
    floor: float


@dataclass(slots=True)
class _State:
    newest: float = 0.0
    seen: list[str] = field(default_factory=list)
    """The newest items read, in the order they were yielded (gaps' items are not here)."""
    gaps: list[_Gap] = field(default_factory=list)
    """Newest stretch first."""


@dataclass(frozen=True, slots=True)
class _Child:
    """One listing child as read: its fullname (made from its bytes when it has none, so
    the normalizer rejects it with a reason), ``created_utc`` (0 when unknown), raw JSON."""

    name: str
    created: float
    raw: bytes

    @property
    def is_malformed(self) -> bool:
        return self.name.startswith(MALFORMED)


@dataclass(frozen=True, slots=True)
class _Read:
    """The new items of one stretch, oldest first, and ``resume``, the cursors to go on
    from when ``max_pages`` cut the read short. ``lost``: the listing ended before the
    stretch did, so items between are beyond Reddit's reach."""

    start: _Gap | None
    children: list[_Child]
    resume: tuple[str, ...] | None
    boundary: float
    floor: float
    lost: bool


class RedditSource:
    """The ``reddit`` source: see the module docstring."""

    def __init__(
        self,
        name: str,
        settings: RedditSettings,
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
        self._user_agent = settings.user_agent or (
            f"server:signalroom:{__version__} (by /u/{settings.username.strip().removeprefix('/u/')})"
        )
        self._token = ""
        self._token_expires = 0.0
        self._paused_until = 0.0
        self._fresh_floor: dict[str, float] = {}
        self.search_notes: dict[str, tuple[str, ...]] = {}

    @property
    def name(self) -> str:
        return self._name

    @property
    def kind(self) -> str:
        return KIND

    @property
    def user_agent(self) -> str:
        return self._user_agent

    def listings(self) -> list[_Endpoint]:
        s = self._settings
        out: list[_Endpoint] = []
        for sub in s.subreddits:
            out.append(_Endpoint(_key(f"new/{sub}"), f"/r/{sub}/new", (), f"r/{sub} new"))
            if s.comments:
                out.append(
                    _Endpoint(
                        _key(f"comments/{sub}"), f"/r/{sub}/comments", (), f"r/{sub} comments"
                    )
                )
        queries = list(s.queries)
        if not queries and s.search_topics:
            self.search_notes = {}
            for topic in sorted(self._deps.topics(), key=lambda t: t.id):
                found = keyword_searches(topic.query, KIND)
                if found.notes:
                    self.search_notes[topic.name] = found.notes
                queries.extend(found.searches)
        path = f"/r/{'+'.join(s.subreddits)}/search" if s.subreddits else "/search"
        restrict = (("restrict_sr", "1"),) if s.subreddits else ()
        for query in list(dict.fromkeys(queries))[: s.max_searches]:
            params = (("q", query), ("sort", "new"), ("t", s.time_filter), *restrict)
            out.append(
                _Endpoint(
                    _key(f"search{path}?{query}"),
                    path,
                    params,
                    f"search {query!r}",
                    TIME_FILTER_S[s.time_filter],
                )
            )
        return out

    def _client(self) -> httpx.AsyncClient:
        return make_client(self._settings.timeout_s, user_agent=self._user_agent)

    async def check(self) -> SourceCheck:
        listings = self.listings()
        async with self._client() as client:
            try:
                await self._authorize(client)
                if not listings:
                    return SourceCheck(
                        False,
                        "credentials accepted, but nothing to read: no subreddits, "
                        "queries or topics",
                    )
                first = listings[0]
                await self._get(client, first.path, (*first.params, ("limit", "1")))
            except AuthError as err:
                return SourceCheck(False, str(err))
            except RateLimitedError as err:
                return SourceCheck(False, f"rate limited by Reddit: {err.detail}")
            except SourceError as err:
                return SourceCheck(False, str(err))
        return SourceCheck(
            True, f"ok: token granted; {first.label} readable; {len(listings)} listings"
        )

    async def stream(self, since: str | None) -> AsyncIterator[RawItem]:
        states = _decode_checkpoint(since)
        clock, health, s = self._deps.clock, self._deps.health, self._settings
        backoff = Backoff(first_s=10.0, cap_s=900.0, rng=self._rng)
        retry = PollRetry(
            health, clock, self._sleep, backoff, self._rng, auth_retry_s=s.auth_retry_s
        )
        async with self._client() as client:
            while True:
                listings = self.listings()
                live = {listing.key for listing in listings}
                if not listings:
                    health.failing("nothing to read: no subreddits, queries or topics")
                failed = False
                for listing in listings:
                    try:
                        reads = await self._fetch(client, listing, states)
                    except SourceError as err:
                        await retry.wait_after(err)
                        failed = True
                        break
                    retry.succeeded(f"{len(listings)} listings")
                    state = states.setdefault(listing.key, _State())
                    for raw in self._advance(listing, state, reads):
                        health.item()
                        yield RawItem(
                            source=KIND,
                            payload=raw,
                            received_at=clock.now(),
                            checkpoint=_encode_checkpoint(states, live),
                        )
                if not failed:
                    await retry.pause(s.poll_interval_s)

    async def _fetch(
        self, client: httpx.AsyncClient, listing: _Endpoint, states: Mapping[str, _State]
    ) -> list[_Read]:
        """Every stretch of the listing to read this round, in the order they are yielded:
        the gaps left by earlier rounds, oldest first, then the newest items. Reads only:
        the state moves on as the items are yielded."""
        s, now = self._settings, self._deps.clock.now()
        state = states.get(listing.key)
        if listing.key not in self._fresh_floor:
            # A listing first met without a checkpoint starts at the look-back, for good:
            # its older items must not come back later as "late" ones.
            self._fresh_floor[listing.key] = now - s.lookback_s if state is None else -math.inf
        floor = self._fresh_floor[listing.key]
        if state is None:
            return [await self._read(client, listing, None, frozenset(), floor, 0.0)]
        if state.newest:
            floor = max(floor, state.newest - s.late_window_s)
        seen = frozenset(state.seen)
        reads = [
            await self._read(client, listing, gap, seen, gap.floor, gap.stamp)
            for gap in reversed(state.gaps)
        ]
        reads.append(await self._read(client, listing, None, seen, floor, state.newest))
        return reads

    async def _read(
        self,
        client: httpx.AsyncClient,
        listing: _Endpoint,
        start: _Gap | None,
        seen: frozenset[str],
        floor: float,
        boundary: float,
    ) -> _Read:
        """One stretch, paged back with ``after``: from the newest item (``start`` None)
        until a page holds an item already seen, whose unseen items are still taken (a post
        approved late), or from a gap's cursor up to its first stop; either way until an
        item older than ``floor``, the listing's end or ``max_pages``."""
        cursors: list[str | None] = [None]
        stops = skip = seen
        if start is not None:
            stops, skip = frozenset(start.stops), seen | frozenset(start.anchors)
            cursors = list(start.anchors)
        found: dict[str, _Child] = {}
        after = cursors.pop(0)
        reached = False
        oldest: float | None = None
        names: list[str] = []
        for _ in range(self._settings.max_pages):
            params = (*listing.params, ("limit", str(PAGE_LIMIT)), ("raw_json", "1"))
            if after:
                params = (*params, ("after", after))
            page = (await self._get(client, listing.path, params)).data
            if not page.children and cursors:
                # Reddit lists nothing after an item it no longer has (removed, or pushed
                # beyond its reach): page on from a newer one; its elders are skipped.
                after = cursors.pop(0)
                continue
            cursors.clear()
            names = []
            for raw in page.children:
                child = _child(raw)
                if child.created:
                    oldest = child.created
                if child.name in stops or 0 < child.created < floor:
                    reached = True
                    if start is not None:
                        break  # what lies below a stretch's end was read before
                    continue
                if not child.is_malformed:
                    names.append(child.name)
                if child.name not in skip:
                    found.setdefault(child.name, child)
            after = page.after
            if reached or not after:
                break
        resume: tuple[str, ...] | None = None
        if not reached and after:
            newer = cursors or names[::-1]
            resume = tuple(dict.fromkeys([after, *newer]))[:ANCHORS_KEPT]
        lost = False
        if not reached and not after and stops:
            # The listing ended before the stretch did. A read from the top that met only
            # items older than what was read before lost nothing (those read were removed).
            beyond = oldest > boundary if oldest is not None else start is not None
            window = listing.window_s
            # A search lists nothing older than its time filter: past that it cannot say.
            lost = beyond and (window is None or boundary >= self._deps.clock.now() - window)
        children = list(reversed(found.values()))
        return _Read(start, children, resume, boundary, floor, lost)

    def _advance(self, listing: _Endpoint, state: _State, reads: list[_Read]) -> Iterator[bytes]:
        """The reads' items in order, ``state`` moved on before each so that the
        checkpoint yielded with it covers it and nothing later."""
        keep = self._settings.max_seen_per_listing
        for read in reads:
            if read.lost:
                self._deps.health.failing(
                    f"{listing.label}: Reddit lists no further back (about 1,000 items, or "
                    "the search's time filter) and the items read before were not reached: "
                    "new items older than that are lost"
                )
            if read.start is not None:
                yield from self._advance_gap(state, read.start, read)
                continue
            if read.resume is not None:
                # Recorded before any newer item is yielded: none can hide it.
                stops = tuple(state.seen[-STOP_IDS_KEPT:])
                self._open_gap(listing, state, _Gap(read.resume, stops, read.boundary, read.floor))
            for child in read.children:
                state.seen.append(child.name)
                del state.seen[:-keep]
                state.newest = max(state.newest, child.created)
                yield child.raw

    def _advance_gap(self, state: _State, gap: _Gap, read: _Read) -> Iterator[bytes]:
        """A gap's items: the gap becomes what lies above the item just yielded (gone with
        the last one), and what lies below the read when it was cut short."""
        below = None
        if read.resume is not None:
            below = _Gap(read.resume, gap.stops, gap.stamp, gap.floor)
        if not read.children:
            _replace_gap(state, gap, [below] if below else [])
            return
        done: list[str] = []
        for index, child in enumerate(read.children):
            if index == 0 and below is not None:
                _replace_gap(state, gap, [gap, below])
            if index == len(read.children) - 1:
                _replace_gap(state, gap, [])
            else:
                done = [child.name, *done][:STOP_IDS_KEPT]
                gap.stops = tuple(done)
                gap.stamp = child.created or gap.stamp
            state.newest = max(state.newest, child.created)
            yield child.raw

    def _open_gap(self, listing: _Endpoint, state: _State, gap: _Gap) -> None:
        state.gaps.insert(0, gap)
        if len(state.gaps) > MAX_GAPS:
            state.gaps.pop()
            self._deps.health.failing(
                f"{listing.label}: {MAX_GAPS} stretches of new items are still unread (more "
                "than max_pages pages of them arrive a round); the oldest is given up"
            )

    async def _authorize(self, client: httpx.AsyncClient) -> str:
        now = self._deps.clock.now()
        if self._token and now < self._token_expires - 60:
            return self._token
        secrets = self._deps.secrets
        try:
            client_id = secrets.resolve(self._settings.client_id)
            client_secret = secrets.resolve(self._settings.client_secret)
        except AuthError as err:
            raise AuthError(f"Reddit credentials missing: {err}. {APPROVAL_HINT}") from err
        url = self._settings.token_url
        try:
            response = await client.post(
                url,
                auth=(client_id, client_secret),
                data={"grant_type": "client_credentials"},
            )
        except httpx.HTTPError as err:
            raise SourceError(describe_error(err, url)) from err
        self._note_rate(response)
        if response.status_code == 401:
            raise AuthError(f"Reddit refused the client id/secret (HTTP 401). {APPROVAL_HINT}")
        self._raise_for_status(response)
        try:
            token = msgspec.json.decode(response.content, type=_Token)
        except msgspec.MsgspecError as err:
            raise SourceError(
                f"Reddit's token answer is not JSON: {status_line(response)}"
            ) from err
        if token.error or not token.access_token:
            raise AuthError(
                f"Reddit refused the token request ({token.error or 'no token'}). {APPROVAL_HINT}"
            )
        self._token = token.access_token
        self._token_expires = now + max(60.0, token.expires_in)
        return self._token

    async def _get(
        self, client: httpx.AsyncClient, path: str, params: tuple[tuple[str, str], ...]
    ) -> _Listing:
        url = f"{self._settings.api_url.rstrip('/')}{path}"
        for attempt in range(2):
            wait = self._paused_until - self._deps.clock.now()
            if wait > 0:
                self._deps.health.rate_limited(self._paused_until, "Reddit's rate window is spent")
                await self._sleep(wait)
            token = await self._authorize(client)
            try:
                response = await client.get(
                    url, params=params, headers={"Authorization": f"bearer {token}"}
                )
            except httpx.HTTPError as err:
                raise SourceError(describe_error(err, url)) from err
            self._note_rate(response)
            if response.status_code == 401 and attempt == 0:
                self._token = ""  # expired or revoked: one fresh token, then give up
                continue
            if response.status_code == 401:
                raise AuthError(f"Reddit refused a fresh token (HTTP 401). {APPROVAL_HINT}")
            self._raise_for_status(response)
            try:
                return msgspec.json.decode(response.content, type=_Listing)
            except msgspec.MsgspecError as err:
                raise SourceError(
                    f"Reddit answered something that is not a listing: {err}"
                ) from err
        raise AssertionError("unreachable")  # pragma: no cover

    def _raise_for_status(self, response: httpx.Response) -> None:
        status = response.status_code
        if status == 200:
            return
        if status == 429:
            headers = response.headers
            retry = retry_after_s(headers, self._deps.clock.now()) or _float(
                headers.get("x-ratelimit-reset")
            )
            raise RateLimitedError(status_line(response), retry)
        if status == 403:
            if "html" in response.headers.get("content-type", ""):
                raise SourceError(
                    "Reddit access blocked (HTTP 403 page): Reddit blocks many data-centre "
                    "addresses; run from another network or ask Reddit to allow this app"
                )
            raise AuthError(
                f"Reddit forbids this app the Data API (HTTP 403): {status_line(response)}. "
                f"{APPROVAL_HINT}"
            )
        if status == 404:
            raise SourceError(f"not found (HTTP 404): {response.url.path}: no such subreddit?")
        raise SourceError(status_line(response))

    def _note_rate(self, response: httpx.Response) -> None:
        """Pause until the window resets when Reddit says it is spent."""
        remaining = _float(response.headers.get("x-ratelimit-remaining"))
        reset = _float(response.headers.get("x-ratelimit-reset"))
        if remaining is not None and reset is not None and remaining < 1:
            self._paused_until = self._deps.clock.now() + reset


def _float(value: str | None) -> float | None:
    if value is None:
        return None
    try:
        number = float(value)
    except ValueError:
        return None
    return number if math.isfinite(number) and number >= 0 else None


def _key(text: str) -> str:
    digest = hashlib.blake2b(text.encode(), digest_size=6).digest()
    return base64.urlsafe_b64encode(digest).decode()


def _replace_gap(state: _State, gap: _Gap, by: list[_Gap]) -> None:
    for index, known in enumerate(state.gaps):
        if known is gap:
            state.gaps[index : index + 1] = by
            return


def _child(raw: msgspec.Raw) -> _Child:
    body = bytes(raw)
    try:
        data = msgspec.json.decode(body, type=_ChildKey).data
    except msgspec.MsgspecError:
        data = _ChildData()
    if not data.name:
        return _Child(MALFORMED + hashlib.sha256(body).hexdigest()[:24], 0.0, body)
    return _Child(data.name, max(0.0, data.created_utc), body)


def _encode_checkpoint(states: Mapping[str, _State], live: set[str]) -> str:
    listings: dict[str, dict[str, object]] = {}
    for key, st in states.items():
        if key not in live:
            continue
        body: dict[str, object] = {"t": st.newest, "s": st.seen}
        if st.gaps:
            body["g"] = [
                # A floor of -inf (no look-back) is 0: JSON has no infinity.
                {"a": list(g.anchors), "s": list(g.stops), "t": g.stamp, "f": max(0.0, g.floor)}
                for g in st.gaps
            ]
        listings[key] = body
    return msgspec.json.encode({"v": CHECKPOINT_VERSION, "l": listings}).decode()


def _decode_checkpoint(since: str | None) -> dict[str, _State]:
    """Per listing, the newest ``created_utc``, the fullnames seen and the gaps; an
    unreadable checkpoint starts fresh (the pipeline dedupes what is sent again)."""
    decoded = read_checkpoint(since, _CheckpointIn, CHECKPOINT_VERSION)
    if decoded is None:
        return {}
    return {
        key: _State(
            v.t,
            list(v.s),
            [_Gap(tuple(g.a), tuple(g.s), g.t, g.f) for g in v.g if g.a],
        )
        for key, v in decoded.l.items()
    }
