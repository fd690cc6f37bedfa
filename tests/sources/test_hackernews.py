"""The ``hackernews`` source against a fake Algolia on loopback: searches from topics,
resume by ``created_at_i`` without loss, the 1,000-hit window, rate limits, crashes, check()
verdicts, and the normalizer."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from signalroom.clock import ManualClock
from signalroom.errors import ConfigError, RejectError
from signalroom.models import RawItem
from signalroom.pipeline.normalizers.hackernews import normalize_hackernews
from signalroom.sources.hackernews import HackerNewsSettings, HackerNewsSource
from tests.sources.fakes.driver import FakeSleep, collect, make_deps, outage, topic
from tests.sources.fakes.hackernews import FakeAlgolia, comment, story

NOW = 1_787_140_000


def run(test: Callable[[FakeAlgolia, ManualClock], Awaitable[None]]) -> None:
    async def main() -> None:
        fake = FakeAlgolia()
        await fake.server.start()
        try:
            await test(fake, ManualClock(float(NOW)))
        finally:
            await fake.server.stop()

    asyncio.run(main())


def source(
    fake: FakeAlgolia, clock: ManualClock, sleep: FakeSleep, **values: Any
) -> HackerNewsSource:
    topics = values.pop("topics", [topic(1, "Acme", '(acme OR "acme corp") NOT jobs')])
    values.setdefault("base_url", f"{fake.server.base}/api/v1")
    values.setdefault("timeout_s", 2.0)
    deps = make_deps(clock, "hn", "hackernews", topics=topics)
    return HackerNewsSource("hn", HackerNewsSettings(**values), deps, sleep=sleep)


def ids(items: list[RawItem]) -> list[str]:
    return [json.loads(i.payload)["objectID"] for i in items]


def seed(fake: FakeAlgolia) -> None:
    fake.items += [
        story(1, NOW - 7200, "Acme from long ago"),  # before the look-back window
        story(2, NOW - 3000, "Acme 4.0 released"),
        comment(3, NOW - 2000, "<p>We switched to <i>Acme</i> &amp; love it</p>", 2, 2),
        story(4, NOW - 1000, "Unrelated launch"),
        comment(5, NOW - 1000, "acme again", 3, 2),
        story(6, NOW - 500, "Ask HN: acme or not?", story_text="<p>Thoughts?</p>"),
    ]


def test_hackernews_source_searches_topic_terms_and_yields_oldest_first() -> None:
    async def test(fake: FakeAlgolia, clock: ManualClock) -> None:
        seed(fake)
        sleep = FakeSleep(clock, budget=1)
        items = await collect(source(fake, clock, sleep).stream(None))
        assert ids(items) == ["2", "3", "5", "6"]
        queries = {r.query["query"] for r in fake.server.requests}
        assert queries == {"acme", '"acme corp"'}
        first = fake.server.requests[0].query
        assert first["tags"] == "(story,comment)"
        assert first["numericFilters"] == f"created_at_i>={NOW - 3600}"
        assert sleep.waits[0] >= 120
        checkpoint = json.loads(items[-1].checkpoint or "")
        assert list(checkpoint["q"].values()) == [NOW - 500]

    run(test)


def test_hackernews_source_resumes_from_its_checkpoint_without_loss() -> None:
    async def test(fake: FakeAlgolia, clock: ManualClock) -> None:
        seed(fake)
        first = await collect(source(fake, clock, FakeSleep(clock, 0)).stream(None), limit=2)
        clock.advance(600)
        fake.items.append(comment(7, NOW + 100, "acme is great", 6, 6))
        resumed = await collect(
            source(fake, clock, FakeSleep(clock, 0)).stream(first[-1].checkpoint)
        )
        assert set(ids(first) + ids(resumed)) == {"2", "3", "5", "6", "7"}
        assert ids(resumed)[-1] == "7"
        # The overlap re-reads at most the last 5 minutes before the checkpoint.
        assert f"created_at_i>={NOW - 2000 - 300}" in fake.windows

    run(test)


def test_hackernews_source_gets_every_item_once_when_algolia_crashes_and_returns() -> None:
    async def test(fake: FakeAlgolia, clock: ManualClock) -> None:
        seed(fake)
        hook = outage(
            fake.server, lambda: fake.items.append(story(8, NOW + 60, "acme during the outage"))
        )
        src = source(fake, clock, FakeSleep(clock, budget=6, hook=hook))
        items = await collect(src.stream(None))
        assert sorted(set(ids(items)), key=int) == ["2", "3", "5", "6", "8"]
        assert len(ids(items)) == len(set(ids(items)))  # in one process nothing is sent twice
        assert src._deps.health.snapshot().errors_total >= 1

    run(test)


def test_hackernews_source_narrows_a_busy_window_to_fit_algolias_1000_hits() -> None:
    async def test(fake: FakeAlgolia, clock: ManualClock) -> None:
        fake.items += [story(100 + n, NOW - 3000 + n, f"acme {n}") for n in range(1500)]
        src = source(fake, clock, FakeSleep(clock, budget=1), queries=("acme",), hits_per_page=500)
        items = await collect(src.stream(None))
        assert sorted(ids(items), key=int) == [str(100 + n) for n in range(1500)]
        assert any("created_at_i<" in w for w in fake.windows)
        assert all(int(r.query["page"]) < 2 for r in fake.server.requests)

    run(test)


def test_hackernews_source_reads_on_past_a_narrowed_window_when_the_busy_part_is_recent() -> None:
    async def test(fake: FakeAlgolia, clock: ManualClock) -> None:
        # 1,500 hits in the last 10 s of the hour looked back: every halved window before
        # them is empty, so only reading on from each window's end gets to them.
        fake.items += [story(100 + n, NOW - 10 + n // 150, f"acme {n}") for n in range(1500)]
        src = source(fake, clock, FakeSleep(clock, budget=0), queries=("acme",))
        async with asyncio.timeout(10):
            items = await collect(src.stream(None))  # until its first pause
        assert sorted(ids(items), key=int) == [str(100 + n) for n in range(1500)]
        lows = [int(w.split(",")[0].removeprefix("created_at_i>=")) for w in fake.windows]
        assert lows == sorted(lows)  # it never went back to where it started
        assert len(fake.windows) < 60

    run(test)


def test_hackernews_source_waits_as_long_as_a_429_says() -> None:
    async def test(fake: FakeAlgolia, clock: ManualClock) -> None:
        seed(fake)
        fake.budget = 0
        sleep = FakeSleep(clock, budget=1)
        src = source(fake, clock, sleep, queries=("acme",))
        assert await collect(src.stream(None)) == []
        assert sleep.waits == [30.0]
        assert src._deps.health.snapshot().status == "rate_limited"

    run(test)


@pytest.mark.parametrize(
    ("mode", "ok", "words"),
    [
        ("ok", True, "ok: 2 searches"),
        ("refused", False, "connection refused"),
        ("limited", False, "rate limited"),
        ("missing", False, "HTTP 404"),
    ],
)
def test_hackernews_check_says_what_is_wrong(mode: str, ok: bool, words: str) -> None:
    async def test(fake: FakeAlgolia, clock: ManualClock) -> None:
        seed(fake)
        base = f"{fake.server.base}/api/v1"
        if mode == "limited":
            fake.budget = 0
        if mode == "missing":
            base = f"{fake.server.base}/nothing"
        src = source(fake, clock, FakeSleep(clock), base_url=base)
        if mode == "refused":
            await fake.server.stop()
        result = await src.check()
        assert result.ok is ok
        assert words in result.detail

    run(test)


def test_hackernews_source_yields_a_malformed_hit_for_the_normalizer_to_reject() -> None:
    async def test(fake: FakeAlgolia, clock: ManualClock) -> None:
        seed(fake)
        fake.raw_extra.append((NOW - 100, b'{"objectID": 9, "acme": true}'))
        items = await collect(
            source(fake, clock, FakeSleep(clock, 1), queries=("acme",)).stream(None)
        )
        assert len(items) == 5
        with pytest.raises(RejectError, match="objectID: expected str"):
            normalize_hackernews(next(i for i in items if b'"acme": true' in i.payload))

    run(test)


def test_hackernews_settings_are_validated() -> None:
    deps = make_deps(ManualClock(), "hn", "hackernews")
    with pytest.raises(ConfigError, match=r"sources\.hn\.hits_per_page"):
        HackerNewsSource("hn", HackerNewsSettings(hits_per_page=5000), deps)


def raw(hit: dict[str, Any]) -> RawItem:
    return RawItem("hackernews", json.dumps(hit).encode(), received_at=float(NOW))


def test_hackernews_normalizer_reads_stories_and_comments() -> None:
    post = normalize_hackernews(
        raw(story(6, NOW - 500, "Ask HN: acme?", story_text="<p>Thoughts &amp; more</p>"))
    )
    assert (post.native_id, post.title, post.text) == ("6", "Ask HN: acme?", "Thoughts & more")
    assert post.url == "https://news.ycombinator.com/item?id=6"
    assert post.engagement.likes == 10
    assert post.engagement.replies == 2
    assert post.created_at == NOW - 500
    reply = normalize_hackernews(
        raw(comment(3, NOW, "<p>One</p><p>Two <a href='x'>link</a></p>", 2, 2))
    )
    assert reply.text == "One\n\nTwo link"
    assert reply.title == ""
    assert reply.reply_to == "hackernews:2"
    assert reply.author.handle == "sam_ex"


@pytest.mark.parametrize(
    ("hit", "reason"),
    [
        ({"objectID": "1"}, "created_at_i: missing"),
        ({"objectID": "x1", "created_at_i": 1}, "objectID"),
        (story(1, NOW, "t", author=""), "author"),
        (comment(1, NOW, "", 0, 0), "neither text nor title"),
        (story(1, -5, "t"), "created_at_i"),
    ],
)
def test_hackernews_normalizer_rejects_malformed_hits(hit: dict[str, Any], reason: str) -> None:
    with pytest.raises(RejectError, match=reason):
        normalize_hackernews(raw(hit))


@settings(max_examples=200, deadline=None)
@given(
    st.binary(max_size=200)
    | st.builds(
        lambda d: json.dumps(d).encode(),
        st.dictionaries(
            st.sampled_from(
                [
                    "objectID",
                    "created_at_i",
                    "author",
                    "title",
                    "comment_text",
                    "_tags",
                    "points",
                    "parent_id",
                ]
            ),
            st.one_of(
                st.text(max_size=10),
                st.integers(),
                st.none(),
                st.lists(st.text(max_size=5), max_size=2),
            ),
        ),
    )
)
def test_hackernews_normalizer_gives_a_post_or_a_reject_for_any_bytes(payload: bytes) -> None:
    reason = "accepted"
    try:
        normalize_hackernews(RawItem("hackernews", payload, received_at=0.0))
    except RejectError as err:
        reason = err.reason
    assert reason
