"""The ``youtube`` source against a fake YouTube Data API on loopback: comment threads paged
back to the first one seen, replies, resume without loss or reflood, bursts read over
several rounds, crashes, the daily quota (counted, spread, and waited out until midnight
Pacific), videos that cannot be read, check() verdicts, and the normalizer."""

from __future__ import annotations

import asyncio
import json
import math
import tomllib
from collections.abc import Awaitable, Callable
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from signalroom.clock import ManualClock
from signalroom.errors import ConfigError, RejectError
from signalroom.models import Post, RawItem, Reject
from signalroom.pipeline.normalize import MAX_TEXT_CHARS, normalize
from signalroom.pipeline.normalizers.youtube import normalize_youtube
from signalroom.sources.health import HealthSnapshot
from signalroom.sources.registry import parse_sources
from signalroom.sources.youtube import YouTubeSettings, YouTubeSource
from signalroom.sources.youtube_quota import (
    QuotaLedger,
    next_pacific_midnight,
    pacific_day,
    round_wait_s,
)
from tests.sources.fakes.driver import FakeSleep, collect, make_deps, outage
from tests.sources.fakes.httpserver import Response
from tests.sources.fakes.payloads import nested_json_or_bytes
from tests.sources.fakes.youtube import (
    API_KEY,
    CHANNEL,
    FakeYouTube,
    Thread,
    comment,
    google_error,
    iso,
    make_thread,
    thread_id,
)

PACIFIC = ZoneInfo("America/Los_Angeles")
NOW = 1_787_140_000.0
"""2026-08-19 04:46:40 in Los Angeles (PDT)."""
MIDNIGHT = datetime(2026, 8, 20, tzinfo=PACIFIC).timestamp()
ENV = {"YT_KEY": API_KEY}
VIDEO_A, VIDEO_B, VIDEO_C = "vidAAAAAAA1", "vidBBBBBBB2", "vidCCCCCCC3"


def run(test: Callable[[FakeYouTube, ManualClock], Awaitable[None]]) -> None:
    async def main() -> None:
        fake = FakeYouTube()
        await fake.server.start()
        try:
            await test(fake, ManualClock(NOW))
        finally:
            await fake.server.stop()

    asyncio.run(main())


def source(fake: FakeYouTube, clock: ManualClock, sleep: FakeSleep, **values: Any) -> YouTubeSource:
    environ = values.pop("environ", ENV)
    values.setdefault("api_key", "env:YT_KEY")
    if "channel_ids" not in values:
        values.setdefault("video_ids", (VIDEO_A,))
    values.setdefault("base_url", f"{fake.server.base}/youtube/v3")
    values.setdefault("timeout_s", 2.0)
    deps = make_deps(clock, "yt", "youtube", environ=environ)
    return YouTubeSource("yt", YouTubeSettings(**values), deps, sleep=sleep)


def ids(items: list[RawItem]) -> list[str]:
    return [json.loads(i.payload)["comment"]["id"] for i in items]


def every_id(threads: list[Thread]) -> set[str]:
    return {t.id for t in threads} | {r["id"] for t in threads for r in t.replies}


def health(src: YouTubeSource) -> HealthSnapshot:
    return src._deps.health.snapshot()


def thread_requests(fake: FakeYouTube) -> list[dict[str, str]]:
    return [r.query for r in fake.server.requests if r.path.endswith("/commentThreads")]


def test_youtube_source_reads_a_video_oldest_first_with_every_reply() -> None:
    async def test(fake: FakeYouTube, clock: ManualClock) -> None:
        fake.add(
            make_thread(1, VIDEO_A, NOW - 3000, "Acme is great", replies=3, likes=4),
            make_thread(2, VIDEO_A, NOW - 2000, "meh"),
            make_thread(3, VIDEO_A, NOW - 200_000, "before the look-back"),
        )
        sleep = FakeSleep(clock, budget=1)
        items = await collect(source(fake, clock, sleep).stream(None))
        t1 = thread_id(1)
        reply_ids = [f"{t1}.{m:04d}fakeR" for m in range(3)]
        assert ids(items) == [t1, *reply_ids, thread_id(2)]
        first = thread_requests(fake)[0]
        assert first == {
            "part": "snippet,replies",
            "videoId": VIDEO_A,
            "order": "time",
            "maxResults": "100",
            "textFormat": "plainText",
            "key": API_KEY,
        }
        replies = [r.query for r in fake.server.requests if r.path.endswith("/comments")]
        assert [(q["parentId"], q["part"]) for q in replies] == [(t1, "snippet")]
        assert sleep.waits[0] >= 300
        posts = [normalize_youtube(i) for i in items]
        assert posts[0].url == f"https://www.youtube.com/watch?v={VIDEO_A}&lc={t1}"
        assert (posts[0].engagement.likes, posts[0].engagement.replies) == (4, 3)
        assert posts[0].author.handle == "casey_ex"
        assert posts[1].reply_to == f"youtube:{t1}"
        assert json.loads(items[-1].checkpoint or "")["u"] == 2

    run(test)


