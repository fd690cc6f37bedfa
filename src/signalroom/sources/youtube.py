"""YouTube comments (kind ``youtube``) on chosen videos and channels, polled through the
YouTube Data API v3 with an API key, within a daily quota.

Each video (``videoId``) and channel (``allThreadsRelatedToChannelId``: every video of it)
is a *target*. A round asks each target for ``commentThreads`` newest first
(``order=time``, 100 a page) and pages back with ``nextPageToken`` until a page holds a
thread already seen (there is no "since"), one older than the floor (the look-back on a
first start, then the oldest of the threads remembered), the end, or
``max_pages_per_poll``. A read cut short leaves a *gap*: its next page token and the ids
where it must stop, read first in later rounds, so a burst is delayed, not lost. Replies
come in the thread's ``replies.comments``; when a thread has more, ``comments.list`` fetches
them while the quota has units to spare.

Items are yielded per target, oldest thread first, each thread's comment then its replies,
as ``{"videoId", "totalReplyCount", "comment": <the comment resource as received>}``. The
checkpoint is ``{"v":1,"d":<Pacific day>,"u":<units used that day>,"t":{<target>:
{"s": [[thread id, publishedAt], ...], "g": [gaps]}}}``; a thread counts as seen
only with its last item, and a gap is recorded before any thread that would hide it.

Quota (``youtube_quota``): every call costs a unit, failed ones too; rounds are spread so
the source's budget lasts until midnight Pacific, and a spent budget (or Google's
``quotaExceeded``) waits for that midnight, reported as rate limited. A video with comments
disabled or gone is skipped (and tried again every few hours) while the others go on.

Must not log or show the API key, call ``search.list``, or sleep except through the
injected sleep.
"""

from __future__ import annotations

import hashlib
import math
import random
import re
from collections.abc import AsyncIterator, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Final

import httpx
import msgspec

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
from signalroom.sources.youtube_quota import QuotaLedger

KIND: Final = "youtube"
CHECKPOINT_VERSION: Final = 1
PAGE_SIZE: Final = 100
MAX_GAPS: Final = 3
"""Unread stretches remembered per target; past this the oldest is given up (and reported)."""
STOP_IDS_KEPT: Final = 20
UNAVAILABLE_RETRY_S: Final = 6 * 3600.0
"""A video with comments disabled or gone is asked again this often (1 unit each time)."""
ROUND_COST_WEIGHT: Final = 0.25
"""How much the last round's cost moves the running average that paces the rounds."""
RESET_MARGIN_S: Final = 60.0
"""After the Pacific midnight, wait this much more before asking again (clock skew)."""
THREAD_PARTS: Final = "snippet,replies"
QUOTA_REASONS: Final = frozenset({"quotaExceeded", "dailyLimitExceeded", "dailyLimitExceededUnreg"})
RATE_REASONS: Final = frozenset(
    {"rateLimitExceeded", "userRateLimitExceeded", "RATE_LIMIT_EXCEEDED"}
)
KEY_REASONS: Final = frozenset(
    {
        "keyInvalid",
        "keyExpired",
        "ipRefererBlocked",
        "API_KEY_INVALID",
        "API_KEY_EXPIRED",
        "API_KEY_HTTP_REFERRER_BLOCKED",
        "API_KEY_IP_ADDRESS_BLOCKED",
        "API_KEY_SERVICE_BLOCKED",
    }
)
"""Reasons (``errors[].reason`` or ``details[].reason``) that mean the key itself is refused."""
GONE_REASONS: Final = frozenset(
    {"videoNotFound", "channelNotFound", "commentThreadNotFound", "commentNotFound"}
)
DISABLED_REASONS: Final = frozenset({"commentsDisabled"})
_ID: Final = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


