"""The ``reddit`` source against a fake Reddit on loopback: OAuth client credentials and
token refresh, listings and searches paged with ``after``, resume without loss, bursts larger
than a round reads (caught up over later rounds, up to Reddit's reach, restarted anywhere),
checkpoints of the first format, the rate-limit headers, honest verdicts for missing,
refused, blocked and unapproved access, and the normalizer."""

from __future__ import annotations

import asyncio
import json
from collections import Counter
from collections.abc import Awaitable, Callable
from itertools import groupby
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from signalroom.clock import ManualClock
from signalroom.errors import ConfigError, RejectError
from signalroom.models import RawItem
from signalroom.pipeline.normalizers.reddit import normalize_reddit
from signalroom.sources.reddit import RedditSettings, RedditSource
from tests.sources.fakes.driver import FakeSleep, collect, make_deps, outage, topic
from tests.sources.fakes.reddit import (
    CLIENT_ID,
    CLIENT_SECRET,
    FakeReddit,
    reddit_comment,
    submission,
)

NOW = 1_787_140_000.0
ENV = {"REDDIT_ID": CLIENT_ID, "REDDIT_SECRET": CLIENT_SECRET}


def run(test: Callable[[FakeReddit, ManualClock], Awaitable[None]]) -> None:
    async def main() -> None:
        fake = FakeReddit()
        await fake.server.start()
        try:
            await test(fake, ManualClock(NOW))
        finally:
            await fake.server.stop()

    asyncio.run(main())


def source(fake: FakeReddit, clock: ManualClock, sleep: FakeSleep, **values: Any) -> RedditSource:
    environ = values.pop("environ", ENV)
    topics = values.pop("topics", [])
    values.setdefault("client_id", "env:REDDIT_ID")
    values.setdefault("client_secret", "env:REDDIT_SECRET")
    values.setdefault("username", "signalroom_test")
    values.setdefault("api_url", fake.server.base)
    values.setdefault("token_url", f"{fake.server.base}/api/v1/access_token")
    values.setdefault("timeout_s", 2.0)
    deps = make_deps(clock, "reddit", "reddit", topics=topics, environ=environ)
    return RedditSource("reddit", RedditSettings(**values), deps, sleep=sleep)


def names(items: list[RawItem]) -> list[str]:
    return [json.loads(i.payload)["data"]["name"] for i in items]


def fullnames(children: list[dict[str, Any]]) -> list[str]:
    return [c["data"]["name"] for c in children]


def by_round(items: list[RawItem]) -> list[list[float]]:
    """Each round's ``created_utc``s, in the order yielded (a round's items share the
    ManualClock's time, which only a pause between rounds moves)."""
    return [
        [json.loads(i.payload)["data"]["created_utc"] for i in group]
        for _, group in groupby(items, key=lambda i: i.received_at)
    ]


def gaps(checkpoint: str | None, src: RedditSource) -> list[dict[str, Any]]:
    listing = json.loads(checkpoint or "{}")["l"][src.listings()[0].key]
    assert "g" not in listing or listing["g"], "no gap is written as no key"
    return list(listing.get("g", []))


def errors(src: RedditSource) -> list[str]:
    return [e.detail for e in src._deps.health.snapshot().recent_errors]


def burst(first: int, count: int, at: float, word: str = "burst") -> list[dict[str, Any]]:
    return [submission(first + n, at + n, f"Acme {word} {n}") for n in range(count)]


OLD = [submission(n, NOW - 3000 + n * 10, f"Acme {n}") for n in range(5)]
"""What every burst test has read before the burst."""


def test_reddit_source_reads_a_subreddit_oldest_first_with_a_proper_user_agent() -> None:
    async def test(fake: FakeReddit, clock: ManualClock) -> None:
        fake.items += [submission(n, NOW - 3000 + n * 10, f"Acme {n}") for n in range(5)]
        fake.items.append(submission(99, NOW - 7200, "too old"))
        sleep = FakeSleep(clock, budget=1)
        src = source(fake, clock, sleep, subreddits=("acmefans",), search_topics=False)
        items = await collect(src.stream(None))
        assert names(items) == [f"t3_p{n}" for n in range(5)]
        listing = next(r for r in fake.server.requests if r.path == "/r/acmefans/new")
        assert listing.headers["user-agent"] == "server:signalroom:0.1.0 (by /u/signalroom_test)"
        assert listing.query["limit"] == "100"
        assert fake.token_requests == 1
        assert sleep.waits[0] >= 60

    run(test)


