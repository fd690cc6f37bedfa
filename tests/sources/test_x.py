"""The ``x`` source against a fake X API on loopback: rules kept in step with topics,
streaming with keep-alives, X's backoff rules, the stall watchdog, reconnection after a
crash, the daily cap carried by the checkpoint, check() verdicts, and the normalizer."""

from __future__ import annotations

import asyncio
import json
import random
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from signalroom.clock import ManualClock
from signalroom.errors import ConfigError, RejectError
from signalroom.models import RawItem
from signalroom.pipeline.normalizers.x import normalize_x
from signalroom.sources.x import XBackoff, XSettings, XSource
from tests.sources.fakes.driver import FakeSleep, collect, make_deps, topic
from tests.sources.fakes.x import TOKEN, FakeX, tweet

NOW = 1_787_140_000.0
ENV = {"X_TOKEN": TOKEN}
TOPICS = [topic(1, "Acme", '("acme corp" OR #acme) NOT jobs'), topic(2, "Wild", "acm*")]


def run(test: Callable[[FakeX, ManualClock], Awaitable[None]]) -> None:
    async def main() -> None:
        fake = FakeX()
        await fake.server.start()
        try:
            await asyncio.wait_for(test(fake, ManualClock(NOW)), timeout=20)
        finally:
            fake.end_stream()
            await fake.server.stop()

    asyncio.run(main())


def source(fake: FakeX, clock: ManualClock, sleep: FakeSleep, **values: Any) -> XSource:
    environ = values.pop("environ", ENV)
    topics = values.pop("topics", TOPICS)
    values.setdefault("bearer_token", "env:X_TOKEN")
    values.setdefault("api_url", fake.server.base)
    values.setdefault("timeout_s", 2.0)
    deps = make_deps(clock, "x", "x", topics=topics, environ=environ)
    return XSource("x", XSettings(**values), deps, sleep=sleep, rng=random.Random(1))


def texts(items: list[RawItem]) -> list[str]:
    return [json.loads(i.payload)["data"]["text"] for i in items]


def test_x_rules_follow_topics_and_leave_foreign_rules_alone() -> None:
    async def test(fake: FakeX, clock: ManualClock) -> None:
        fake.rules["1"] = {"id": "1", "value": "someone else", "tag": "other-tool"}
        topics = list(TOPICS)
        src = source(fake, clock, FakeSleep(clock), topics=topics)
        result = await src.check()
        assert result.ok
        values = {r["tag"]: r["value"] for r in fake.rules.values()}
        assert values == {
            "other-tool": "someone else",
            "signalroom:topic:1": '("acme corp" OR #acme) -jobs',
        }
        assert "Wild" in result.detail  # the wildcard topic cannot be a rule, and says so
        topics[0] = topic(1, "Acme", "acme lang:en")
        topics.append(topic(3, "Gone soon", "kestrel"))
        await src.check()
        values = {r["tag"]: r["value"] for r in fake.rules.values()}
        assert values["signalroom:topic:1"] == "acme lang:en"
        assert values["signalroom:topic:3"] == "kestrel"
        del topics[2]
        await src.check()
        assert {r["tag"] for r in fake.rules.values()} == {"other-tool", "signalroom:topic:1"}

    run(test)


def test_x_stream_yields_each_post_and_skips_keep_alives() -> None:
    async def test(fake: FakeX, clock: ManualClock) -> None:
        fake.send(tweet(1, "acme one"), b"", b"\r", tweet(2, "acme two"))
        src = source(fake, clock, FakeSleep(clock, 0))
        items = await collect(src.stream(None), limit=2)
        assert texts(items) == ["acme one", "acme two"]
        assert json.loads(items[-1].checkpoint or "") == {"v": 1, "d": "2026-08-19", "n": 2}
        request = next(r for r in fake.server.requests if r.path == "/2/tweets/search/stream")
        assert request.query["expansions"] == "author_id"
        assert "public_metrics" in request.query["tweet.fields"]

    run(test)


def test_x_stream_reconnects_after_a_crash_with_linear_backoff() -> None:
    async def test(fake: FakeX, clock: ManualClock) -> None:
        port = fake.server.port
        fake.send(tweet(1, "before the crash"))

        async def hook(n: int) -> None:
            if n == 2:
                fake.server.port = port
                await fake.server.start()
                fake.send(tweet(2, "after the crash"))

        sleep = FakeSleep(clock, 4, hook)
        stream = source(fake, clock, sleep).stream(None)
        first = await anext(stream)
        await fake.server.stop()
        rest = await collect(stream, limit=1)
        assert texts([first, *rest]) == ["before the crash", "after the crash"]
        assert sleep.waits[:2] == pytest.approx([0.25, 0.5], rel=0.11)
        assert fake.connections == 2

    run(test)


def test_x_stream_reconnects_when_keep_alives_stop() -> None:
    async def test(fake: FakeX, clock: ManualClock) -> None:
        fake.mode = "stall"

        async def hook(n: int) -> None:
            fake.stall_over.set()
            await fake.all_closed.wait()
            fake.mode = "ok"
            fake.send(tweet(1, "after the stall"))

        sleep = FakeSleep(clock, 2, hook)
        src = source(fake, clock, sleep, stall_timeout_s=0.2)
        items = await collect(src.stream(None), limit=1)
        assert texts(items) == ["after the stall"]
        assert sleep.waits[0] < 1  # a network-class error: the linear schedule

    run(test)