class YouTubeSettings(msgspec.Struct, frozen=True, forbid_unknown_fields=True, kw_only=True):
    api_key: str
    """Secret reference (``env:NAME``/``file:/path``) to a YouTube Data API v3 key."""
    video_ids: tuple[str, ...] = ()
    """Videos whose comments are read (the ``v=`` part of a watch URL)."""
    channel_ids: tuple[str, ...] = ()
    """Channels (``UC...`` ids) whose videos' comments are all read, one call per poll."""
    search_terms: str = ""
    """Only comments containing these terms (YouTube's ``searchTerms``); empty: all."""
    poll_interval_s: float = 300.0
    """Seconds between two rounds over every video and channel; stretched when the quota
    would not last the day at this pace."""
    daily_quota_units: int = 10_000
    """The Google Cloud project's daily YouTube quota (10,000 unless Google raised it)."""
    quota_share: float = 0.9
    """The share of ``daily_quota_units`` this source may spend (the rest stays for
    ``signalroom sources test`` and other users of the key)."""
    max_pages_per_poll: int = 5
    """Pages of 100 threads read per video/channel and round; a busier stretch is read in
    the next rounds."""
    lookback_s: float = 86_400.0
    """On a first start, threads older than this are skipped."""
    max_seen_per_target: int = 20
    """Newest thread ids remembered per video/channel in the checkpoint (an unseen thread
    older than all of them counts as met before)."""
    fetch_all_replies: bool = True
    """Fetch every reply of a thread with more than YouTube includes (``comments.list``,
    1 unit per 100), when the quota has units to spare."""
    auth_retry_s: float = 300.0
    """After a refused key, try again this often (fixing the key heals the source)."""
    timeout_s: float = 20.0
    """Seconds a request may take (connecting: at most 10)."""
    base_url: str = "https://www.googleapis.com/youtube/v3"
    """The Data API's root (tests point it at a fake)."""


def build(name: str, settings: YouTubeSettings, deps: SourceDeps) -> Source:
    return YouTubeSource(name, settings, deps)


def validate(name: str, settings: YouTubeSettings) -> None:
    """Raise ConfigError naming the first bad setting."""
    key = f"sources.{name}"
    check_reference(f"{key}.api_key", settings.api_key)
    if not settings.video_ids and not settings.channel_ids:
        raise ConfigError(f"{key}.video_ids", "set video_ids or channel_ids (or both)")
    for field_name in ("video_ids", "channel_ids"):
        for index, value in enumerate(getattr(settings, field_name)):
            if not _ID.match(value):
                raise ConfigError(
                    f"{key}.{field_name}[{index}]",
                    f"not a YouTube id: {value[:80]!r} (give the id, e.g. the v= part of a "
                    "watch URL or a channel's UC... id, not a URL)",
                )
    for field_name in ("poll_interval_s", "auth_retry_s", "timeout_s"):
        value = getattr(settings, field_name)
        if not (math.isfinite(value) and value > 0):
            raise ConfigError(f"{key}.{field_name}", f"got {value!r}, expected seconds > 0")
    if not (math.isfinite(settings.lookback_s) and settings.lookback_s >= 0):
        raise ConfigError(f"{key}.lookback_s", "expected seconds >= 0")
    if settings.daily_quota_units < 1:
        raise ConfigError(f"{key}.daily_quota_units", "expected units >= 1")
    if not (math.isfinite(settings.quota_share) and 0 < settings.quota_share <= 1):
        raise ConfigError(f"{key}.quota_share", "expected a share in (0, 1]")
    if _budget(settings) < 1:
        raise ConfigError(f"{key}.quota_share", "leaves this source no unit at all")
    if not 1 <= settings.max_pages_per_poll <= 50:
        raise ConfigError(f"{key}.max_pages_per_poll", "expected 1..50")
    if not 1 <= settings.max_seen_per_target <= 1000:
        raise ConfigError(f"{key}.max_seen_per_target", "expected 1..1000")
    if not settings.base_url.startswith(("https://", "http://")):
        raise ConfigError(f"{key}.base_url", "expected an http(s) URL")


def _budget(settings: YouTubeSettings) -> int:
    return math.floor(settings.daily_quota_units * settings.quota_share)


class QuotaExhaustedError(SourceError):
    """Google says the key's daily quota is spent (until midnight Pacific)."""