def test_reddit_source_pages_back_with_after_until_it_reaches_known_items() -> None:
    async def test(fake: FakeReddit, clock: ManualClock) -> None:
        fake.items += [submission(n, NOW - 3000 + n, f"Acme {n}") for n in range(250)]
        src = source(
            fake, clock, FakeSleep(clock, 0), subreddits=("acmefans",), search_topics=False
        )
        first = await collect(src.stream(None))
        assert len(first) == 250
        afters = [r.query.get("after") for r in fake.server.requests if r.path.endswith("/new")]
        assert afters == [None, "t3_p150", "t3_p50"]
        fake.items += [submission(1000 + n, NOW + n, f"Acme new {n}") for n in range(3)]
        clock.advance(60)
        again = await collect(
            source(
                fake, clock, FakeSleep(clock, 0), subreddits=("acmefans",), search_topics=False
            ).stream(first[-1].checkpoint)
        )
        assert names(again) == ["t3_p1000", "t3_p1001", "t3_p1002"]

    run(test)


def test_reddit_source_restarts_from_a_mid_round_checkpoint_without_loss() -> None:
    async def test(fake: FakeReddit, clock: ManualClock) -> None:
        fake.items += [submission(n, NOW - 3000 + n * 10, f"Acme {n}") for n in range(6)]

        def make() -> RedditSource:
            return source(
                fake, clock, FakeSleep(clock, 0), subreddits=("acmefans",), search_topics=False
            )

        first = await collect(make().stream(None), limit=2)
        rest = await collect(make().stream(first[-1].checkpoint))
        assert names(first) + names(rest) == [f"t3_p{n}" for n in range(6)]

    run(test)


@pytest.mark.parametrize(
    "where",
    [
        {"subreddits": ("acmefans",), "search_topics": False},
        {"queries": ("acme",), "search_topics": False},
    ],
    ids=["subreddit", "search"],
)
def test_reddit_source_delivers_a_burst_larger_than_a_round_over_later_rounds(
    where: dict[str, Any],
) -> None:
    async def test(fake: FakeReddit, clock: ManualClock) -> None:
        fake.items += OLD

        def make() -> RedditSource:
            return source(fake, clock, FakeSleep(clock, 0), **where)

        rounds = [await collect(make().stream(None))]
        assert names(rounds[0]) == fullnames(OLD)
        new = burst(100, 800, NOW)
        fake.items += new
        checkpoint = rounds[0][-1].checkpoint
        for _ in range(3):  # a restart each round: all state is in the checkpoint
            clock.advance(60)
            rounds.append(await collect(make().stream(checkpoint)))
            checkpoint = rounds[-1][-1].checkpoint if rounds[-1] else checkpoint
        assert names(rounds[1]) == fullnames(new[300:])  # max_pages: 500 a round
        assert names(rounds[2]) == fullnames(new[:300])  # the unread stretch, next round
        assert rounds[3] == []
        assert gaps(checkpoint, make()) == []
        assert errors(make()) == []

    run(test)


def test_reddit_source_keeps_a_burst_that_arrives_between_two_rounds_in_one_run() -> None:
    async def test(fake: FakeReddit, clock: ManualClock) -> None:
        fake.items += OLD
        new = burst(100, 800, NOW + 30)

        async def hook(sleeps: int) -> None:
            if sleeps == 1:
                fake.items.extend(new)

        src = source(
            fake, clock, FakeSleep(clock, 3, hook), subreddits=("acmefans",), search_topics=False
        )
        items = await collect(src.stream(None))
        assert names(items) == fullnames(OLD + new[300:] + new[:300])
        rounds = by_round(items)
        assert [len(r) for r in rounds] == [5, 500, 300]
        assert all(r == sorted(r) for r in rounds)  # oldest first within each round
        assert gaps(items[-1].checkpoint, src) == []

    run(test)