@pytest.mark.parametrize(
    ("mode", "first_waits", "status"),
    [
        ("error", [5.0, 10.0, 20.0], "failing"),
        ("limited", [60.0, 120.0, 240.0], "rate_limited"),
        ("unauthorized", [300.0, 300.0, 300.0], "auth_failed"),
    ],
)
def test_x_stream_backs_off_as_x_prescribes(
    mode: str, first_waits: list[float], status: str
) -> None:
    async def test(fake: FakeX, clock: ManualClock) -> None:
        fake.mode = mode  # type: ignore[assignment]
        sleep = FakeSleep(clock, 3)
        src = source(fake, clock, sleep)
        assert await collect(src.stream(None)) == []
        assert sleep.waits == pytest.approx(first_waits, rel=0.11)
        assert src._deps.health.snapshot().status == status

    run(test)


def test_x_backoff_schedules_match_the_documented_caps() -> None:
    backoff = XBackoff(random.Random(3))
    network = [backoff.network_s() for _ in range(80)]
    assert network[0] == pytest.approx(0.25, rel=0.11)
    assert max(network) <= 16 * 1.1
    http = [backoff.http_s() for _ in range(10)]
    assert http[0] == pytest.approx(5, rel=0.11)
    assert max(http) <= 320 * 1.1
    assert backoff.rate_limited_s() == pytest.approx(60, rel=0.11)
    backoff.reset()
    assert backoff.http_s() == pytest.approx(5, rel=0.11)


def test_x_stream_stops_at_the_daily_cap_and_a_restart_remembers_it() -> None:
    async def test(fake: FakeX, clock: ManualClock) -> None:
        fake.send(*(tweet(n, f"acme {n}") for n in range(5)))
        sleep = FakeSleep(clock, 1)
        src = source(fake, clock, sleep, daily_post_cap=2)
        items = await collect(src.stream(None))
        assert texts(items) == ["acme 0", "acme 1"]
        assert sleep.waits[0] == pytest.approx(86400 - NOW % 86400)  # until UTC midnight
        clock.set(NOW)
        restarted = FakeSleep(clock, 1)
        again = await collect(
            source(fake, clock, restarted, daily_post_cap=2).stream(items[-1].checkpoint)
        )
        assert again == []
        assert restarted.waits[0] == pytest.approx(86400 - NOW % 86400)
        assert src._deps.health.snapshot().status == "rate_limited"

    run(test)


@pytest.mark.parametrize(
    ("mode", "environ", "words"),
    [
        ("ok", ENV, "ok: bearer token accepted"),
        ("ok", {}, "X bearer token missing"),
        ("unauthorized", ENV, "refused the bearer token (HTTP 401)"),
        ("limited", ENV, "rate limited"),
        ("down", ENV, "connection refused"),
    ],
)
def test_x_check_says_exactly_why_it_fails(mode: str, environ: dict[str, str], words: str) -> None:
    async def test(fake: FakeX, clock: ManualClock) -> None:
        if mode != "down":
            fake.mode = mode  # type: ignore[assignment]
        src = source(fake, clock, FakeSleep(clock), environ=environ)
        if mode == "down":
            await fake.server.stop()
        result = await src.check()
        assert result.ok is words.startswith("ok")
        assert words in result.detail
        assert TOKEN not in result.detail

    run(test)


def test_x_settings_refuse_an_inline_token() -> None:
    deps = make_deps(ManualClock(), "x", "x")
    with pytest.raises(ConfigError, match=r"sources\.x\.bearer_token"):
        XSource("x", XSettings(bearer_token="AAAAAAAA"), deps)


def test_x_normalizer_reads_author_engagement_and_parents() -> None:
    line = tweet(
        1,
        "Trying Acme 4.0 today #acme",
        referenced_tweets=[
            {"type": "replied_to", "id": "1960000000000000009"},
            {"type": "quoted", "id": "1960000000000000008"},
        ],
    )
    post = normalize_x(RawItem("x", line, received_at=NOW))
    assert post.native_id == "1961234567890000001"
    assert post.url == "https://x.com/casey_ex1/status/1961234567890000001"
    assert (post.author.handle, post.author.followers) == ("casey_ex1", 1840)
    assert (post.engagement.likes, post.engagement.reposts, post.engagement.replies) == (3, 1, 2)
    assert post.reply_to == "x:1960000000000000009"
    assert post.quote_of == "x:1960000000000000008"
    assert post.lang_hint == "en"
    assert post.created_at == 1788098711.0


@pytest.mark.parametrize(
    ("payload", "reason"),
    [
        (b'{"errors":[{"title":"operational-disconnect"}]}', "data: missing"),
        (tweet(1, "x", id="12ab"), "data.id"),
        (tweet(1, "x", author_id="999"), "author is missing"),
        (tweet(1, "x", created_at="yesterday"), "data.created_at"),
        (tweet(1, "   "), "data.text: empty"),
        (b"\xff" * 10, "not JSON"),
    ],
)
def test_x_normalizer_rejects_malformed_lines(payload: bytes, reason: str) -> None:
    with pytest.raises(RejectError, match=reason):
        normalize_x(RawItem("x", payload, received_at=NOW))


@settings(max_examples=200, deadline=None)
@given(
    st.binary(max_size=200)
    | st.builds(
        lambda d: json.dumps(
            {"data": d, "includes": {"users": [{"id": "1", "username": "a"}]}}
        ).encode(),
        st.dictionaries(
            st.sampled_from(["id", "text", "author_id", "created_at", "lang", "referenced_tweets"]),
            st.one_of(st.text(max_size=12), st.integers(), st.none(), st.just("1")),
        ),
    )
)
def test_x_normalizer_gives_a_post_or_a_reject_for_any_bytes(payload: bytes) -> None:
    reason = "accepted"
    try:
        normalize_x(RawItem("x", payload, received_at=0.0))
    except RejectError as err:
        reason = err.reason
    assert reason