def test_youtube_source_pages_back_and_stops_at_the_first_comment_already_seen() -> None:
    async def test(fake: FakeYouTube, clock: ManualClock) -> None:
        fake.add(*(make_thread(n, VIDEO_A, NOW - 5000 + n, f"comment {n}") for n in range(250)))
        first = await collect(source(fake, clock, FakeSleep(clock, 0)).stream(None))
        assert ids(first) == [thread_id(n) for n in range(250)]
        tokens = [q.get("pageToken") for q in thread_requests(fake)]
        assert len(tokens) == 3
        assert tokens[0] is None
        assert None not in tokens[1:]
        fake.add(*(make_thread(1000 + n, VIDEO_A, NOW + n, f"new {n}") for n in range(3)))
        clock.advance(300)
        again = await collect(source(fake, clock, FakeSleep(clock, 0)).stream(first[-1].checkpoint))
        assert ids(again) == [thread_id(1000 + n) for n in range(3)]
        assert len(thread_requests(fake)) == 4  # one page was enough to meet a known comment

    run(test)


def test_youtube_source_restarts_from_a_mid_round_checkpoint_without_loss_or_reflood() -> None:
    async def test(fake: FakeYouTube, clock: ManualClock) -> None:
        threads = [make_thread(n, VIDEO_A, NOW - 3000 + n * 10, f"c{n}") for n in range(6)]
        threads.insert(2, make_thread(50, VIDEO_A, NOW - 2975, "has replies", replies=3))
        fake.add(*threads)

        def make() -> YouTubeSource:
            return source(fake, clock, FakeSleep(clock, 0))

        first = await collect(make().stream(None), limit=5)  # stops inside thread 50
        assert ids(first)[-1] == f"{thread_id(50)}.0000fakeR"
        rest = await collect(make().stream(first[-1].checkpoint))
        # Thread 50 is sent again whole (its checkpoint had not moved past it); nothing else.
        assert ids(rest)[0] == thread_id(50)
        assert set(ids(first)) | set(ids(rest)) == every_id(threads)
        assert len(ids(rest)) == len(set(ids(rest))) == len(every_id(threads)) - 3

    run(test)


def test_youtube_source_catches_up_a_burst_larger_than_its_pages_per_poll() -> None:
    async def test(fake: FakeYouTube, clock: ManualClock) -> None:
        threads = [make_thread(n, VIDEO_A, NOW - 5000 + n, f"burst {n}") for n in range(250)]
        fake.add(*threads)

        def make() -> YouTubeSource:
            return source(fake, clock, FakeSleep(clock, 0), max_pages_per_poll=1)

        rounds = [await collect(make().stream(None))]
        assert ids(rounds[0]) == [thread_id(n) for n in range(150, 250)]
        late = [make_thread(900 + n, VIDEO_A, NOW + n, f"late {n}") for n in range(5)]
        fake.add(*late)
        for _ in range(3):
            clock.advance(300)
            rounds.append(await collect(make().stream(rounds[-1][-1].checkpoint)))
        # Each restart resumes the unread stretch first (older), then the newest comments.
        assert ids(rounds[1]) == [thread_id(n) for n in range(50, 150)] + [t.id for t in late]
        assert ids(rounds[2]) == [thread_id(n) for n in range(50)]
        assert rounds[3] == []
        everything = [i for r in rounds for i in ids(r)]
        assert sorted(everything) == sorted(every_id(threads + late))
        assert json.loads(rounds[2][-1].checkpoint or "")["t"][f"video:{VIDEO_A}"]["g"] == []

    run(test)


