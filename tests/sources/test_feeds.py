"""The ``rss`` source against a fake feed host on loopback: conditional GET, no re-flood and
no loss across restarts and server crashes, polite per-host pacing, Google News searches
from topics, outlets and their reach, check() verdicts, and the normalizer's rejects."""

from __future__ import annotations

import asyncio
import itertools
import json
from collections.abc import Awaitable, Callable
from typing import Any

import msgspec
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from signalroom.clock import ManualClock
from signalroom.errors import ConfigError, RejectError
from signalroom.models import RawItem
from signalroom.pipeline.normalizers.html_text import html_to_text
from signalroom.pipeline.normalizers.rss import normalize_rss
from signalroom.pipeline.topics import OUTLET_SOURCES, TopicIndex
from signalroom.sources.feed_item import FeedItem, entry_native_id
from signalroom.sources.feeds import KIND, FeedSource, GoogleNewsSettings, RssSettings, build
from signalroom.sources.outlets import DEFAULT_OUTLET_REACH, OUTLET_REACH, outlet_reach
from tests.sources.fakes.driver import FakeSleep, collect, make_deps, outage, topic
from tests.sources.fakes.feeds import Entry, FakeFeedHost, Feed, news_entry

NOW = 1_787_140_000.0


def entries(count: int, start: int = 0, prefix: str = "https://tribune.example/a/") -> list[Entry]:
    return [
        Entry(
            guid=f"{prefix}{n}",
            title=f"Acme news {n}",
            link=f"{prefix}{n}",
            description=f"<p>Acme did <b>thing</b> number {n} &amp; more.</p>",
            published=NOW - 3600 + n * 60,
            guid_is_link=True,
        )
        for n in range(start, start + count)
    ]


def run(test: Callable[[FakeFeedHost, ManualClock], Awaitable[None]]) -> None:
    async def main() -> None:
        host = FakeFeedHost()
        await host.server.start()
        try:
            await test(host, ManualClock(NOW))
        finally:
            host.release_slow.set()
            await host.server.stop()

    asyncio.run(main())


def source(
    host: FakeFeedHost, clock: ManualClock, sleep: FakeSleep, **overrides: Any
) -> FeedSource:
    values: dict[str, Any] = {"feeds": (f"{host.server.base}/tribune.xml",), "timeout_s": 2.0}
    values.update(overrides)
    topics = values.pop("topics", ())
    deps = make_deps(clock, "press", "rss", topics=topics)
    return FeedSource("press", RssSettings(**values), deps, sleep=sleep)


def titles(items: list[RawItem]) -> list[str]:
    return [msgspec.json.decode(i.payload, type=FeedItem).title for i in items]


def test_feed_source_yields_new_entries_once_and_sends_validators_back() -> None:
    async def test(host: FakeFeedHost, clock: ManualClock) -> None:
        feed = host.feeds["tribune.xml"] = Feed("Example Tribune", "https://tribune.example/")
        feed.add(*entries(3))

        async def hook(_: int) -> None:
            if host.not_modified == 1 and len(feed.entries) == 3:
                feed.add(*entries(2, start=3))

        sleep = FakeSleep(clock, budget=4, hook=hook)
        items = await collect(source(host, clock, sleep).stream(None))
        assert titles(items) == [f"Acme news {n}" for n in range(5)]
        assert host.not_modified >= 1
        conditional = [r for r in host.server.requests if "if-none-match" in r.headers]
        assert conditional
        assert conditional[0].headers["if-none-match"] == '"v1-3"'
        assert "if-modified-since" in conditional[0].headers
        assert sleep.waits[0] >= 3600  # one poll an hour by default
        assert all(i.source == "rss" for i in items)

    run(test)


def test_feed_source_restart_from_each_checkpoint_neither_refloods_nor_misses() -> None:
    async def test(host: FakeFeedHost, clock: ManualClock) -> None:
        feed = host.feeds["tribune.xml"] = Feed("Example Tribune", "https://tribune.example/")
        feed.add(*entries(5))
        first = await collect(source(host, clock, FakeSleep(clock, 1)).stream(None), limit=2)
        assert titles(first) == ["Acme news 0", "Acme news 1"]
        # A crash after the second item: the checkpoint still holds no validators, so the
        # feed is fetched again and only what was not yielded comes out.
        rest = await collect(source(host, clock, FakeSleep(clock, 0)).stream(first[-1].checkpoint))
        assert titles(rest) == ["Acme news 2", "Acme news 3", "Acme news 4"]
        assert json.loads(first[-1].checkpoint or "")["f"]
        full_before = host.full
        clock.advance(4000)
        again = await collect(source(host, clock, FakeSleep(clock, 0)).stream(rest[-1].checkpoint))
        assert again == []
        assert host.full == full_before  # the last checkpoint carried the ETag: a 304
        assert host.not_modified == 1

    run(test)