class TargetUnavailableError(SourceError):
    """One video or channel cannot be read (comments disabled, gone, private); the others can."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class BadRequestError(SourceError):
    """Google refused the request itself (HTTP 400), e.g. a page token it no longer knows."""


class _GoogleReason(msgspec.Struct, frozen=True):
    reason: str = ""
    message: str = ""


class _GoogleErrorBody(msgspec.Struct, frozen=True):
    code: int = 0
    message: str = ""
    status: str = ""
    errors: list[_GoogleReason] = msgspec.field(default_factory=list)
    details: list[_GoogleReason] = msgspec.field(default_factory=list)


class _GoogleError(msgspec.Struct, frozen=True):
    error: _GoogleErrorBody


class _Page(msgspec.Struct, frozen=True, rename="camel"):
    items: list[msgspec.Raw] = msgspec.field(default_factory=list)
    next_page_token: str | None = None


class _CommentSnippetKey(msgspec.Struct, frozen=True, rename="camel"):
    published_at: str = ""


class _CommentKey(msgspec.Struct, frozen=True):
    id: str = ""
    snippet: _CommentSnippetKey = msgspec.field(default_factory=_CommentSnippetKey)


class _ThreadSnippetKey(msgspec.Struct, frozen=True, rename="camel"):
    video_id: str | None = None
    total_reply_count: int = 0
    top_level_comment: msgspec.Raw = msgspec.field(default_factory=msgspec.Raw)
    """Empty when absent (msgspec cannot decode ``Raw | None``)."""


class _RepliesKey(msgspec.Struct, frozen=True):
    comments: list[msgspec.Raw] = msgspec.field(default_factory=list)


class _ThreadKey(msgspec.Struct, frozen=True):
    id: str = ""
    snippet: _ThreadSnippetKey = msgspec.field(default_factory=_ThreadSnippetKey)
    replies: _RepliesKey | None = None


class _Wrapped(msgspec.Struct, frozen=True, rename="camel", omit_defaults=True):
    """What one yielded item is: a comment with the video it belongs to."""

    video_id: str | None
    total_reply_count: int | None
    comment: msgspec.Raw | None
    thread: msgspec.Raw | None = None
    """A thread that has no readable ``topLevelComment``, kept for the reject."""


class _GapIn(msgspec.Struct, frozen=True):
    p: str
    s: list[str] = msgspec.field(default_factory=list)
    f: float = 0.0


class _TargetIn(msgspec.Struct, frozen=True):
    s: list[tuple[str, float]] = msgspec.field(default_factory=list)
    g: list[_GapIn] = msgspec.field(default_factory=list)


class _CheckpointIn(msgspec.Struct, frozen=True):
    v: int
    d: str = ""
    u: int = 0
    t: dict[str, _TargetIn] = msgspec.field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Target:
    """A video or a channel, as the API filters by it."""

    key: str
    param: str
    value: str

    @property
    def label(self) -> str:
        return self.key.replace(":", " ", 1)


@dataclass(slots=True)
class _Gap:
    token: str
    stops: tuple[str, ...]
    floor: float


@dataclass(slots=True)
class _State:
    seen: list[tuple[str, float]] = field(default_factory=list)
    """The newest threads met, (id, publishedAt), in the order they were yielded."""
    gaps: list[_Gap] = field(default_factory=list)
    """Newest stretch first."""


@dataclass(frozen=True, slots=True)
class _Thread:
    """One comment thread as read: its comment (None when the item is malformed; ``raw`` is
    kept for the reject) and the replies known so far, by id."""

    id: str
    published: float | None
    video_id: str | None
    reply_count: int
    comment: bytes | None
    raw: bytes
    replies: dict[str, tuple[float, bytes]]

    def payloads(self) -> list[bytes]:
        """What is yielded for it: the comment, then its replies oldest first."""
        if self.comment is None:
            return [_encode_wrapped(_Wrapped(self.video_id, None, None, msgspec.Raw(self.raw)))]
        ranked = sorted(self.replies.items(), key=lambda pair: (pair[1][0], pair[0]))
        return [
            _wrap(self.video_id, self.reply_count, self.comment),
            *(_wrap(self.video_id, None, raw) for _, (_, raw) in ranked),
        ]


@dataclass(slots=True)
class _Read:
    """Threads found reading from ``start`` (None: from the newest), oldest first, and
    ``resume``, the page token to go on from when the stretch was not read to its end."""

    start: _Gap | None
    threads: list[_Thread]
    resume: str | None
    stops: tuple[str, ...]
    floor: float


class YouTubeSource:
    """The ``youtube`` source: see the module docstring."""

    def __init__(
        self,
        name: str,
        settings: YouTubeSettings,
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
        self._targets = tuple(
            [Target(f"video:{v}", "videoId", v) for v in dict.fromkeys(settings.video_ids)]
            + [
                Target(f"channel:{c}", "allThreadsRelatedToChannelId", c)
                for c in dict.fromkeys(settings.channel_ids)
            ]
        )
        self.ledger = QuotaLedger.starting(_budget(settings), deps.clock.now())
        self.unavailable: dict[str, tuple[str, float]] = {}
        """Target key → (why it is skipped, when to ask again)."""
        self._fresh_floor: dict[str, float] = {}
        self._round_units = float(len(self._targets))
        """What a round costs, on average (a first start or a burst costs more for a while)."""

    @property
    def name(self) -> str:
        return self._name

    @property
    def kind(self) -> str:
        return KIND

    @property
    def targets(self) -> tuple[Target, ...]:
        return self._targets

    def _client(self) -> httpx.AsyncClient:
        return make_client(self._settings.timeout_s)

    def _key(self) -> str:
        try:
            return self._deps.secrets.resolve(self._settings.api_key)
        except AuthError as err:
            raise AuthError(f"YouTube API key missing: {err}") from err

    async def check(self) -> SourceCheck:
        target = self._targets[0]
        now = self._deps.clock.now()
        try:
            key = self._key()
        except AuthError as err:
            return SourceCheck(False, str(err))
        if not self.ledger.can_afford(now):
            return SourceCheck(False, f"this source's quota budget is spent: {self._reset(now)}")
        async with self._client() as client:
            try:
                body = await self._get(
                    client, key, "commentThreads", self._thread_params(target, None, 1)
                )
            except QuotaExhaustedError as err:
                return SourceCheck(False, f"quota exhausted for today ({err}): {self._reset(now)}")
            except TargetUnavailableError as err:
                return SourceCheck(False, f"{target.label}: {err.reason}")
            except RateLimitedError as err:
                return SourceCheck(False, f"rate limited by YouTube: {err.detail}")
            except SourceError as err:
                return SourceCheck(False, str(err))
        found = len(_decode_page(body).items)
        return SourceCheck(
            True,
            f"ok: API key accepted; {target.label} readable "
            f"({'has comments' if found else 'no comments yet'})\n{self.quota_note()}",
        )

    def quota_note(self) -> str:
        """What the settings cost a day, in words for ``sources test`` and the docs."""
        s = self._settings
        rounds = math.ceil(86_400 / s.poll_interval_s)
        need = rounds * len(self._targets)
        budget = self.ledger.budget
        line = (
            f"quota: {len(self._targets)} videos/channels every {s.poll_interval_s:g} s need at "
            f"least {need} units a day; this source may use {budget} "
            f"({s.quota_share:.0%} of {s.daily_quota_units})"
        )
        if need > budget:
            stretched = math.ceil(86_400 * len(self._targets) / budget)
            line += f"; polls will be about {stretched} s apart"
        return line

    async def stream(self, since: str | None) -> AsyncIterator[RawItem]:
        states, day, used = _decode_checkpoint(since)
        clock, health, s = self._deps.clock, self._deps.health, self._settings
        ledger = self.ledger
        ledger.restore(day, used, clock.now())
        backoff = Backoff(first_s=30.0, cap_s=1800.0, rng=self._rng)
        retry = PollRetry(
            health, clock, self._sleep, backoff, self._rng, auth_retry_s=s.auth_retry_s
        )
        async with self._client() as client:
            while True:
                round_day, round_used = ledger.day, ledger.used
                spent: str | None = None
                failed = False
                try:
                    key = self._key()
                except AuthError as err:
                    await retry.wait_after(err)
                    continue
                for target in self._targets:
                    if self._resting(target, clock.now()):
                        continue
                    if not ledger.can_afford(clock.now()):
                        spent = f"this source's budget of {ledger.budget} quota units is spent"
                        break
                    state = states.setdefault(target.key, _State())
                    try:
                        reads = await self._fetch(client, key, target, state)
                    except TargetUnavailableError as err:
                        self.unavailable[target.key] = (
                            err.reason,
                            clock.now() + UNAVAILABLE_RETRY_S,
                        )
                        continue
                    except QuotaExhaustedError as err:
                        ledger.exhaust(clock.now())
                        spent = f"YouTube says the key's daily quota is spent ({err})"
                        break
                    except SourceError as err:
                        await retry.wait_after(err)
                        failed = True
                        break
                    self.unavailable.pop(target.key, None)
                    retry.succeeded(self._status())
                    checkpoint = ""
                    for payload, moved in self._emit(target, state, reads):
                        if moved or not checkpoint:
                            checkpoint = _encode_checkpoint(ledger, states, self._targets)
                        health.item()
                        yield RawItem(
                            source=KIND,
                            payload=payload,
                            received_at=clock.now(),
                            checkpoint=checkpoint,
                        )
                if failed:
                    continue
                now = clock.now()
                if ledger.day == round_day:
                    cost = max(len(self._targets), ledger.used - round_used)
                    self._round_units += ROUND_COST_WEIGHT * (cost - self._round_units)
                per_round = math.ceil(self._round_units)
                left = ledger.remaining(now)
                if spent is None and left < per_round:
                    spent = (
                        f"this source's budget of {ledger.budget} quota units is spent "
                        f"({left} left, a round takes about {per_round})"
                    )
                if spent is not None:
                    until = ledger.resets_at(now)
                    health.rate_limited(until, f"{spent}; polling resumes after midnight Pacific")
                    await self._sleep(until - now + RESET_MARGIN_S)
                    continue
                if all(t.key in self.unavailable for t in self._targets):
                    health.failing(f"nothing readable: {self._skipped()}")
                else:
                    retry.succeeded(self._status())
                await retry.pause(
                    ledger.wait_s(now, poll_s=s.poll_interval_s, units_per_round=per_round)
                )

    def _quiet_round(self) -> int:
        """Units of a round with nothing new: one per video/channel being read."""
        return max(1, sum(1 for t in self._targets if t.key not in self.unavailable))

    def _resting(self, target: Target, now: float) -> bool:
        resting = self.unavailable.get(target.key)
        return resting is not None and now < resting[1]

    def _status(self) -> str:
        line = (
            f"{len(self._targets)} videos/channels; {self.ledger.used} of "
            f"{self.ledger.budget} quota units used today"
        )
        return f"{line}; skipped: {self._skipped()}" if self.unavailable else line

    def _skipped(self) -> str:
        return "; ".join(
            f"{key.replace(':', ' ', 1)} ({why})" for key, (why, _) in self.unavailable.items()
        )

    def _reset(self, now: float) -> str:
        left = max(0.0, self.ledger.resets_at(now) - now)
        return (
            f"quota resets at midnight Pacific, in {int(left // 3600)} h "
            f"{int(left % 3600 // 60)} min"
        )

    async def _fetch(
        self, client: httpx.AsyncClient, key: str, target: Target, state: _State
    ) -> list[_Read]:
        """Every stretch to read for ``target`` this round: its gaps, oldest first, then the
        newest threads; each thread with all its replies when units are spare."""
        now = self._deps.clock.now()
        seen = frozenset(ident for ident, _ in state.seen)
        reads: list[_Read] = []
        for gap in reversed(state.gaps):
            try:
                read = await self._read(client, key, target, gap, gap.stops, seen, gap.floor)
            except BadRequestError as err:
                self._deps.health.failing(
                    f"{target.label}: a stretch of older comments cannot be read on and is "
                    f"given up ({err})"
                )
                read = _Read(gap, [], None, gap.stops, gap.floor)
            if read is not None:
                reads.append(read)
        if state.seen:
            # An unseen thread older than every one remembered was met before and has
            # since been forgotten (only the newest are kept), not a new one.
            floor = min(stamp for _, stamp in state.seen)
        else:
            floor = self._fresh_floor.setdefault(target.key, now - self._settings.lookback_s)
        stops = tuple(ident for ident, _ in state.seen)
        top = await self._read(client, key, target, None, stops, seen, floor)
        if top is not None:
            reads.append(top)
        for read in reads:
            for thread in read.threads:
                await self._add_replies(client, key, thread)
        return reads

    async def _read(
        self,
        client: httpx.AsyncClient,
        key: str,
        target: Target,
        start: _Gap | None,
        stops: tuple[str, ...],
        seen: frozenset[str],
        floor: float,
    ) -> _Read | None:
        """Pages from ``start`` until a page holds a stop id or a thread older than
        ``floor``, the end, the page limit or the budget. None when the budget did not
        allow even one page."""
        stop_set = frozenset(stops)
        token = start.token if start else None
        threads: dict[str, _Thread] = {}
        pages = 0
        while pages < self._settings.max_pages_per_poll:
            if not self.ledger.can_afford(self._deps.clock.now()):
                break
            params = self._thread_params(target, token)
            page = _decode_page(await self._get(client, key, "commentThreads", params))
            pages += 1
            reached = False
            for raw in page.items:
                thread = _thread(bytes(raw), target)
                older = thread.published is not None and thread.published < floor
                if thread.id in stop_set or older:
                    reached = True
                elif thread.id not in seen:
                    threads.setdefault(thread.id, thread)
            token = page.next_page_token
            if reached or not token:
                token = None
                break
        if pages == 0:
            return None
        # Oldest first; YouTube lists newest first, which breaks ties and places the
        # threads whose date cannot be read.
        ranked = sorted(
            enumerate(reversed(threads.values())),
            key=lambda pair: (pair[1].published or 0.0, pair[0]),
        )
        return _Read(start, [t for _, t in ranked], token, stops, floor)

    async def _add_replies(self, client: httpx.AsyncClient, key: str, thread: _Thread) -> None:
        """Every reply of ``thread``, when YouTube gave only some and units are spare."""
        s = self._settings
        if not s.fetch_all_replies or thread.comment is None:
            return
        if thread.reply_count <= len(thread.replies):
            return
        token: str | None = None
        for _ in range(s.max_pages_per_poll):
            spare = self.ledger.spare(
                self._deps.clock.now(),
                poll_s=s.poll_interval_s,
                units_per_round=self._quiet_round(),
            )
            if spare < 1:
                return
            params = {
                "part": "snippet",
                "parentId": thread.id,
                "maxResults": str(PAGE_SIZE),
                "textFormat": "plainText",
            }
            if token:
                params["pageToken"] = token
            try:
                page = _decode_page(await self._get(client, key, "comments", params))
            except TargetUnavailableError:
                return  # the thread went away meanwhile: keep what it carried
            for raw in page.items:
                _add_reply(thread.replies, bytes(raw))
            token = page.next_page_token
            if not token:
                return

    def _emit(
        self, target: Target, state: _State, reads: list[_Read]
    ) -> Iterator[tuple[bytes, bool]]:
        """The reads' payloads in order, each with whether ``state`` moved on just before
        it (so its checkpoint carries the move): a thread is seen with its last item, a
        stretch is closed (or moved on) with its last item, and a stretch left unread behind
        the newest threads is recorded before any of them, so that none can hide it."""
        keep = self._settings.max_seen_per_target
        moved = False
        for read in reads:
            if read.start is None and read.resume is not None:
                moved = True
                self._open_gap(
                    target, state, _Gap(read.resume, read.stops[-STOP_IDS_KEPT:], read.floor)
                )
            for index, thread in enumerate(read.threads):
                payloads = thread.payloads()
                for position, payload in enumerate(payloads):
                    if position == len(payloads) - 1:
                        moved = True
                        if read.start is None:
                            stamp = thread.published
                            if stamp is None:
                                stamp = state.seen[-1][1] if state.seen else read.floor
                            state.seen.append((thread.id, stamp))
                            del state.seen[:-keep]
                        elif index == len(read.threads) - 1:
                            _move_gap(state, read.start, read.resume)
                    yield payload, moved
                    moved = False
            if read.start is not None and not read.threads:
                _move_gap(state, read.start, read.resume)
                moved = True

    def _open_gap(self, target: Target, state: _State, gap: _Gap) -> None:
        state.gaps.insert(0, gap)
        if len(state.gaps) > MAX_GAPS:
            state.gaps.pop()
            self._deps.health.failing(
                f"{target.label}: more new comments than max_pages_per_poll pages a round "
                f"for {MAX_GAPS} rounds; the oldest unread stretch is given up"
            )

    def _thread_params(
        self, target: Target, token: str | None, size: int = PAGE_SIZE
    ) -> dict[str, str]:
        params = {
            "part": THREAD_PARTS,
            target.param: target.value,
            "order": "time",
            "maxResults": str(size),
            "textFormat": "plainText",
        }
        if self._settings.search_terms:
            params["searchTerms"] = self._settings.search_terms
        if token:
            params["pageToken"] = token
        return params

    async def _get(
        self, client: httpx.AsyncClient, key: str, resource: str, params: Mapping[str, str]
    ) -> bytes:
        """One API call: 1 unit, counted even when it fails, unless it never left here."""
        url = f"{self._settings.base_url.rstrip('/')}/{resource}"
        try:
            response = await client.get(url, params={**params, "key": key})
        except httpx.ConnectError as err:
            raise SourceError(describe_error(err, url)) from err
        except httpx.HTTPError as err:
            self.ledger.spend(self._deps.clock.now())
            raise SourceError(describe_error(err, url)) from err
        self.ledger.spend(self._deps.clock.now())
        if response.status_code == 200:
            return response.content
        raise _google_error(response, self._deps.clock.now())


def _move_gap(state: _State, gap: _Gap, resume: str | None) -> None:
    """A stretch was read: to its end (dropped), or up to ``resume`` (read on from there)."""
    if resume is not None:
        gap.token = resume
        return
    for index, known in enumerate(state.gaps):
        if known is gap:
            del state.gaps[index]
            return


def _google_error(response: httpx.Response, now: float) -> SourceError:
    """Google's ``{"error": {"code", "message", "errors": [{"reason"}]}}`` as our error."""
    try:
        body = msgspec.json.decode(response.content, type=_GoogleError).error
    except msgspec.MsgspecError:
        body = _GoogleErrorBody(code=response.status_code)
    status = response.status_code
    reasons = {e.reason for e in (*body.errors, *body.details) if e.reason}
    said = " ".join(body.message.split())[:300]
    if not said:  # not Google's JSON (a proxy's page): its reason phrase and start
        said = status_line(response).removeprefix(f"HTTP {status}").strip()
    named = f"{', '.join(sorted(reasons))}: {said}" if reasons else said
    if reasons & QUOTA_REASONS:
        return QuotaExhaustedError(named)
    if reasons & RATE_REASONS or status == 429:
        return RateLimitedError(f"HTTP {status} {named}", retry_after_s(response.headers, now))
    if reasons & KEY_REASONS or "API key not valid" in said or status == 401:
        return AuthError(f"YouTube refused the API key (HTTP {status} {named})")
    if reasons & {"accessNotConfigured", "SERVICE_DISABLED"}:
        return AuthError(
            "the key's Google Cloud project has not enabled the YouTube Data API v3 "
            f"(HTTP {status} {named})"
        )
    if reasons & DISABLED_REASONS:
        return TargetUnavailableError("comments are disabled")
    if reasons & GONE_REASONS or status == 404:
        return TargetUnavailableError(f"not found (HTTP {status} {named})")
    if status == 403 and "forbidden" in reasons:
        return TargetUnavailableError(f"not readable with an API key: private? ({named})")
    if status == 400:
        return BadRequestError(f"HTTP 400 {named}")
    return SourceError(f"HTTP {status} {named}")