def test_reddit_source_reports_a_burst_beyond_reddits_reach_and_keeps_what_it_lists() -> None:
    async def test(fake: FakeReddit, clock: ManualClock) -> None:
        fake.items += OLD
        new = burst(100, 1500, NOW + 30)

        async def hook(sleeps: int) -> None:
            if sleeps == 1:
                fake.items.extend(new)

        src = source(
            fake, clock, FakeSleep(clock, 4, hook), subreddits=("acmefans",), search_topics=False
        )
        items = await collect(src.stream(None))
        # Reddit lists the newest 1,000: the 500 oldest of the burst are beyond its reach.
        assert names(items) == fullnames(OLD + new[1000:] + new[500:1000])
        assert all(r == sorted(r) for r in by_round(items))
        assert gaps(items[-1].checkpoint, src) == []
        lost = [e for e in errors(src) if "lists no further back" in e]
        assert len(lost) == 1
        assert lost[0].startswith("r/acmefans new: ")

    run(test)


def test_reddit_source_restarts_from_a_checkpoint_taken_inside_an_unread_stretch() -> None:
    async def test(fake: FakeReddit, clock: ManualClock) -> None:
        fake.items += OLD
        new = burst(100, 800, NOW)

        def make(rounds: int = 0) -> RedditSource:
            return source(
                fake,
                clock,
                FakeSleep(clock, rounds),
                subreddits=("acmefans",),
                search_topics=False,
                max_pages=2,
            )

        first = await collect(make().stream(None))
        fake.items += new
        clock.advance(60)
        second = await collect(make().stream(first[-1].checkpoint))
        assert names(second) == fullnames(new[600:])
        clock.advance(60)
        # Inside the stretch below: 200 of it read (cut short again), 50 of those yielded.
        cut = await collect(make().stream(second[-1].checkpoint), limit=50)
        assert names(cut) == fullnames(new[400:450])
        inside = gaps(cut[-1].checkpoint, make())
        assert [g["a"][0] for g in inside] == [new[600]["data"]["name"], new[400]["data"]["name"]]
        assert inside[0]["s"][0] == new[449]["data"]["name"]
        clock.advance(60)
        rest = await collect(make(rounds=4).stream(cut[-1].checkpoint))
        everything = names(first + second + cut + rest)
        assert [n for n, times in Counter(everything).items() if times > 1] == []
        assert set(everything) == set(fullnames(OLD + new))
        assert all(r == sorted(r) for r in by_round(rest))
        # Its last checkpoint may still name the emptied stretch (no item came after the
        # read that found it empty): read again, it yields nothing.
        assert await collect(make(rounds=1).stream(rest[-1].checkpoint)) == []

    run(test)


def test_reddit_source_restarts_from_a_checkpoint_taken_while_reading_a_burst() -> None:
    async def test(fake: FakeReddit, clock: ManualClock) -> None:
        fake.items += OLD

        def make(rounds: int = 0) -> RedditSource:
            return source(
                fake, clock, FakeSleep(clock, rounds), subreddits=("acmefans",), search_topics=False
            )

        first = await collect(make().stream(None))
        new = burst(100, 800, NOW)
        fake.items += new
        clock.advance(60)
        cut = await collect(make().stream(first[-1].checkpoint), limit=100)
        assert names(cut) == fullnames(new[300:400])
        # The stretch below the 500 read was recorded with the first item, before any newer.
        assert [g["a"][0] for g in gaps(cut[0].checkpoint, make())] == [new[300]["data"]["name"]]
        later = burst(2000, 40, NOW + 1000, "later")
        fake.items += later
        clock.advance(60)
        rest = await collect(make(rounds=3).stream(cut[-1].checkpoint))
        everything = names(first + cut + rest)
        assert len(everything) == len(set(everything))
        assert set(everything) == set(fullnames(OLD + new + later))

    run(test)