def test_feed_source_every_entry_arrives_once_when_the_host_crashes_and_returns() -> None:
    async def test(host: FakeFeedHost, clock: ManualClock) -> None:
        feed = host.feeds["tribune.xml"] = Feed("Example Tribune", "https://tribune.example/")
        feed.add(*entries(2))
        hook = outage(host.server, lambda: feed.add(*entries(2, start=2)))
        sleep = FakeSleep(clock, budget=6, hook=hook)
        src = source(host, clock, sleep)
        items = await collect(src.stream(None))
        assert sorted(titles(items)) == [f"Acme news {n}" for n in range(4)]
        # After the failure the feed was retried sooner than its hourly interval.
        assert sleep.waits[1] < 600
        assert src._deps.health.snapshot().errors_total >= 1
        assert src._deps.health.snapshot().status == "connected"

    run(test)


def test_feed_source_spaces_requests_to_one_host_and_honours_retry_after() -> None:
    async def test(host: FakeFeedHost, clock: ManualClock) -> None:
        for name in ("a.xml", "b.xml", "c.xml"):
            host.feeds[name] = Feed(name, "https://tribune.example/")
            host.feeds[name].add(*entries(1, prefix=f"https://tribune.example/{name}/"))
        times: list[float] = []
        handler = host.server.handler

        async def timed(request: Any) -> Any:
            times.append(clock.now())
            return await handler(request)

        host.server.handler = timed
        host.limited_left = 1
        sleep = FakeSleep(clock, budget=5)
        feeds = tuple(f"{host.server.base}/{n}" for n in ("a.xml", "b.xml", "c.xml"))
        src = source(host, clock, sleep, feeds=feeds, host_min_interval_s=30.0)
        items = await collect(src.stream(None), limit=3)
        assert len(items) == 3
        gaps = [b - a for a, b in itertools.pairwise(times)]
        assert gaps[0] >= 120  # Retry-After: 120 after the 429
        assert all(gap >= 30 for gap in gaps)
        assert src._deps.health.snapshot().status == "connected"

    run(test)


def test_feed_source_searches_google_news_for_each_topic_with_outlet_and_reach() -> None:
    async def test(host: FakeFeedHost, clock: ManualClock) -> None:
        search = host.searches["acme corp"] = Feed('"acme corp" - Google News', "https://x")
        search.add(
            news_entry("acme corp", 1, NOW - 600, "Example Tribune", "tribune.example"),
            news_entry("acme corp", 2, NOW - 300, "BBC News", "www.bbc.co.uk"),
        )
        news = GoogleNewsSettings(
            base_url=f"{host.server.base}/rss/search", hl="en-GB", gl="GB", ceid="GB:en"
        )
        topics = [topic(1, "Acme", '"Acme Corp" AND NOT jobs'), topic(2, "Odd", "source:bluesky x")]
        src = source(
            host,
            clock,
            FakeSleep(clock, 1),
            feeds=(),
            google_news=news,
            topics=topics,
            outlet_reach={"tribune.example": 250_000},
        )
        items = await collect(src.stream(None))
        request = next(r for r in host.server.requests if r.path == "/rss/search")
        assert request.query == {
            "q": '"acme corp" -jobs when:1d',
            "hl": "en-GB",
            "gl": "GB",
            "ceid": "GB:en",
        }
        posts = [normalize_rss(i) for i in items]
        assert [p.title for p in posts] == ["Acme Corp story number 1", "Acme Corp story number 2"]
        assert [p.author.handle for p in posts] == ["tribune.example", "bbc.co.uk"]
        assert [p.author.name for p in posts] == ["Example Tribune", "BBC News"]
        assert [p.author.followers for p in posts] == [250_000, OUTLET_REACH["bbc.co.uk"]]
        assert all(p.text == "" for p in posts)  # the description only repeated the title
        assert posts[0].native_id.startswith("127.0.0.1/CBMi")
        assert "Odd" in src.search_notes
        # The links are Google News redirects, yet site: finds the outlet's stories.
        assert all("/rss/articles/" in p.url for p in posts)
        index = TopicIndex([topic(3, "BBC", "site:bbc.co.uk"), topic(4, "Any", "story")])
        assert [index.match(p, "en") for p in posts] == [(4,), (3, 4)]

    run(test)


