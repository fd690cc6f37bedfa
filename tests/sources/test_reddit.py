"""The ``reddit`` source against a fake Reddit on loopback: OAuth client credentials and
token refresh, listings and searches paged with ``after``, resume without loss, the rate-limit
headers, honest verdicts for missing, refused, blocked and unapproved access, and the
normalizer."""

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