def test_reddit_source_pages_on_from_a_newer_item_when_a_gaps_cursor_was_removed() -> None:
    async def test(fake: FakeReddit, clock: ManualClock) -> None:
        fake.items += OLD
        new = burst(100, 800, NOW + 30)

        async def hook(sleeps: int) -> None:
            if sleeps == 1:
                fake.items.extend(new)
            if sleeps == 2:  # the stretch's cursor and the next newer one are taken down
                fake.remove(new[300]["data"]["name"])
                fake.remove(new[301]["data"]["name"])

        src = source(
            fake, clock, FakeSleep(clock, 3, hook), subreddits=("acmefans",), search_topics=False
        )
        items = await collect(src.stream(None))
        assert names(items) == fullnames(OLD + new[300:] + new[:300])
        afters = [r.query.get("after") for r in fake.server.requests if r.path.endswith("/new")]
        # Round 1 read 5 pages; round 2 tries the stretch's cursors in turn.
        assert afters[6:9] == fullnames([new[300], new[301], new[302]])
        assert errors(src) == []

    run(test)


def test_reddit_source_gives_up_the_oldest_stretch_when_bursts_keep_coming() -> None:
    async def test(fake: FakeReddit, clock: ManualClock) -> None:
        fake.items += OLD
        fake.reach = 100_000  # a bound of our own, not Reddit's reach, ends the oldest here
        batches = [burst(1000 * (k + 1), 700, NOW + 1000 * k, f"wave{k}") for k in range(7)]

        async def hook(sleeps: int) -> None:
            if sleeps <= len(batches):
                fake.items.extend(batches[sleeps - 1])

        src = source(
            fake,
            clock,
            FakeSleep(clock, len(batches) + 1, hook),
            subreddits=("acmefans",),
            search_topics=False,
            max_pages=1,
        )
        items = await collect(src.stream(None))
        got = names(items)
        assert len(got) == len(set(got))
        assert any("the oldest is given up" in e for e in errors(src))
        assert len(gaps(items[-1].checkpoint, src)) <= 5

    run(test)


def test_reddit_source_does_not_report_a_loss_when_a_quiet_search_outlives_its_time_filter() -> (
    None
):
    async def test(fake: FakeReddit, clock: ManualClock) -> None:
        fake.items += OLD

        def make() -> RedditSource:
            return source(fake, clock, FakeSleep(clock, 0), queries=("acme",), search_topics=False)

        first = await collect(make().stream(None))
        for child in OLD:  # a day later the search (t=day) no longer lists them
            fake.remove(child["data"]["name"])
        clock.advance(2 * 86_400)
        fresh = burst(100, 3, clock.now() - 60)
        fake.items += fresh
        src = make()
        assert names(await collect(src.stream(first[-1].checkpoint))) == fullnames(fresh)
        assert errors(src) == []

    run(test)


def test_reddit_source_resumes_from_a_checkpoint_of_the_first_format() -> None:
    async def test(fake: FakeReddit, clock: ManualClock) -> None:
        fake.items += OLD
        new = burst(100, 3, NOW)
        fake.items += new
        src = source(
            fake, clock, FakeSleep(clock, 0), subreddits=("acmefans",), search_topics=False
        )
        key = src.listings()[0].key
        written_before = json.dumps(
            {"v": 1, "l": {key: {"t": OLD[-1]["data"]["created_utc"], "s": fullnames(OLD)}}},
            separators=(",", ":"),
        )
        items = await collect(src.stream(written_before))
        assert names(items) == fullnames(new)
        last = json.loads(items[-1].checkpoint or "")
        assert last == {
            "v": 1,
            "l": {key: {"t": new[-1]["data"]["created_utc"], "s": fullnames(OLD + new)}},
        }

    run(test)