def test_feed_source_reads_atom_and_rss_into_press_hits() -> None:
    async def test(host: FakeFeedHost, clock: ManualClock) -> None:
        atom = host.atom["atom.xml"] = Feed("Gadget Weekly", "https://gadgets.example/")
        atom.add(*entries(1, prefix="urn:gadgets:"))
        host.feeds["tribune.xml"] = Feed("Example Tribune", "https://www.tribune.example/")
        host.feeds["tribune.xml"].add(*entries(1))
        feeds = (f"{host.server.base}/atom.xml", f"{host.server.base}/tribune.xml")
        items = await collect(source(host, clock, FakeSleep(clock, 1), feeds=feeds).stream(None))
        posts = sorted((normalize_rss(i) for i in items), key=lambda p: p.author.handle)
        assert [p.author.handle for p in posts] == ["gadgets.example", "tribune.example"]
        assert posts[0].native_id == "127.0.0.1/urn:gadgets:0"
        assert posts[1].native_id == "https://tribune.example/a/0"
        assert posts[1].text == "Acme did thing number 0 & more."
        assert posts[1].lang_hint == "en"
        assert posts[1].author.followers == DEFAULT_OUTLET_REACH
        assert posts[1].created_at == NOW - 3600

    run(test)


def test_feed_source_skips_entries_older_than_max_age() -> None:
    async def test(host: FakeFeedHost, clock: ManualClock) -> None:
        feed = host.feeds["tribune.xml"] = Feed("Example Tribune", "https://tribune.example/")
        old = Entry(
            "https://tribune.example/old",
            "Old news",
            NOW - 10 * 86400,
            "https://tribune.example/old",
        )
        feed.add(old, *entries(1))
        items = await collect(source(host, clock, FakeSleep(clock, 1)).stream(None))
        assert titles(items) == ["Acme news 0"]

    run(test)


@pytest.mark.parametrize(
    ("path", "verdict"),
    [
        ("tribune.xml", "ok: "),
        ("missing.xml", "HTTP 404"),
        ("gone.xml", "HTTP 410"),
        ("broken.xml", "not a readable feed"),
        ("huge.xml", "larger than"),
        ("slow.xml", "timed out"),
    ],
)
def test_feed_check_says_what_is_wrong(path: str, verdict: str) -> None:
    async def test(host: FakeFeedHost, clock: ManualClock) -> None:
        host.feeds["tribune.xml"] = Feed("Example Tribune", "https://tribune.example/")
        host.feeds["tribune.xml"].add(*entries(2))
        feeds = (f"{host.server.base}/{path}",)
        src = source(
            host, clock, FakeSleep(clock), feeds=feeds, timeout_s=0.3, max_feed_bytes=1_000_000
        )
        result = await src.check()
        assert verdict in result.detail
        assert result.ok is (verdict == "ok: ")

    run(test)


def test_feed_check_reports_rate_limiting_and_refused_connections() -> None:
    async def test(host: FakeFeedHost, clock: ManualClock) -> None:
        host.limited_left = 1
        limited = await source(host, clock, FakeSleep(clock)).check()
        assert not limited.ok
        assert "HTTP 429" in limited.detail
        await host.server.stop()
        refused = await source(host, clock, FakeSleep(clock)).check()
        assert not refused.ok
        assert "connection refused" in refused.detail

    run(test)


def test_feed_source_follows_a_permanent_redirect_and_stops_polling_a_gone_feed() -> None:
    async def test(host: FakeFeedHost, clock: ManualClock) -> None:
        host.feeds["tribune.xml"] = Feed("Example Tribune", "https://tribune.example/")
        host.feeds["tribune.xml"].add(*entries(1))
        feeds = (f"{host.server.base}/moved.xml", f"{host.server.base}/gone.xml")
        src = source(host, clock, FakeSleep(clock, 3), feeds=feeds, host_min_interval_s=0.0)
        items = await collect(src.stream(None))
        assert titles(items) == ["Acme news 0"]
        paths = [r.path for r in host.server.requests]
        assert paths.count("/gone.xml") == 1
        assert paths.count("/tribune.xml") >= 2  # later polls go straight to the new URL
        assert paths.count("/moved.xml") == 1

    run(test)