def test_youtube_source_gets_every_comment_once_when_youtube_crashes_and_returns() -> None:
    async def test(fake: FakeYouTube, clock: ManualClock) -> None:
        threads = [
            make_thread(n, VIDEO_A, NOW - 5000 + n * 7, f"c{n}", replies=n % 4) for n in range(150)
        ]
        fake.add(*threads)
        fake.cut = {2}  # the second page of the first read: cut off without an answer
        during = [make_thread(500, VIDEO_A, NOW + 30, "while it was down", replies=3)]
        hook = outage(fake.server, lambda: fake.add(*during), down_at=2, up_at=4)
        src = source(fake, clock, FakeSleep(clock, budget=7, hook=hook))
        items = await collect(src.stream(None))
        assert sorted(ids(items)) == sorted(every_id(threads + during))
        assert all(isinstance(normalize(i), Post) for i in items)
        assert health(src).errors_total >= 2

    run(test)


def test_youtube_source_keeps_within_its_budget_and_waits_for_midnight_pacific() -> None:
    async def test(fake: FakeYouTube, clock: ManualClock) -> None:
        threads = [
            make_thread(n + 1000 * k, video, NOW - 5000 + n, f"c{n}")
            for k, video in enumerate((VIDEO_A, VIDEO_B))
            for n in range(250)
        ]
        fake.add(*threads)
        seen: list[tuple[int, HealthSnapshot, float]] = []
        sleep = FakeSleep(clock, budget=2)
        src = source(
            fake, clock, sleep, video_ids=(VIDEO_A, VIDEO_B), daily_quota_units=5, quota_share=1.0
        )

        async def hook(_: int) -> None:
            seen.append((fake.hits, health(src), clock.now()))

        sleep.hook = hook
        items = await collect(src.stream(None))
        hits, snapshot, _ = seen[0]
        assert hits == 5  # three pages of A, two of B: the whole budget, no more
        assert snapshot.status == "rate_limited"
        assert snapshot.rate_limited_until == MIDNIGHT
        assert "budget of 5 quota units is spent" in snapshot.detail
        assert "midnight Pacific" in snapshot.detail
        assert sleep.waits[0] == pytest.approx(MIDNIGHT - NOW + 60)
        # After midnight the budget is back: B's unread stretch, then both videos' newest.
        assert seen[1][0] == 8
        assert sorted(ids(items)) == sorted(every_id(threads))
        assert json.loads(items[-1].checkpoint or "")["d"] == "2026-08-20"

    run(test)


def test_youtube_source_spreads_its_polls_so_the_budget_lasts_the_day() -> None:
    async def test(fake: FakeYouTube, clock: ManualClock) -> None:
        for video in (VIDEO_A, VIDEO_B, VIDEO_C):
            fake.add_video(video)
        details: list[str] = []
        sleep = FakeSleep(clock, budget=1)
        src = source(
            fake,
            clock,
            sleep,
            video_ids=(VIDEO_A, VIDEO_B, VIDEO_C),
            poll_interval_s=10,
            daily_quota_units=1000,
            quota_share=1.0,
        )

        async def hook(_: int) -> None:
            details.append(health(src).detail)

        sleep.hook = hook
        assert await collect(src.stream(None)) == []
        spread = (MIDNIGHT - NOW) * 3 / 997
        assert spread > 200
        assert spread <= sleep.waits[0] <= spread * 1.1
        assert details == ["3 videos/channels; 3 of 1000 quota units used today"]
        assert "polls will be about 260 s apart" in src.quota_note()

    run(test)


def test_youtube_source_waits_for_midnight_when_youtube_says_the_quota_is_spent() -> None:
    async def test(fake: FakeYouTube, clock: ManualClock) -> None:
        fake.add(make_thread(1, VIDEO_A, NOW - 100, "hello"))
        fake.add_video(VIDEO_B)
        fake.quota_left = 1
        seen: list[tuple[int, HealthSnapshot]] = []
        sleep = FakeSleep(clock, budget=1)
        src = source(fake, clock, sleep, video_ids=(VIDEO_A, VIDEO_B))

        async def hook(_: int) -> None:
            seen.append((fake.hits, health(src)))

        sleep.hook = hook
        items = await collect(src.stream(None))
        assert ids(items) == [thread_id(1)]
        hits, snapshot = seen[0]
        assert hits == 2
        assert snapshot.status == "rate_limited"
        assert snapshot.rate_limited_until == MIDNIGHT
        assert "quotaExceeded" in snapshot.detail
        assert sleep.waits == [pytest.approx(MIDNIGHT - NOW + 60)]

    run(test)


