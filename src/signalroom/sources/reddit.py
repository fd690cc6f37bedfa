"""Reddit submissions and comments (kind ``reddit``) through the OAuth Data API: the newest
posts (and optionally comments) of chosen subreddits, and searches (given, or derived from
the current topics), polled.

Access (``docs/sources.md``): an app-only token from the client-credentials grant, refreshed
when it expires or is refused; a User-Agent of Reddit's form naming the account. Since
November 2025 Reddit approves new apps by hand, and it blocks many data-centre addresses:
check() and health say which of those it is rather than "error". The ``X-Ratelimit-*``
headers are obeyed (a spent window pauses until its reset), 429 waits as told.

Paging is PRAW's: each listing's first page, then ``after`` pages back until a known item
(a bounded set of seen fullnames per listing) or ``max_pages``. ``before`` is not used: it
returns nothing for good once its anchor post is removed. Items are yielded oldest first as
the raw JSON of each listing child. The checkpoint is ``{"v":1,"l":{<listing hash>:
{"t": newest created_utc, "s": [fullnames]}}}``.

Must not log or show secrets, use anonymous ``.json`` endpoints, or sleep except through
the injected sleep.
"""

from __future__ import annotations

import base64
import hashlib
import math
import random
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass, field
from typing import Final, Literal

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
    """Pages of 100 read back per listing and round (Reddit lists about 1,000 at most)."""
    max_searches: int = 20
    """At most this many searches per round (100 requests a minute per app)."""
    lookback_s: float = 3600.0
    """On a fresh start, items older than this are skipped."""
    late_window_s: float = 86_400.0
    """An unseen item this much older than the newest seen is still taken (approved late)."""
    max_seen_per_listing: int = 300
    """Fullnames remembered per listing in the checkpoint."""
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


class _ListingIn(msgspec.Struct, frozen=True):
    t: float = 0.0
    s: list[str] = msgspec.field(default_factory=list)


class _CheckpointIn(msgspec.Struct, frozen=True):
    v: int
    l: dict[str, _ListingIn]  # noqa: E741 - the checkpoint's compact key


@dataclass(frozen=True, slots=True)
class _Endpoint:
    key: str
    path: str
    params: tuple[tuple[str, str], ...]
    label: str


@dataclass(slots=True)
class _State:
    newest: float = 0.0
    seen: list[str] = field(default_factory=list)


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
            out.append(_Endpoint(_key(f"search{path}?{query}"), path, params, f"search {query!r}"))
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
                        fresh = await self._poll(client, listing, states)
                    except SourceError as err:
                        await retry.wait_after(err)
                        failed = True
                        break
                    retry.succeeded(f"{len(listings)} listings")
                    state = states.setdefault(listing.key, _State())
                    for name, created, raw in fresh:
                        state.seen.append(name)
                        del state.seen[: -s.max_seen_per_listing]
                        state.newest = max(state.newest, created)
                        health.item()
                        yield RawItem(
                            source=KIND,
                            payload=raw,
                            received_at=clock.now(),
                            checkpoint=_encode_checkpoint(states, live),
                        )
                if not failed:
                    await retry.pause(s.poll_interval_s)

    async def _poll(
        self, client: httpx.AsyncClient, listing: _Endpoint, states: Mapping[str, _State]
    ) -> list[tuple[str, float, bytes]]:
        """The listing's unseen items, oldest first."""
        s, now = self._settings, self._deps.clock.now()
        state = states.get(listing.key)
        seen = set(state.seen) if state else set()
        if listing.key not in self._fresh_floor:
            # A listing first met without a checkpoint starts at the look-back, for good:
            # its older items must not come back later as "late" ones.
            self._fresh_floor[listing.key] = now - s.lookback_s if state is None else -math.inf
        floor = self._fresh_floor[listing.key]
        if state and state.newest:
            floor = max(floor, state.newest - s.late_window_s)
        fresh: dict[str, tuple[float, bytes]] = {}
        after: str | None = None
        for _ in range(s.max_pages):
            params = (*listing.params, ("limit", str(PAGE_LIMIT)), ("raw_json", "1"))
            if after:
                params = (*params, ("after", after))
            page = await self._get(client, listing.path, params)
            known = False
            for raw in page.data.children:
                try:
                    child = msgspec.json.decode(raw, type=_ChildKey).data
                except msgspec.MsgspecError:
                    child = _ChildData()
                name = child.name or "malformed:" + hashlib.sha256(bytes(raw)).hexdigest()[:24]
                if name in seen or (child.name and child.created_utc < floor):
                    known = True
                    continue
                fresh.setdefault(name, (child.created_utc or now, bytes(raw)))
            after = page.data.after
            if known or not after:
                break
        ordered = sorted(fresh.items(), key=lambda pair: (pair[1][0], pair[0]))
        return [(name, created, raw) for name, (created, raw) in ordered]

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


def _encode_checkpoint(states: Mapping[str, _State], live: set[str]) -> str:
    body = {
        "v": CHECKPOINT_VERSION,
        "l": {k: {"t": st.newest, "s": st.seen} for k, st in states.items() if k in live},
    }
    return msgspec.json.encode(body).decode()


def _decode_checkpoint(since: str | None) -> dict[str, _State]:
    """Per listing, the newest ``created_utc`` and the fullnames seen; an unreadable
    checkpoint starts fresh (the pipeline dedupes what is sent again)."""
    decoded = read_checkpoint(since, _CheckpointIn, CHECKPOINT_VERSION)
    if decoded is None:
        return {}
    return {k: _State(v.t, list(v.s)) for k, v in decoded.l.items()}