@settings(max_examples=15, deadline=None)
@given(
    size=st.integers(0, 900),
    max_pages=st.integers(1, 4),
    cuts=st.lists(st.integers(1, 450), max_size=3),
    later=st.integers(0, 90),
)
def test_reddit_source_restarted_anywhere_delivers_every_listed_item_once(
    size: int, max_pages: int, cuts: list[int], later: int
) -> None:
    async def test(fake: FakeReddit, clock: ManualClock) -> None:
        fake.items += OLD

        def make(rounds: int) -> RedditSource:
            return source(
                fake,
                clock,
                FakeSleep(clock, rounds),
                subreddits=("acmefans",),
                search_topics=False,
                max_pages=max_pages,
            )

        items = await collect(make(0).stream(None))
        checkpoint = items[-1].checkpoint
        expected = OLD + burst(100, size, NOW)
        fake.items += expected[len(OLD) :]
        for index, cut in enumerate(cuts):
            clock.advance(60)
            run_items = await collect(make(3).stream(checkpoint), limit=cut)
            items += run_items
            checkpoint = run_items[-1].checkpoint if run_items else checkpoint
            if index == 0:  # new items while a burst is being caught up: the listing shifts
                arrived = burst(5000, later, NOW + 5000, "later")
                fake.items += arrived
                expected += arrived
        clock.advance(60)
        items += await collect(make(12).stream(checkpoint))
        got = names(items)
        assert [n for n, times in Counter(got).items() if times > 1] == []
        assert set(got) == set(fullnames(expected))

    run(test)


def test_reddit_source_searches_topics_and_survives_a_crash_of_reddit() -> None:
    async def test(fake: FakeReddit, clock: ManualClock) -> None:
        fake.items += [
            submission(1, NOW - 100, "Acme phone review"),
            submission(2, NOW - 50, "Other thing"),
        ]
        hook = outage(
            fake.server, lambda: fake.items.append(submission(3, NOW + 10, "acme outage"))
        )

        topics = [topic(1, "Acme", "acme NOT jobs")]
        src = source(fake, clock, FakeSleep(clock, 6, hook), topics=topics)
        items = await collect(src.stream(None))
        assert names(items) == ["t3_p1", "t3_p3"]
        search = next(r for r in fake.server.requests if r.path == "/search").query
        assert (search["q"], search["sort"], search["t"]) == ("acme", "new", "day")
        assert src._deps.health.snapshot().errors_total >= 1

    run(test)


def test_reddit_source_refreshes_an_expired_token_once() -> None:
    async def test(fake: FakeReddit, clock: ManualClock) -> None:
        fake.items.append(submission(1, NOW - 100, "Acme"))

        async def hook(n: int) -> None:
            if n == 1:
                fake.expire_tokens()
                fake.items.append(submission(2, NOW + 30, "Acme again"))

        src = source(
            fake, clock, FakeSleep(clock, 2, hook), subreddits=("acmefans",), search_topics=False
        )
        items = await collect(src.stream(None))
        assert names(items) == ["t3_p1", "t3_p2"]
        assert fake.token_requests == 2

    run(test)


def test_reddit_source_pauses_when_the_rate_window_is_spent_and_waits_out_a_429() -> None:
    async def test(fake: FakeReddit, clock: ManualClock) -> None:
        fake.items.append(submission(1, NOW - 100, "Acme"))
        fake.budget = 1  # the first listing answer says 0 remaining, then 429s
        sleep = FakeSleep(clock, 3)
        src = source(
            fake, clock, sleep, subreddits=("acmefans",), comments=True, search_topics=False
        )
        items = await collect(src.stream(None))
        assert names(items) == ["t3_p1"]
        assert 120 in sleep.waits  # paused until X-Ratelimit-Reset before the next request
        assert src._deps.health.snapshot().status == "rate_limited"

    run(test)


@pytest.mark.parametrize(
    ("mode", "environ", "words"),
    [
        ("ok", ENV, "ok: token granted"),
        ("ok", {}, "Reddit credentials missing"),
        ("refused", ENV, "refused the client id/secret (HTTP 401)"),
        ("blocked", ENV, "Reddit access blocked"),
        ("unapproved", ENV, "Responsible Builder Policy"),
        ("limited", ENV, "rate limited"),
        ("down", ENV, "connection refused"),
    ],
)
def test_reddit_check_says_exactly_why_access_fails(
    mode: str, environ: dict[str, str], words: str
) -> None:
    async def test(fake: FakeReddit, clock: ManualClock) -> None:
        if mode == "limited":
            fake.budget = 0
        elif mode != "down":
            fake.mode = mode  # type: ignore[assignment]
        src = source(fake, clock, FakeSleep(clock), environ=environ, subreddits=("acmefans",))
        if mode == "down":
            await fake.server.stop()
        result = await src.check()
        assert result.ok is (words.startswith("ok"))
        assert words in result.detail
        assert CLIENT_SECRET not in result.detail

    run(test)