def test_youtube_source_skips_videos_it_cannot_read_and_reads_the_others() -> None:
    async def test(fake: FakeYouTube, clock: ManualClock) -> None:
        fake.add(make_thread(1, VIDEO_A, NOW - 100, "hello"))
        fake.add_video(VIDEO_B)
        fake.disabled.add(VIDEO_B)
        notes: list[HealthSnapshot] = []
        sleep = FakeSleep(clock, budget=2)
        src = source(fake, clock, sleep, video_ids=(VIDEO_B, VIDEO_C, VIDEO_A))

        async def hook(_: int) -> None:
            notes.append(health(src))
            if len(notes) == 1:
                fake.add(make_thread(2, VIDEO_A, clock.now(), "again"))

        sleep.hook = hook
        items = await collect(src.stream(None))
        assert ids(items) == [thread_id(1), thread_id(2)]
        assert notes[0].status == "connected"
        assert f"video {VIDEO_B} (comments are disabled)" in notes[0].detail
        assert f"video {VIDEO_C} (not found" in notes[0].detail
        asked = [q.get("videoId") for q in thread_requests(fake)]
        assert asked == [VIDEO_B, VIDEO_C, VIDEO_A, VIDEO_A, VIDEO_A]  # not again for hours

    run(test)


def test_youtube_source_says_failing_when_no_video_is_readable() -> None:
    async def test(fake: FakeYouTube, clock: ManualClock) -> None:
        src = source(fake, clock, FakeSleep(clock, 1), video_ids=(VIDEO_C,))
        assert await collect(src.stream(None)) == []
        assert health(src).status == "failing"
        assert "nothing readable" in health(src).detail

    run(test)


def test_youtube_source_reads_every_video_of_a_channel_and_filters_by_search_terms() -> None:
    async def test(fake: FakeYouTube, clock: ManualClock) -> None:
        fake.add(
            make_thread(1, VIDEO_A, NOW - 300, "Acme rocks"),
            make_thread(2, VIDEO_B, NOW - 200, "acme again"),
            make_thread(3, VIDEO_B, NOW - 100, "something else"),
        )
        src = source(fake, clock, FakeSleep(clock, 0), channel_ids=(CHANNEL,), search_terms="acme")
        items = await collect(src.stream(None))
        assert ids(items) == [thread_id(1), thread_id(2)]
        query = thread_requests(fake)[0]
        assert query["allThreadsRelatedToChannelId"] == CHANNEL
        assert query["searchTerms"] == "acme"
        assert "videoId" not in query
        urls = [normalize_youtube(i).url for i in items]
        assert urls[1] == f"https://www.youtube.com/watch?v={VIDEO_B}&lc={thread_id(2)}"

    run(test)


def test_youtube_source_reads_out_of_order_pages_without_loss() -> None:
    async def test(fake: FakeYouTube, clock: ManualClock) -> None:
        threads = [make_thread(n, VIDEO_A, NOW - 3000 + n * 10, f"c{n}") for n in range(7)]
        fake.add(*threads)
        fake.out_of_order = True
        first = await collect(source(fake, clock, FakeSleep(clock, 0)).stream(None))
        assert ids(first) == [thread_id(n) for n in range(7)]  # sorted back, oldest first
        late = make_thread(7, VIDEO_A, NOW, "newest, listed after a known one")
        fake.add(late)
        again = await collect(source(fake, clock, FakeSleep(clock, 0)).stream(first[-1].checkpoint))
        assert ids(again) == [late.id]

    run(test)


