"""Posts on X (kind ``x``) from the API v2 filtered stream, with the stream's rules kept in
step with the topics.

Rules: each topic's query is translated into X's rule syntax (``sources.search_terms``) and
kept as one rule tagged ``<rule_tag_prefix>:topic:<id>``; a changed or deleted topic has its
rule replaced or deleted, rules with other tags are left alone, and what could not be
translated is reported (check(), ``rule_notes``). Rules are synced before each connection
and every ``rules_sync_s`` while streaming (X applies them without a reconnect).

Stream: one long-lived HTTPS response of newline-delimited JSON with a blank keep-alive line
every 20 s; silence longer than ``stall_timeout_s`` means a dead connection. Reconnection
follows X's rules: network errors back off linearly (+250 ms, up to 16 s), HTTP errors
exponentially (5 s doubling, up to 320 s), 429 exponentially from 1 minute; refused
credentials are retried every ``auth_retry_s``. Each post line is yielded as received.

X has no resume on pay-per-use: what matches while disconnected is lost. Each delivered post
is billed, so a daily cap stops reading for the rest of the UTC day; the checkpoint carries
the day's count (``{"v":1,"d":"YYYY-MM-DD","n":N}``) so a restart does not reset it.

Must not open a second stream connection, touch rules it did not tag, log the token, or
sleep except through the injected sleep.
"""

from __future__ import annotations

import math
import random
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
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
from signalroom.sources.search_terms import boolean_search

KIND: Final = "x"
CHECKPOINT_VERSION: Final = 1
MAX_RULE_CHARS: Final = 1024
MAX_LINE_BYTES: Final = 2_000_000
STREAM_PARAMS: Final = {
    "tweet.fields": "created_at,author_id,lang,public_metrics,conversation_id,entities,"
    "referenced_tweets",
    "expansions": "author_id",
    "user.fields": "username,name,public_metrics,verified",
}


class XSettings(msgspec.Struct, frozen=True, forbid_unknown_fields=True, kw_only=True):
    bearer_token: str
    """Secret reference (``env:NAME``/``file:/path``) to the app's bearer token."""
    daily_post_cap: int = 10_000
    """Stop reading for the rest of the UTC day after this many posts (each one is billed,
    $0.005 on pay-per-use: 10,000 a day is about $50); 0 for no cap."""
    rule_tag_prefix: str = "signalroom"
    """Rules tagged ``<prefix>:topic:<id>`` are ours to add and delete; others are left alone."""
    rules_sync_s: float = 60.0
    """How often the rules are compared with the topics while streaming."""
    stall_timeout_s: float = 30.0
    """Reconnect after this long without data or keep-alive (X sends one every 20 s)."""
    auth_retry_s: float = 300.0
    """After refused credentials, try again this often."""
    timeout_s: float = 20.0
    """Connect and rules-API timeout."""
    api_url: str = "https://api.x.com"


def build(name: str, settings: XSettings, deps: SourceDeps) -> Source:
    return XSource(name, settings, deps)


def validate(name: str, settings: XSettings) -> None:
    """Raise ConfigError naming the first bad setting."""
    key = f"sources.{name}"
    check_reference(f"{key}.bearer_token", settings.bearer_token)
    for field_name in ("rules_sync_s", "stall_timeout_s", "auth_retry_s", "timeout_s"):
        value = getattr(settings, field_name)
        if not (math.isfinite(value) and value > 0):
            raise ConfigError(f"{key}.{field_name}", f"got {value!r}, expected seconds > 0")
    if settings.daily_post_cap < 0:
        raise ConfigError(f"{key}.daily_post_cap", "expected 0 (no cap) or more")
    prefix = settings.rule_tag_prefix
    if not prefix or ":" in prefix or len(prefix) > 40:
        raise ConfigError(f"{key}.rule_tag_prefix", "expected a short name without ':'")


class _Rule(msgspec.Struct, frozen=True):
    id: str
    value: str
    tag: str = ""


class _Rules(msgspec.Struct, frozen=True):
    data: list[_Rule] = msgspec.field(default_factory=list)


class _RuleError(msgspec.Struct, frozen=True):
    value: str = ""
    title: str = ""
    details: list[str] = msgspec.field(default_factory=list)


class _AddAnswer(msgspec.Struct, frozen=True):
    errors: list[_RuleError] = msgspec.field(default_factory=list)


class _Line(msgspec.Struct, frozen=True):
    data: msgspec.Raw | None = None
    errors: list[dict[str, object]] | None = None


class _Budget(msgspec.Struct, frozen=True):
    v: int
    d: str
    n: int


@dataclass(frozen=True, slots=True)
class RuleSync:
    """What one sync did: rules added and deleted, and per topic what could not be said."""

    added: int
    deleted: int
    notes: dict[str, tuple[str, ...]]