def test_feed_settings_are_validated_with_the_key_path() -> None:
    deps = make_deps(ManualClock(), "press", "rss")
    with pytest.raises(ConfigError, match=r"sources.press.google_news.ceid"):
        build("press", RssSettings(google_news=GoogleNewsSettings(hl="de", gl="DE")), deps)
    with pytest.raises(ConfigError, match=r"sources.press.feeds\[0\]"):
        build("press", RssSettings(feeds=("ftp://x",)), deps)
    with pytest.raises(ConfigError, match="give feeds, google_news"):
        build("press", RssSettings(), deps)


def item(**fields: Any) -> RawItem:
    base: dict[str, Any] = {
        "feed_url": "https://tribune.example/feed.xml",
        "guid": "https://tribune.example/a/1?utm_source=rss#top",
        "title": "Acme opens a new plant",
        "outlet": "Example Tribune",
        "outlet_domain": "tribune.example",
        "outlet_reach": 1000,
    }
    base.update(fields)
    return RawItem("rss", json.dumps(base).encode(), received_at=NOW)


def test_rss_normalizer_keeps_a_stable_normalised_id_and_falls_back_to_received_at() -> None:
    post = normalize_rss(item())
    assert post.native_id == "https://tribune.example/a/1"
    assert post.created_at == NOW
    assert post.url == "https://tribune.example/a/1?utm_source=rss#top"  # the permalink guid
    assert post.title == "Acme opens a new plant"
    assert normalize_rss(item(guid="", link="HTTPS://Tribune.Example:443/a/2")).native_id == (
        "https://tribune.example/a/2"
    )
    long_id = normalize_rss(item(guid="https://tribune.example/" + "x" * 300)).native_id
    assert long_id.startswith("sha256:")
    assert len(long_id) < 60


@pytest.mark.parametrize(
    ("payload", "reason"),
    [
        (b"{not json", "not JSON"),
        (b"[1]", "not a JSON object"),
        (
            json.dumps({"feed_url": "x", "outlet": "o", "outlet_domain": "d"}).encode(),
            "outlet_reach: missing",
        ),
        (item(guid="", link="").payload, "neither a guid nor"),
        (item(title="", summary="").payload, "no title and no text"),
        (item(outlet_domain="bad domain").payload, "outlet_domain"),
    ],
)
def test_rss_normalizer_rejects_malformed_items_with_a_reason(payload: bytes, reason: str) -> None:
    with pytest.raises(RejectError, match=reason):
        normalize_rss(RawItem("rss", payload, received_at=NOW))


@settings(max_examples=200, deadline=None)
@given(
    st.binary(max_size=300)
    | st.builds(
        lambda d: json.dumps(d).encode(),
        st.dictionaries(
            st.sampled_from(
                [
                    "feed_url",
                    "guid",
                    "link",
                    "title",
                    "summary",
                    "outlet",
                    "outlet_domain",
                    "outlet_reach",
                    "published_at",
                ]
            ),
            st.one_of(st.text(max_size=20), st.integers(), st.none(), st.floats()),
        ),
    )
)
def test_rss_normalizer_gives_a_post_or_a_reject_for_any_bytes(payload: bytes) -> None:
    reason = "accepted"
    try:
        normalize_rss(RawItem("rss", payload, received_at=NOW))
    except RejectError as err:
        reason = err.reason
    assert reason


def test_html_to_text_keeps_visible_text_only() -> None:
    assert html_to_text("<p>Hello <b>world</b></p><p>Again<br>here</p><script>x()</script>") == (
        "Hello world\n\nAgain\nhere"
    )
    assert html_to_text("a &amp; b&nbsp;c") == "a & b c"
    assert html_to_text("<p unclosed <<>>") is not None


def test_outlet_reach_folds_subdomains_and_prefers_overrides() -> None:
    assert outlet_reach("edition.cnn.com") == OUTLET_REACH["cnn.com"]
    assert outlet_reach("www.bbc.co.uk") == OUTLET_REACH["bbc.co.uk"]
    assert outlet_reach("tiny.example") == DEFAULT_OUTLET_REACH
    assert outlet_reach("news.tiny.example", {"tiny.example": 5}) == 5
    assert all(v == int(f"{str(v)[0]}{'0' * (len(str(v)) - 1)}") for v in OUTLET_REACH.values())


def test_entry_native_id_prefixes_opaque_guids_with_the_feed_host() -> None:
    assert entry_native_id("1", "", "https://a.example/feed") == "a.example/1"
    assert entry_native_id("1", "", "https://b.example/feed") == "b.example/1"
    assert entry_native_id("", "", "https://a.example/feed") is None


def test_feed_posts_are_the_ones_topic_matching_reads_as_outlets() -> None:
    assert frozenset({KIND}) == OUTLET_SOURCES