def test_youtube_source_yields_malformed_items_for_the_normalizer_to_reject() -> None:
    async def test(fake: FakeYouTube, clock: ManualClock) -> None:
        good = make_thread(1, VIDEO_A, NOW - 500, "fine")
        huge = make_thread(2, VIDEO_A, NOW - 400, "x" * (MAX_TEXT_CHARS + 1))
        bad_date = make_thread(3, VIDEO_A, NOW - 300, "when?")
        bad_date.top["snippet"]["publishedAt"] = "yesterday"
        no_top = Thread("UgwNOTOP", VIDEO_A, NOW - 200, {}, raw=b'{"id": "UgwNOTOP"}')
        not_object = Thread("?", VIDEO_A, NOW - 100, {}, raw=b"[1, 2]")
        fake.add(good, huge, bad_date, no_top, not_object)
        items = await collect(source(fake, clock, FakeSleep(clock, 0)).stream(None))
        outcomes = [normalize(i) for i in items]
        assert [o.native_id for o in outcomes if isinstance(o, Post)] == [good.id]
        reasons = sorted(o.reason for o in outcomes if isinstance(o, Reject))
        assert len(reasons) == 4
        assert any("text" in r and "longer than 100000 characters" in r for r in reasons)
        assert any("publishedAt: not a date" in r for r in reasons)
        assert sum("no topLevelComment" in r for r in reasons) == 2

    run(test)


def test_youtube_source_reports_a_refused_key_and_retries_slowly() -> None:
    async def test(fake: FakeYouTube, clock: ManualClock) -> None:
        sleep = FakeSleep(clock, 1)
        src = source(fake, clock, sleep, environ={"YT_KEY": "wrong"})
        assert await collect(src.stream(None)) == []
        assert sleep.waits == [300.0]
        snapshot = health(src)
        assert snapshot.status == "auth_failed"
        assert "API_KEY_INVALID" in snapshot.detail
        assert "wrong" not in snapshot.detail

    run(test)


@pytest.mark.parametrize(
    ("mode", "words"),
    [
        ("ok", "ok: API key accepted; video vidAAAAAAA1 readable"),
        ("missing", "YouTube API key missing"),
        ("refused", "YouTube refused the API key (HTTP 400"),
        ("quota", "quota exhausted for today"),
        ("gone", f"video {VIDEO_C}: not found"),
        ("disabled", "comments are disabled"),
        ("down", "connection refused"),
    ],
)
def test_youtube_check_says_exactly_why_it_cannot_read(mode: str, words: str) -> None:
    async def test(fake: FakeYouTube, clock: ManualClock) -> None:
        fake.add(make_thread(1, VIDEO_A, NOW - 100, "hello"))
        video = VIDEO_C if mode == "gone" else VIDEO_A
        environ = {"missing": {}, "refused": {"YT_KEY": "nope-key"}}.get(mode, ENV)
        if mode == "quota":
            fake.quota_left = 0
        if mode == "disabled":
            fake.disabled.add(VIDEO_A)
        src = source(fake, clock, FakeSleep(clock), environ=environ, video_ids=(video,))
        if mode == "down":
            await fake.server.stop()
        result = await src.check()
        assert result.ok is (mode == "ok")
        assert words in result.detail
        assert API_KEY not in result.detail
        assert "nope-key" not in result.detail
        assert fake.hits <= 1
        if mode == "ok":
            assert fake.server.requests[0].query["maxResults"] == "1"
            assert "quota: 1 videos/channels every 300 s need at least 288 units" in result.detail
        if mode == "quota":
            assert "resets at midnight Pacific, in 19 h 13 min" in result.detail

    run(test)


@pytest.mark.parametrize(
    ("answer", "words"),
    [
        (
            google_error(
                403,
                "forbidden",
                "Requests from this client application are blocked.",
                details=[{"reason": "API_KEY_IP_ADDRESS_BLOCKED"}],
            ),
            "YouTube refused the API key (HTTP 403",
        ),
        (
            google_error(403, "accessNotConfigured", "YouTube Data API v3 has not been used"),
            "has not enabled the YouTube Data API v3",
        ),
        (google_error(403, "forbidden", "Insufficient permissions."), "private?"),
        (google_error(403, "rateLimitExceeded", "Too fast."), "rate limited by YouTube"),
        (google_error(500, "backendError", "Backend Error"), "HTTP 500 backendError"),
        (Response(502, b"<html>Bad gateway</html>"), "HTTP 502 Status: <html>Bad gateway"),
    ],
)
def test_youtube_check_reads_googles_error_reasons(answer: Response, words: str) -> None:
    async def test(fake: FakeYouTube, clock: ManualClock) -> None:
        fake.add_video(VIDEO_A)
        fake.answer = answer
        result = await source(fake, clock, FakeSleep(clock)).check()
        assert not result.ok
        assert words in result.detail

    run(test)