def _decode_page(body: bytes) -> _Page:
    try:
        return msgspec.json.decode(body, type=_Page)
    except msgspec.MsgspecError as err:
        raise SourceError(
            f"YouTube answered something that is not a list of comments: {err}"
        ) from err


def _comment_key(raw: bytes) -> _CommentKey:
    try:
        return msgspec.json.decode(raw, type=_CommentKey)
    except msgspec.MsgspecError:
        return _CommentKey()


def _instant(text: str) -> float | None:
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.timestamp()


def _encode_wrapped(wrapped: _Wrapped) -> bytes:
    return msgspec.json.encode(wrapped)


def _wrap(video_id: str | None, replies: int | None, comment: bytes) -> bytes:
    return _encode_wrapped(_Wrapped(video_id, replies, msgspec.Raw(comment)))


def _add_reply(replies: dict[str, tuple[float, bytes]], raw: bytes) -> None:
    key = _comment_key(raw)
    ident = key.id or "malformed:" + _digest(raw)
    replies.setdefault(ident, (_instant(key.snippet.published_at) or 0.0, raw))


def _thread(raw: bytes, target: Target) -> _Thread:
    """One thread item as read; a malformed one is still yielded (the normalizer turns it
    into a reject with its reason) under an id made from its bytes."""
    own_video = target.value if target.param == "videoId" else None
    try:
        key = msgspec.json.decode(raw, type=_ThreadKey)
    except msgspec.MsgspecError:
        key = _ThreadKey()
    top = bytes(key.snippet.top_level_comment)
    ident = key.id or "malformed:" + _digest(raw)
    if not key.id or not top.startswith(b"{"):
        return _Thread(ident, None, own_video, 0, None, raw, {})
    published = _instant(_comment_key(top).snippet.published_at)
    replies: dict[str, tuple[float, bytes]] = {}
    for reply in key.replies.comments if key.replies else []:
        _add_reply(replies, bytes(reply))
    return _Thread(
        ident,
        published,
        key.snippet.video_id or own_video,
        max(0, key.snippet.total_reply_count),
        top,
        raw,
        replies,
    )


def _digest(raw: bytes) -> str:
    return hashlib.sha256(raw).hexdigest()[:24]


def _encode_checkpoint(
    ledger: QuotaLedger, states: Mapping[str, _State], targets: tuple[Target, ...]
) -> str:
    live = {t.key for t in targets}
    body = {
        "v": CHECKPOINT_VERSION,
        "d": ledger.day,
        "u": ledger.used,
        "t": {
            key: {
                "s": st.seen,
                "g": [{"p": g.token, "s": list(g.stops), "f": g.floor} for g in st.gaps],
            }
            for key, st in states.items()
            if key in live
        },
    }
    return msgspec.json.encode(body).decode()


def _decode_checkpoint(since: str | None) -> tuple[dict[str, _State], str, int]:
    """Per target its state, and the quota day and units used; an unreadable checkpoint
    starts fresh from the look-back (the pipeline dedupes what is sent again)."""
    decoded = read_checkpoint(since, _CheckpointIn, CHECKPOINT_VERSION)
    if decoded is None:
        return {}, "", 0
    states = {
        key: _State(list(target.s), [_Gap(g.p, tuple(g.s), g.f) for g in target.g])
        for key, target in decoded.t.items()
    }
    return states, decoded.d, max(0, decoded.u)