def test_reddit_source_reports_refused_credentials_and_retries_slowly() -> None:
    async def test(fake: FakeReddit, clock: ManualClock) -> None:
        fake.mode = "refused"
        sleep = FakeSleep(clock, 1)
        src = source(fake, clock, sleep, subreddits=("acmefans",))
        assert await collect(src.stream(None)) == []
        assert sleep.waits == [300.0]
        assert src._deps.health.snapshot().status == "auth_failed"

    run(test)


def test_reddit_settings_refuse_inline_secrets_and_a_missing_user_agent() -> None:
    deps = make_deps(ManualClock(), "reddit", "reddit")
    with pytest.raises(ConfigError, match=r"sources\.reddit\.client_secret"):
        RedditSource(
            "reddit", RedditSettings(client_id="env:A", client_secret="hunter2", username="u"), deps
        )
    with pytest.raises(ConfigError, match=r"sources\.reddit\.username"):
        RedditSource("reddit", RedditSettings(client_id="env:A", client_secret="env:B"), deps)
    with pytest.raises(ConfigError, match=r"subreddits\[0\]"):
        RedditSource(
            "reddit",
            RedditSettings(
                client_id="env:A", client_secret="env:B", username="u", subreddits=("r/x y",)
            ),
            deps,
        )


def raw(child: dict[str, Any]) -> RawItem:
    return RawItem("reddit", json.dumps(child).encode(), received_at=NOW)


def test_reddit_normalizer_reads_submissions_and_comments() -> None:
    post = normalize_reddit(
        raw(submission(1, NOW - 5, "Acme 4.0 is out", selftext="Loving **it**"))
    )
    assert (post.native_id, post.title, post.text) == ("t3_p1", "Acme 4.0 is out", "Loving **it**")
    assert post.url == "https://www.reddit.com/r/acmefans/comments/p1/post/"
    assert (post.engagement.likes, post.engagement.replies) == (5, 1)
    reply = normalize_reddit(raw(reddit_comment(2, NOW, "Same here", "t3_p1")))
    assert reply.reply_to == "reddit:t3_p1"
    assert reply.title == ""
    assert reply.author.handle == "sam_ex"


@pytest.mark.parametrize(
    ("child", "reason"),
    [
        ({"kind": "t5", "data": {}}, "kind"),
        ({"kind": "t3", "data": {"name": "t3_x", "created_utc": 1}}, "data.author"),
        (reddit_comment(1, NOW, "[removed]", "t3_x"), "deleted or removed"),
        (
            {"kind": "t1", "data": {"name": "t3_x", "created_utc": 1, "author": "a", "body": "b"}},
            "not a t1 fullname",
        ),
        (
            {
                "kind": "t3",
                "data": {"name": "t3_x", "created_utc": -1, "author": "a", "title": "b"},
            },
            "created_utc",
        ),
    ],
)
def test_reddit_normalizer_rejects_malformed_children(child: dict[str, Any], reason: str) -> None:
    with pytest.raises(RejectError, match=reason):
        normalize_reddit(raw(child))


@settings(max_examples=200, deadline=None)
@given(
    st.binary(max_size=200)
    | st.builds(
        lambda k, d: json.dumps({"kind": k, "data": d}).encode(),
        st.sampled_from(["t1", "t3", "x"]),
        st.dictionaries(
            st.sampled_from(
                [
                    "name",
                    "created_utc",
                    "author",
                    "title",
                    "body",
                    "selftext",
                    "parent_id",
                    "score",
                    "permalink",
                ]
            ),
            st.one_of(st.text(max_size=12), st.integers(), st.floats(), st.none()),
        ),
    )
)
def test_reddit_normalizer_gives_a_post_or_a_reject_for_any_bytes(payload: bytes) -> None:
    reason = "accepted"
    try:
        normalize_reddit(RawItem("reddit", payload, received_at=0.0))
    except RejectError as err:
        reason = err.reason
    assert reason