def test_youtube_settings_refuse_an_inline_key_no_targets_and_urls() -> None:
    deps = make_deps(ManualClock(), "yt", "youtube")
    with pytest.raises(ConfigError, match=r"sources\.yt\.api_key"):
        YouTubeSource("yt", YouTubeSettings(api_key="AIzaSyFAKE", video_ids=("abc",)), deps)
    with pytest.raises(ConfigError, match=r"sources\.yt\.video_ids: set video_ids or channel"):
        YouTubeSource("yt", YouTubeSettings(api_key="env:K"), deps)
    with pytest.raises(ConfigError, match=r"video_ids\[0\].*not a URL"):
        YouTubeSource(
            "yt",
            YouTubeSettings(api_key="env:K", video_ids=("https://youtu.be/abc",)),
            deps,
        )
    with pytest.raises(ConfigError, match=r"quota_share"):
        YouTubeSource(
            "yt", YouTubeSettings(api_key="env:K", video_ids=("abc",), quota_share=0), deps
        )


def test_youtube_is_a_registered_source_kind() -> None:
    [spec] = parse_sources(
        [{"name": "yt", "kind": "youtube", "api_key": "env:YT", "video_ids": ["abc"]}]
    )
    assert spec.settings.poll_interval_s == 300.0
    assert spec.settings.daily_quota_units == 10_000
    with pytest.raises(ConfigError) as caught:
        parse_sources([{"name": "yt", "kind": "youtube", "api_key": "AIza", "video_ids": ["a"]}])
    assert caught.value.key == "sources.yt.api_key"


def test_youtube_docs_example_is_a_valid_source_with_every_setting() -> None:
    text = (Path(__file__).parents[2] / "docs" / "sources.md").read_text(encoding="utf-8")
    section = text.split("## YouTube comments (`youtube`)", 1)[1]
    example = section.split("```toml", 1)[1].split("```", 1)[0]
    [table] = tomllib.loads(example)["sources"]
    [spec] = parse_sources([table])
    assert spec.settings == YouTubeSettings(
        api_key="env:YOUTUBE_API_KEY", video_ids=("aBcDeFgHiJk",)
    )  # the example shows the defaults
    assert set(table) - {"name", "kind"} == set(YouTubeSettings.__struct_fields__)


def test_pacific_midnight_follows_daylight_saving() -> None:
    spring = datetime(2026, 3, 8, 1, 30, tzinfo=PACIFIC).timestamp()  # PST, DST starts at 2:00
    assert next_pacific_midnight(spring) == datetime(2026, 3, 9, tzinfo=PACIFIC).timestamp()
    assert next_pacific_midnight(spring) - spring == 21.5 * 3600  # a 23-hour day
    autumn = datetime(2026, 11, 1, 0, 0, tzinfo=PACIFIC).timestamp()
    assert next_pacific_midnight(autumn) - autumn == 25 * 3600
    assert next_pacific_midnight(NOW) == MIDNIGHT
    assert pacific_day(NOW) == "2026-08-19"
    assert pacific_day(MIDNIGHT) == "2026-08-20"


@given(st.floats(min_value=0, max_value=4_000_000_000))
def test_pacific_midnight_is_the_next_local_midnight(instant: float) -> None:
    midnight = next_pacific_midnight(instant)
    assert instant < midnight <= instant + 25 * 3600
    local = datetime.fromtimestamp(midnight, tz=PACIFIC)
    assert (local.hour, local.minute, local.second) == (0, 0, 0)
    assert pacific_day(midnight) != pacific_day(instant)


def test_quota_ledger_counts_a_pacific_day_and_starts_over_at_midnight() -> None:
    ledger = QuotaLedger.starting(10, NOW)
    ledger.restore("2026-08-19", 7, NOW)
    assert ledger.remaining(NOW) == 3
    ledger.restore("2026-08-18", 9, NOW)  # yesterday's count does not matter
    ledger.spend(NOW, 3)
    assert not ledger.can_afford(NOW)
    assert ledger.remaining(MIDNIGHT) == 10
    assert ledger.day == "2026-08-20"
    assert round_wait_s(poll_s=300, units_per_round=30, remaining=9000, seconds_left=86400) == 300
    assert round_wait_s(poll_s=60, units_per_round=10, remaining=1000, seconds_left=86400) == 864
    assert round_wait_s(poll_s=60, units_per_round=10, remaining=9, seconds_left=500) == 500