class XBackoff:
    """X's reconnection schedule (``handling-disconnections``): linear for network errors,
    exponential for HTTP errors, exponential from a minute for 429; jitter on top."""

    def __init__(self, rng: random.Random) -> None:
        self._network = 0
        self._http = Backoff(first_s=5.0, cap_s=320.0, jitter=0.1, rng=rng)
        self._limited = Backoff(first_s=60.0, cap_s=3600.0, jitter=0.1, rng=rng)
        self._rng = rng

    def network_s(self) -> float:
        self._network += 1
        return min(16.0, 0.25 * self._network) * (1.0 + 0.1 * self._rng.random())

    def http_s(self) -> float:
        return self._http.next_s()

    def rate_limited_s(self) -> float:
        return self._limited.next_s()

    def reset(self) -> None:
        self._network = 0
        self._http.reset()
        self._limited.reset()


class XSource:
    """The ``x`` source: see the module docstring."""

    def __init__(
        self,
        name: str,
        settings: XSettings,
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
        self.rule_notes: dict[str, tuple[str, ...]] = {}

    @property
    def name(self) -> str:
        return self._name

    @property
    def kind(self) -> str:
        return KIND

    def _client(self) -> httpx.AsyncClient:
        return make_client(self._settings.timeout_s)

    def _headers(self) -> dict[str, str]:
        try:
            token = self._deps.secrets.resolve(self._settings.bearer_token)
        except AuthError as err:
            raise AuthError(f"X bearer token missing: {err}") from err
        return {"Authorization": f"Bearer {token}"}

    def desired_rules(self) -> tuple[dict[str, str], dict[str, tuple[str, ...]]]:
        """Tag → rule value for every topic that translates, and notes per topic name."""
        rules: dict[str, str] = {}
        notes: dict[str, tuple[str, ...]] = {}
        for topic in sorted(self._deps.topics(), key=lambda t: t.id):
            translated = boolean_search(topic.query, "x")
            topic_notes = list(translated.notes)
            if translated.text is not None and len(translated.text) > MAX_RULE_CHARS:
                topic_notes.append(f"rule longer than {MAX_RULE_CHARS} characters: not added")
            elif translated.text is not None:
                rules[f"{self._settings.rule_tag_prefix}:topic:{topic.id}"] = translated.text
            if topic_notes:
                notes[topic.name] = tuple(topic_notes)
        return rules, notes

    async def sync_rules(self, client: httpx.AsyncClient) -> RuleSync:
        """Make X's rules match the topics: delete ours that changed or went, add the rest."""
        url = f"{self._settings.api_url.rstrip('/')}/2/tweets/search/stream/rules"
        headers = self._headers()
        current = msgspec.json.decode(
            await self._call(client, "GET", url, headers), type=_Rules
        ).data
        desired, notes = self.desired_rules()
        mine = f"{self._settings.rule_tag_prefix}:"
        stale = [r.id for r in current if r.tag.startswith(mine) and desired.get(r.tag) != r.value]
        kept = {r.tag for r in current if r.tag.startswith(mine) and desired.get(r.tag) == r.value}
        if stale:
            await self._call(client, "POST", url, headers, {"delete": {"ids": stale}})
        adds = [{"value": v, "tag": t} for t, v in desired.items() if t not in kept]
        if adds:
            answer = msgspec.json.decode(
                await self._call(client, "POST", url, headers, {"add": adds}), type=_AddAnswer
            )
            by_value = {add["value"]: add["tag"] for add in adds}
            names = {f"{mine}topic:{t.id}": t.name for t in self._deps.topics()}
            for error in answer.errors:
                name = names.get(by_value.get(error.value, ""), error.value)
                detail = "; ".join(error.details) or error.title or "refused"
                notes[name] = (*notes.get(name, ()), f"X refused the rule: {detail}")
        self.rule_notes = notes
        return RuleSync(added=len(adds), deleted=len(stale), notes=notes)

    async def _call(
        self,
        client: httpx.AsyncClient,
        method: str,
        url: str,
        headers: dict[str, str],
        body: object | None = None,
    ) -> bytes:
        try:
            if body is None:
                response = await client.request(method, url, headers=headers)
            else:
                response = await client.request(
                    method, url, headers=headers, content=msgspec.json.encode(body)
                )
        except httpx.HTTPError as err:
            raise SourceError(describe_error(err, url)) from err
        _raise_for_status(response, self._deps.clock.now())
        return response.content

    async def check(self) -> SourceCheck:
        try:
            async with self._client() as client:
                result = await self.sync_rules(client)
        except AuthError as err:
            return SourceCheck(False, str(err))
        except RateLimitedError as err:
            return SourceCheck(False, f"rate limited by X: {err.detail}")
        except SourceError as err:
            return SourceCheck(False, str(err))
        lines = [
            f"ok: bearer token accepted; rules in step with topics "
            f"({result.added} added, {result.deleted} deleted)"
        ]
        lines += [f"note: topic {t!r}: {'; '.join(n)}" for t, n in result.notes.items()]
        return SourceCheck(True, "\n".join(lines))

    async def _resync_quietly(self, client: httpx.AsyncClient) -> None:
        """A rules sync while streaming: a failure keeps the stream and retries next time."""
        try:
            await self.sync_rules(client)
        except SourceError as err:
            self.rule_notes = {**self.rule_notes, "(sync)": (f"rules not synced: {err}",)}

    async def stream(self, since: str | None) -> AsyncIterator[RawItem]:
        clock, health, s = self._deps.clock, self._deps.health, self._settings
        day, count = _decode_budget(since, clock.now())
        backoff = XBackoff(self._rng)
        url = f"{s.api_url.rstrip('/')}/2/tweets/search/stream"
        timeout = httpx.Timeout(s.timeout_s, read=s.stall_timeout_s)
        async with self._client() as client:
            while True:
                today = _day(clock.now())
                if today != day:
                    day, count = today, 0
                if s.daily_post_cap and count >= s.daily_post_cap:
                    midnight = _next_midnight(clock.now())
                    health.rate_limited(
                        midnight, f"daily post cap of {s.daily_post_cap} reached (each is billed)"
                    )
                    await self._sleep(midnight - clock.now())
                    continue
                try:
                    await self.sync_rules(client)
                    synced_at = clock.now()
                    async with client.stream(
                        "GET", url, params=STREAM_PARAMS, headers=self._headers(), timeout=timeout
                    ) as response:
                        if response.status_code != 200:
                            await response.aread()
                            _raise_for_status(response, clock.now())
                        health.connected("streaming")
                        backoff.reset()
                        async for line in _lines(response):
                            if not line.strip():
                                continue  # keep-alive
                            if clock.now() - synced_at >= s.rules_sync_s:
                                synced_at = clock.now()
                                await self._resync_quietly(client)
                            if _is_disconnect(line):
                                raise SourceError(f"X ended the stream: {line[:300]!r}")
                            count += 1
                            health.item()
                            yield RawItem(
                                source=KIND,
                                payload=line,
                                received_at=clock.now(),
                                checkpoint=_encode_budget(day, count),
                            )
                            if s.daily_post_cap and count >= s.daily_post_cap:
                                break
                        else:
                            raise SourceError("X closed the stream")
                except AuthError as err:
                    health.auth_failed(str(err))
                    await self._sleep(s.auth_retry_s)
                except RateLimitedError as err:
                    wait = max(backoff.rate_limited_s(), err.retry_s or 0.0)
                    health.rate_limited(clock.now() + wait, err.detail)
                    await self._sleep(wait)
                except _HttpStatusError as err:
                    health.failing(str(err))
                    await self._sleep(backoff.http_s())
                except httpx.HTTPError as err:
                    health.failing(describe_error(err, url))
                    await self._sleep(backoff.network_s())
                except SourceError as err:
                    health.failing(str(err))
                    await self._sleep(backoff.network_s())


class _HttpStatusError(SourceError):
    """X answered with an HTTP error status (backed off exponentially)."""


def _raise_for_status(response: httpx.Response, now: float) -> None:
    status = response.status_code
    if status in (200, 201):
        return
    if status in (401, 403):
        raise AuthError(f"X refused the bearer token (HTTP {status}): {status_line(response)}")
    if status == 429:
        reset = response.headers.get("x-rate-limit-reset", "")
        retry = retry_after_s(response.headers, now)
        if retry is None and reset.isdigit():
            retry = max(0.0, float(reset) - now)
        raise RateLimitedError(status_line(response), retry)
    raise _HttpStatusError(status_line(response))


async def _lines(response: httpx.Response) -> AsyncIterator[bytes]:
    """The body's lines (without line ends; blank ones are keep-alives). An overlong line is
    yielded cut short, for the normalizer to reject."""
    buffer = b""
    async for chunk in response.aiter_raw():
        buffer += chunk
        while True:
            end = buffer.find(b"\n")
            if end < 0:
                break
            yield buffer[:end].rstrip(b"\r")
            buffer = buffer[end + 1 :]
        if len(buffer) > MAX_LINE_BYTES:
            yield buffer[: MAX_LINE_BYTES + 1]
            buffer = b""
    if buffer.strip():
        yield buffer


def _is_disconnect(line: bytes) -> bool:
    """A line with ``errors`` and no ``data`` is X saying why it ends the stream."""
    try:
        decoded = msgspec.json.decode(line, type=_Line)
    except msgspec.MsgspecError:
        return False
    return decoded.data is None and bool(decoded.errors)


def _day(instant: float) -> str:
    return datetime.fromtimestamp(instant, tz=UTC).strftime("%Y-%m-%d")


def _next_midnight(instant: float) -> float:
    moment = datetime.fromtimestamp(instant, tz=UTC)
    midnight = datetime(moment.year, moment.month, moment.day, tzinfo=UTC) + timedelta(days=1)
    return midnight.timestamp()


def _encode_budget(day: str, count: int) -> str:
    return msgspec.json.encode({"v": CHECKPOINT_VERSION, "d": day, "n": count}).decode()


def _decode_budget(since: str | None, now: float) -> tuple[str, int]:
    """Today's delivered count from the checkpoint (0 for another day or none)."""
    today = _day(now)
    budget = read_checkpoint(since, _Budget, CHECKPOINT_VERSION)
    if budget is None or budget.d != today:
        return today, 0
    return today, max(0, budget.n)