def wrapped(snippet: dict[str, Any], **outer: Any) -> RawItem:
    body: dict[str, Any] = {"videoId": VIDEO_A, "totalReplyCount": 0}
    body.update(outer)
    body.setdefault("comment", {"id": "UgzAbc", "snippet": snippet})
    return RawItem("youtube", json.dumps(body).encode(), received_at=NOW)


def good_snippet(**changes: Any) -> dict[str, Any]:
    snippet = comment("UgzAbc", VIDEO_A, NOW - 60, "Acme is great", likes=7)["snippet"]
    snippet.update(changes)
    return {k: v for k, v in snippet.items() if v is not None}


def test_youtube_normalizer_reads_comments_replies_and_edits() -> None:
    post = normalize_youtube(wrapped(good_snippet(), totalReplyCount=2))
    assert (post.native_id, post.text, post.created_at) == ("UgzAbc", "Acme is great", NOW - 60)
    assert post.url == f"https://www.youtube.com/watch?v={VIDEO_A}&lc=UgzAbc"
    assert (post.author.handle, post.author.name) == ("casey_ex", "@casey_ex")
    assert (post.engagement.likes, post.engagement.replies) == (7, 2)
    assert post.reply_to is None
    reply = normalize_youtube(
        wrapped(
            {},
            totalReplyCount=None,
            comment={"id": "UgzParent.r1", "snippet": good_snippet(parentId="UgzParent")},
        )
    )
    assert reply.reply_to == "youtube:UgzParent"
    assert reply.engagement.replies == 0
    edited = normalize_youtube(
        wrapped(good_snippet(textOriginal="Acme is great!", updatedAt=iso(NOW)))
    )
    assert (edited.native_id, edited.text) == ("UgzAbc", "Acme is great!")  # the same post
    named = normalize_youtube(
        wrapped(good_snippet(authorDisplayName="Casey Example", textOriginal=None))
    )
    assert (named.author.handle, named.author.name) == ("UCfakeauthor00000000000B", "Casey Example")
    assert named.text == "Acme is great"  # textDisplay when textOriginal is missing


@pytest.mark.parametrize(
    ("item", "reason"),
    [
        (RawItem("youtube", b"not json", received_at=NOW), "not JSON"),
        (wrapped({}, comment=None), "comment: missing"),
        (wrapped(good_snippet(publishedAt="soon")), "comment.snippet.publishedAt: not a date"),
        (wrapped(good_snippet(publishedAt=None)), "comment.snippet.publishedAt: missing"),
        (wrapped(good_snippet(textOriginal="", textDisplay="  ")), "no text"),
        (
            wrapped(good_snippet(authorDisplayName="Jo Smith", authorChannelId=None)),
            "no author",
        ),
        (wrapped(good_snippet(likeCount=-1)), "likeCount"),
        (wrapped(good_snippet(), videoId="bad id!"), "videoId: not a YouTube video id"),
        (
            wrapped({}, comment={"id": "Ugz<script>", "snippet": good_snippet()}),
            "comment.id: not a YouTube comment id",
        ),
        (
            wrapped(good_snippet(textOriginal="y" * (MAX_TEXT_CHARS + 1))),
            "longer than 100000 characters",
        ),
    ],
)
def test_youtube_normalizer_rejects_malformed_comments(item: RawItem, reason: str) -> None:
    with pytest.raises(RejectError, match=reason):
        normalize_youtube(item)


@settings(max_examples=200, deadline=None)
@given(
    nested_json_or_bytes(
        [
            "videoId",
            "totalReplyCount",
            "comment",
            "id",
            "snippet",
            "textOriginal",
            "textDisplay",
            "publishedAt",
            "authorDisplayName",
            "authorChannelId",
            "value",
            "likeCount",
            "parentId",
        ],
        max_bytes=200,
        max_keys=5,
    )
)
def test_youtube_normalizer_gives_a_post_or_a_reject_for_any_bytes(payload: bytes) -> None:
    outcome = normalize(RawItem("youtube", payload, received_at=0.0))
    if isinstance(outcome, Reject):
        assert outcome.reason
    else:
        assert isinstance(outcome, Post)
        assert outcome.text
        assert math.isfinite(outcome.created_at)
