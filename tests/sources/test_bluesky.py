"""The Bluesky Jetstream connector against a fake Jetstream and a fake AppView on loopback:
posts arrive wrapped with their author's profile, a killed server or a restart from the
checkpoint loses nothing, compression works with a dictionary, check() says what is wrong,
the profile lookups never hold the stream, and the normalizer reads what the connector
yields (bad items become rejects with a reason)."""

from __future__ import annotations

import asyncio
import json
import random
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import msgspec
import pytest
from hypothesis import given, settings

from signalroom.bus.memory import MemoryBroadcaster
from signalroom.clock import ManualClock, SystemClock
from signalroom.config import PipelineConfig
from signalroom.errors import ConfigError, RejectError
from signalroom.models import Post, RawItem, Reject, TopicDraft
from signalroom.nlp import Enricher
from signalroom.pipeline.normalizers.bluesky import normalize_bluesky
from signalroom.pipeline.normalizers.change import Tombstone
from signalroom.pipeline.runner import Pipeline
from signalroom.sources.backoff import ReconnectPolicy
from signalroom.sources.base import SourceCheck
from signalroom.sources.bluesky import (
    ZSTD_DICTIONARY_ID,
    BlueskySettings,
    JetstreamSource,
    dictionary_url,
)
from signalroom.sources.bluesky_profiles import UNKNOWN_ACCOUNT, Profile, ProfileCache
from signalroom.sources.deps import SourceDeps
from signalroom.store.base import PostQuery, WriteResult
from signalroom.store.sqlite import SqliteStore
from tests.sources.fakes.driver import make_deps, read_until, run, take, until
from tests.sources.fakes.jetstream import (
    FakeAppView,
    FakeJetstream,
    ThreadedFakes,
    other_event,
    post_event,
    train_dictionary,
)
from tests.sources.fakes.payloads import nested_json_or_bytes

T0 = 1_787_140_000_000_000
"""time_us of the first event in the tests (2026-08-19)."""
FAST = ReconnectPolicy(first_s=0.01, max_s=0.05, auth_retry_s=0.05)
DID_A = "did:plc:aaaaaaaaaaaaaaaaaaaaaaaa"
DID_B = "did:plc:bbbbbbbbbbbbbbbbbbbbbbbb"


def deps(clock: ManualClock | None = None) -> SourceDeps:
    return make_deps(clock or ManualClock(T0 / 1e6), "sky", "bluesky")


def source(
    jetstream: FakeJetstream,
    appview: FakeAppView | None = None,
    dependencies: SourceDeps | None = None,
    **overrides: Any,
) -> JetstreamSource:
    options: dict[str, Any] = {
        "base_url": jetstream.url,
        "appview_url": appview.url if appview else "http://127.0.0.1:9",
        "resolve_profiles": appview is not None,
        "profile_requests_per_s": 100.0,
        "watchdog_s": 5.0,
    }
    options.update(overrides)
    return JetstreamSource(
        "sky",
        BlueskySettings(**options),
        dependencies or deps(),
        policy=FAST,
        rng=random.Random(7),
        check_wait_s=0.3,
    )


def event_of(item: RawItem) -> dict[str, Any]:
    body: dict[str, Any] = json.loads(item.payload)
    return body


def ids(items: list[RawItem]) -> set[str]:
    return {normalize_bluesky(i).native_id for i in items}


def normalized(item: RawItem) -> Post | Reject:
    try:
        return normalize_bluesky(item)
    except RejectError as err:
        return Reject(item.source, err.reason, item.payload, item.received_at)


def test_bluesky_stream_yields_posts_wrapped_with_resolved_profiles() -> None:
    async def scenario() -> list[RawItem]:
        jetstream, appview = FakeJetstream(), FakeAppView()
        appview.add_profile(DID_A, "casey.example", 18_422, "Casey Example")
        await jetstream.start()
        await appview.start()
        jetstream.add(post_event(DID_A, "3k001", T0 + 1_000_000, "first acme post", langs=["en"]))
        jetstream.add(other_event(DID_A, T0 + 1_500_000, "like"))
        jetstream.add(other_event(DID_A, T0 + 1_600_000, "delete"))
        jetstream.add(other_event(DID_B, T0 + 1_700_000, "account"))
        jetstream.add(post_event(DID_B, "3k002", T0 + 2_000_000, "second acme post"))
        stream = source(jetstream, appview, profile_wait_ms=2_000).stream(str(T0))
        try:
            return await take(stream, 3)
        finally:
            await stream.aclose()
            await jetstream.stop()
            await appview.stop()

    # Likes and account events are skipped; a post's deletion is passed on (the store
    # removes the post if it kept it).
    first, deleted, second = run(scenario())
    tombstone = normalize_bluesky(deleted)
    assert isinstance(tombstone, Tombstone)
    assert deleted.checkpoint == str(T0 + 1_600_000)
    assert event_of(first)["profile"] == {
        "handle": "casey.example",
        "displayName": "Casey Example",
        "followersCount": 18_422,
    }
    assert event_of(first)["event"]["commit"]["rkey"] == "3k001"
    assert first.checkpoint == str(T0 + 1_000_000)
    assert second.checkpoint == str(T0 + 2_000_000)
    post = normalize_bluesky(first)
    assert isinstance(post, Post)
    assert post.native_id == f"{DID_A}/3k001"
    assert post.url == f"https://bsky.app/profile/{DID_A}/post/3k001"
    assert (post.author.handle, post.author.name, post.author.followers) == (
        "casey.example",
        "Casey Example",
        18_422,
    )
    assert post.created_at == (T0 + 1_000_000) / 1e6
    assert post.lang_hint == "en"
    # The AppView does not know DID_B: the post goes with its DID and no followers.
    assert event_of(second)["profile"] is None
    assert normalize_bluesky(second).author.handle == DID_B


def test_bluesky_stream_loses_nothing_when_the_server_dies_mid_stream() -> None:
    posts = [post_event(DID_A, f"3k{n:03d}", T0 + n * 100_000, f"post {n}") for n in range(60)]
    # Out of order by a few ms, and a duplicate, as real instances deliver.
    posts[10], posts[11] = posts[11], posts[10]
    sent = [*posts[:30], posts[5]]
    later = posts[30:]

    async def scenario() -> tuple[list[RawItem], FakeJetstream, JetstreamSource]:
        jetstream = FakeJetstream()
        await jetstream.start()
        for event in sent:
            jetstream.add(event)
        connector = source(jetstream)
        stream = connector.stream(str(T0))
        try:
            got = await take(stream, 20)
            await jetstream.stop()  # abrupt: no close frame
            for event in later:
                jetstream.add(event)
            await jetstream.start()
            wanted = {f"{DID_A}/{p['commit']['rkey']}" for p in posts}
            got += await take(stream, 10_000, until=lambda more: wanted <= ids(got + more))
            return got, jetstream, connector
        finally:
            await stream.aclose()
            await jetstream.stop()

    got, jetstream, _ = run(scenario())
    assert ids(got) == {f"{DID_A}/3k{n:03d}" for n in range(60)}
    # It reconnected with a cursor rewound from the last event it had seen.
    cursors = [int(r["cursor"][0]) for r in jetstream.requests if "cursor" in r]
    assert len(cursors) >= 2
    assert cursors[-1] <= max(int(i.checkpoint or 0) for i in got[:20])


def test_bluesky_restart_from_checkpoint_resumes_with_a_rewind() -> None:
    posts = [post_event(DID_A, f"3k{n:03d}", T0 + n * 1_000_000, f"post {n}") for n in range(30)]

    async def scenario() -> tuple[list[RawItem], list[RawItem]]:
        jetstream = FakeJetstream()
        await jetstream.start()
        for event in posts:
            jetstream.add(event)
        try:
            first = source(jetstream).stream(str(T0))
            before = await take(first, 12)
            await first.aclose()
            again = source(jetstream).stream(before[-1].checkpoint)
            after = await take(again, 10_000, until=lambda more: "3k029" in str(more[-1].payload))
            await again.aclose()
            return before, after
        finally:
            await jetstream.stop()

    before, after = run(scenario())
    assert ids(before) | ids(after) == {f"{DID_A}/3k{n:03d}" for n in range(30)}
    checkpoint = int(before[-1].checkpoint or 0)
    # Rewound 5 s: the items just before the checkpoint come again (the pipeline dedupes).
    assert int(after[0].checkpoint or 0) <= checkpoint - 4_000_000
    assert len(after) == 30 - 12 + 6  # from 5 s before the checkpoint, inclusive


def test_bluesky_stream_reads_zstd_frames_with_the_dictionary(tmp_path: Any) -> None:
    dictionary = train_dictionary()
    path = tmp_path / "jetstream.zdict"
    path.write_bytes(dictionary)

    async def scenario() -> list[RawItem]:
        jetstream = FakeJetstream(dictionary=dictionary)
        await jetstream.start()
        for n in range(5):
            jetstream.add(post_event(DID_A, f"3k{n:03d}", T0 + n, f"compressed post {n}"))
        stream = source(jetstream, compress=True, zstd_dictionary=str(path)).stream(str(T0))
        try:
            return await take(stream, 5)
        finally:
            await stream.aclose()
            await jetstream.stop()

    got = run(scenario())
    assert [normalize_bluesky(i).text for i in got] == [f"compressed post {n}" for n in range(5)]


def test_bluesky_stream_reports_a_wrong_dictionary_as_failing(tmp_path: Any) -> None:
    path = tmp_path / "other.zdict"
    samples = [json.dumps({"other": n, "shape": "x" * (n % 50)}).encode() for n in range(300)]
    import zstandard

    path.write_bytes(zstandard.train_dictionary(2048, samples).as_bytes())
    dependencies = deps()

    async def scenario() -> None:
        jetstream = FakeJetstream(dictionary=train_dictionary())
        await jetstream.start()
        jetstream.add(post_event(DID_A, "3k001", T0 + 1, "compressed"))
        stream = source(
            jetstream, None, dependencies, compress=True, zstd_dictionary=str(path)
        ).stream(str(T0))
        try:
            await read_until(stream, lambda: dependencies.health.state == "failing")
        finally:
            await jetstream.stop()

    run(scenario())
    assert "dictionary" in dependencies.health.snapshot().detail


def test_bluesky_compress_fetches_the_hosts_dictionary_when_none_is_local() -> None:
    dependencies = deps()

    async def scenario() -> tuple[list[RawItem], FakeJetstream, str]:
        jetstream = FakeJetstream(dictionary=train_dictionary(ZSTD_DICTIONARY_ID))
        jetstream.serves_dictionary = True
        await jetstream.start()
        for n in range(5):
            jetstream.add(post_event(DID_A, f"3k{n:03d}", T0 + n, f"zstd post {n}"))
        made = source(jetstream, None, dependencies, compress=True)
        verdict = await made.check()
        stream = made.stream(str(T0))
        try:
            return await take(stream, 5), jetstream, verdict.detail
        finally:
            await stream.aclose()
            await jetstream.stop()

    got, jetstream, verdict = run(scenario())
    assert [normalize_bluesky(i).text for i in got] == [f"zstd post {n}" for n in range(5)]
    # Fetched once (by check), then every connection asked for zstd frames.
    assert jetstream.dictionary_requests == 1
    subscribes = [r for r in jetstream.requests if "maxMessageSizeBytes" in r]
    assert subscribes
    assert all(r.get("compress") == ["true"] for r in subscribes)
    assert "(zstd)" in verdict


@pytest.mark.parametrize("served", ["nothing", "another dictionary"])
def test_bluesky_compress_goes_uncompressed_when_the_host_has_no_dictionary(served: str) -> None:
    dependencies = deps()

    async def scenario() -> tuple[list[RawItem], FakeJetstream]:
        jetstream = FakeJetstream(dictionary=train_dictionary())
        jetstream.serves_dictionary = served != "nothing"
        await jetstream.start()
        for n in range(3):
            jetstream.add(post_event(DID_A, f"3k{n:03d}", T0 + n, f"plain post {n}"))
        stream = source(jetstream, None, dependencies, compress=True).stream(str(T0))
        try:
            return await take(stream, 3), jetstream
        finally:
            await stream.aclose()
            await jetstream.stop()

    got, jetstream = run(scenario())
    # Nothing is lost: the posts come uncompressed, and health says why.
    assert [normalize_bluesky(i).text for i in got] == [f"plain post {n}" for n in range(3)]
    assert all("compress" not in r for r in jetstream.requests if "maxMessageSizeBytes" in r)
    detail = dependencies.health.snapshot().detail
    assert "uncompressed" in detail
    assert ("1612007021" in detail) == (served != "nothing")


def test_bluesky_dictionary_url_is_the_hosts_xrpc_query() -> None:
    assert dictionary_url("wss://jetstream2.us-east.bsky.network") == (
        "https://jetstream2.us-east.bsky.network/xrpc/network.bsky.jetstream.getZstdDictionary"
    )
    assert dictionary_url("ws://127.0.0.1:9000/") == (
        "http://127.0.0.1:9000/xrpc/network.bsky.jetstream.getZstdDictionary"
    )


def test_bluesky_compress_with_an_unreadable_dictionary_path_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="cannot read"):
        JetstreamSource(
            "sky", BlueskySettings(compress=True, zstd_dictionary="/nonexistent/zdict"), deps()
        )


def test_bluesky_settings_refuse_bad_collections_and_dids() -> None:
    with pytest.raises(ConfigError, match=r"wanted_collections\[0\]"):
        JetstreamSource("sky", BlueskySettings(wanted_collections=("app.bsky.feed.po*",)), deps())
    with pytest.raises(ConfigError, match=r"must include app\.bsky\.feed\.post"):
        JetstreamSource("sky", BlueskySettings(wanted_collections=("app.bsky.graph.*",)), deps())
    with pytest.raises(ConfigError, match=r"wanted_dids\[1\]"):
        JetstreamSource("sky", BlueskySettings(wanted_dids=(DID_A, "alice")), deps())
    with pytest.raises(msgspec.ValidationError):
        msgspec.convert({"host": "jetstream.example.com"}, BlueskySettings)


def test_bluesky_stream_filters_languages_and_sends_wanted_dids() -> None:
    async def scenario() -> tuple[list[RawItem], FakeJetstream]:
        jetstream = FakeJetstream()
        await jetstream.start()
        jetstream.add(post_event(DID_A, "3k001", T0 + 1, "in dutch", langs=["nl"]))
        jetstream.add(post_event(DID_A, "3k002", T0 + 2, "in english", langs=["en-GB"]))
        jetstream.add(post_event(DID_A, "3k003", T0 + 3, "no language declared"))
        jetstream.add(post_event(DID_B, "3k004", T0 + 4, "someone else", langs=["en"]))
        jetstream.add(post_event(DID_A, "3k005", T0 + 5, "", langs=["en"]))  # nothing to read
        jetstream.add(post_event(DID_A, "3k006", T0 + 6, "last", langs=["en"]))
        stream = source(jetstream, langs=("en",), wanted_dids=(DID_A,)).stream(str(T0))
        try:
            return await take(stream, 3), jetstream
        finally:
            await stream.aclose()
            await jetstream.stop()

    got, jetstream = run(scenario())
    assert [normalize_bluesky(i).text for i in got] == [
        "in english",
        "no language declared",
        "last",
    ]
    assert jetstream.requests[0]["wantedDids"] == [DID_A]
    assert jetstream.requests[0]["wantedCollections"] == ["app.bsky.feed.post"]


def test_bluesky_malformed_events_become_rejects_with_reasons() -> None:
    bad_text = post_event(DID_A, "3k002", T0 + 2)
    bad_text["commit"]["record"]["text"] = 42
    no_record = post_event(DID_A, "3k003", T0 + 3)
    del no_record["commit"]["record"]
    bad_did = post_event("alice", "3k004", T0 + 4, "hi")
    oversized = post_event(DID_A, "3k005", T0 + 5, "x" * 1_100_000)

    async def scenario() -> list[RawItem]:
        jetstream = FakeJetstream()
        await jetstream.start()
        jetstream.add(b"{not json", time_us=T0 + 1)
        for event in (bad_text, no_record, bad_did, oversized):
            jetstream.add(event)
        jetstream.add(post_event(DID_A, "3k006", T0 + 6, "fine"))
        stream = source(jetstream).stream(str(T0))
        try:
            return await take(stream, 5)
        finally:
            await stream.aclose()
            await jetstream.stop()

    outcomes = [normalized(i) for i in run(scenario())]
    reasons = [o.reason for o in outcomes if isinstance(o, Reject)]
    assert reasons[0].startswith("not JSON")
    assert reasons[1] == "event.commit.record.text: expected str, got int"
    assert reasons[2] == "event.commit.record: missing"
    assert reasons[3] == "event.did: not a DID: 'alice'"
    # The oversized event is skipped by the server (maxMessageSizeBytes); the rest flows.
    assert isinstance(outcomes[-1], Post)
    assert outcomes[-1].text == "fine"


def test_bluesky_profiles_never_hold_the_stream_when_the_appview_is_slow() -> None:
    async def scenario() -> tuple[list[RawItem], float]:
        jetstream, appview = FakeJetstream(), FakeAppView()
        appview.add_profile(DID_A, "casey.example", 5)
        appview.release = asyncio.Event()  # never set: every lookup hangs
        await jetstream.start()
        await appview.start()
        for n in range(20):
            jetstream.add(post_event(DID_A, f"3k{n:03d}", T0 + n, f"post {n}"))
        stream = source(jetstream, appview, profile_wait_ms=100).stream(str(T0))
        loop = asyncio.get_running_loop()
        started = loop.time()
        try:
            got = await take(stream, 20)
            return got, loop.time() - started
        finally:
            await stream.aclose()
            await jetstream.stop()
            await appview.stop()

    got, elapsed = run(scenario())
    assert all(event_of(i)["profile"] is None for i in got)
    # Only the first post waited (100 ms); the others had the same DID already in flight
    # and waited no longer than it did.
    assert elapsed < 2.0


def test_bluesky_profiles_pause_when_the_appview_rate_limits() -> None:
    clock = ManualClock(T0 / 1e6)
    dependencies = deps(clock)

    async def scenario() -> tuple[list[RawItem], JetstreamSource, FakeAppView]:
        jetstream, appview = FakeJetstream(), FakeAppView()
        appview.force_status = 429
        appview.reset_at = clock.now() + 120
        await jetstream.start()
        await appview.start()
        for n in range(30):
            jetstream.add(post_event(f"did:plc:author{n:016d}", f"3k{n:03d}", T0 + n, f"p {n}"))
        connector = source(jetstream, appview, dependencies, profile_wait_ms=50)
        stream = connector.stream(str(T0))
        try:
            return await take(stream, 30), connector, appview
        finally:
            await stream.aclose()
            await jetstream.stop()
            await appview.stop()

    got, connector, appview = run(scenario())
    assert len(got) == 30
    assert all(event_of(i)["profile"] is None for i in got)
    assert appview.batches == []  # every answer was a 429
    # One request, then it waited for the reset instead of hammering the AppView.
    assert appview.hits == 1
    assert connector.skipped == 0


def test_bluesky_profile_lookups_are_batched_by_25() -> None:
    async def scenario() -> FakeAppView:
        jetstream, appview = FakeJetstream(), FakeAppView()
        dids = [f"did:plc:author{n:016d}" for n in range(60)]
        for n, did in enumerate(dids):
            appview.add_profile(did, f"author{n}.example", n)
        await jetstream.start()
        await appview.start()
        for n, did in enumerate(dids):
            jetstream.add(post_event(did, f"3k{n:03d}", T0 + n, f"p {n}"))
        stream = source(jetstream, appview, profile_wait_ms=2_000).stream(str(T0))
        try:
            got = await take(stream, 60)
        finally:
            await stream.aclose()
            await jetstream.stop()
            await appview.stop()
        assert all(event_of(i)["profile"] is not None for i in got[1:])
        return appview

    appview = run(scenario())
    assert max(len(b) for b in appview.batches) == 25
    assert sum(len(b) for b in appview.batches) == 60


def test_profile_cache_is_bounded_and_expires() -> None:
    clock = ManualClock()
    cache = ProfileCache(clock, max_entries=2, ttl_s=60, miss_ttl_s=10)
    cache.put("a", Profile("a.example"))
    cache.put("b", UNKNOWN_ACCOUNT)
    assert cache.get("a") == Profile("a.example")  # a is now the most recently used
    cache.put("c", Profile("c.example"))
    assert cache.get("b") is None  # evicted: least recently used
    assert len(cache) == 2
    clock.advance(61)
    assert cache.get("a") is None
    assert cache.get("c") is None


def test_bluesky_check_says_what_is_wrong() -> None:
    async def scenario() -> list[tuple[bool, str]]:
        jetstream, appview = FakeJetstream(), FakeAppView()
        await jetstream.start()
        await appview.start()
        connector = source(jetstream, appview)
        verdicts = []
        try:
            verdicts.append(await connector.check())
            jetstream.force_status = 403
            verdicts.append(await connector.check())
            jetstream.force_status = 429
            verdicts.append(await connector.check())
            jetstream.force_status = None
            appview.force_status = 429
            verdicts.append(await connector.check())
        finally:
            await jetstream.stop()
            await appview.stop()
        verdicts.append(await connector.check())  # nothing listens any more
        return [(v.ok, v.detail) for v in verdicts]

    ok, forbidden, limited, appview_limited, refused = run(scenario())
    assert ok[0] is True
    assert "profiles resolve" in ok[1]
    assert forbidden == (False, forbidden[1])
    assert "refused (HTTP 403)" in forbidden[1]
    assert limited[0] is False
    assert "rate limited (HTTP 429)" in limited[1]
    assert appview_limited[0] is False
    assert "AppView" in appview_limited[1]
    assert "rate limited" in appview_limited[1]
    assert refused[0] is False
    assert "connection refused" in refused[1]


def test_bluesky_stream_reports_refusal_as_auth_failed() -> None:
    dependencies = deps()

    async def scenario() -> None:
        jetstream = FakeJetstream()
        jetstream.force_status = 401
        await jetstream.start()
        stream = source(jetstream, None, dependencies).stream(None)
        try:
            await read_until(stream, lambda: dependencies.health.state == "auth_failed")
        finally:
            await jetstream.stop()

    run(scenario())
    assert "HTTP 401" in dependencies.health.snapshot().detail


def wrapped(event: dict[str, Any], profile: dict[str, Any] | None = None) -> RawItem:
    payload = json.dumps({"profile": profile, "event": event}).encode()
    return RawItem(source="bluesky", payload=payload, received_at=1.0)


def test_bluesky_normalizer_reads_replies_quotes_images_and_cards() -> None:
    parent = f"at://{DID_B}/app.bsky.feed.post/3parent"
    event = post_event(
        DID_A,
        "3k001",
        T0,
        "",
        reply={"root": {"uri": parent, "cid": "c"}, "parent": {"uri": parent, "cid": "c"}},
        embed={
            "$type": "app.bsky.embed.recordWithMedia",
            "record": {"record": {"uri": f"at://{DID_B}/app.bsky.feed.post/3quoted", "cid": "c"}},
            "media": {
                "$type": "app.bsky.embed.images",
                "images": [
                    {
                        "image": {"$type": "blob", "ref": {"$link": "bafkreiimage1"}},
                        "alt": "A red phone on a table",
                    }
                ],
            },
        },
    )
    post = normalize_bluesky(wrapped(event, {"handle": "handle.invalid", "followersCount": 3}))
    assert post.text == "A red phone on a table"
    assert post.reply_to == f"bluesky:{DID_B}/3parent"
    assert post.quote_of == f"bluesky:{DID_B}/3quoted"
    assert post.media == (
        f"https://cdn.bsky.app/img/feed_fullsize/plain/{DID_A}/bafkreiimage1@jpeg",
    )
    assert post.author.handle == DID_A  # handle.invalid is no handle
    assert post.author.followers == 3

    card = post_event(
        DID_A,
        "3k002",
        T0,
        "read this",
        embed={
            "$type": "app.bsky.embed.external",
            "external": {
                "uri": "https://acme.example/n",
                "title": "Release\nnotes",
                "description": "d",
            },
        },
        langs=["pt-BR"],
    )
    post = normalize_bluesky(wrapped(card))
    assert (post.text, post.title, post.lang_hint) == ("read this", "Release notes", "pt")


def test_bluesky_normalizer_rejects_what_is_not_a_post_create() -> None:
    cases = {
        "event.kind: not a commit: 'identity'": other_event(DID_A, T0, "identity"),
        "event.commit: not a post create: 'create' of 'app.bsky.feed.like'": other_event(
            DID_A, T0, "like"
        ),
        "event.time_us: out of range 2023..2100: 5": post_event(DID_A, "3k", 5, "x"),
        "event.commit.rkey: not a record key: 'a/b'": post_event(DID_A, "a/b", T0, "x"),
        "text: empty and no link card or image description": post_event(DID_A, "3k", T0, " "),
    }
    for reason, event in cases.items():
        with pytest.raises(RejectError) as caught:
            normalize_bluesky(wrapped(event))
        assert caught.value.reason == reason
    with pytest.raises(RejectError, match=r"profile\.followersCount"):
        normalize_bluesky(
            wrapped(post_event(DID_A, "3k", T0, "x"), {"handle": "h", "followersCount": -1})
        )


@settings(max_examples=300, deadline=None)
@given(
    nested_json_or_bytes(
        [
            "event",
            "profile",
            "did",
            "time_us",
            "kind",
            "commit",
            "record",
            "text",
            "rkey",
            "operation",
            "collection",
            "embed",
            "handle",
        ],
        max_bytes=400,
        max_keys=5,
    )
)
def test_bluesky_normalizer_turns_any_bytes_into_a_post_or_a_reject(payload: bytes) -> None:
    outcome = normalized(RawItem(source="bluesky", payload=payload, received_at=1.0))
    assert isinstance(outcome, Post | Reject)


RATE_PER_S = 2_000
DURATION_S = 30
AUTHORS = 2_000


class _Measured:
    """Wraps the connector: records each item's lag at yield (fake send time, carried as the
    item's ``time_us`` checkpoint, to now) and stops the pipeline after the last one."""

    def __init__(self, inner: JetstreamSource, total: int, pipeline: Pipeline) -> None:
        self.inner, self.total, self.pipeline = inner, total, pipeline
        self.lags_s: list[float] = []
        self.count = 0

    @property
    def name(self) -> str:
        return self.inner.name

    @property
    def kind(self) -> str:
        return self.inner.kind

    async def check(self) -> SourceCheck:
        return await self.inner.check()

    async def stream(self, since: str | None) -> AsyncIterator[RawItem]:
        async for item in self.inner.stream(since):
            self.lags_s.append(time.time() - int(item.checkpoint or 0) / 1e6)
            self.count += 1
            yield item
            if self.count >= self.total:
                self.pipeline.stop()
                return


def _load_event(n: int, time_us: int) -> dict[str, Any]:
    text = f"the acme phone {n} is great" if n % 10 == 0 else f"just a post number {n}"
    return post_event(f"did:plc:load{n % AUTHORS:016d}", f"3l{n:012d}", time_us, text)


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def test_bluesky_keeps_up_with_2000_posts_per_second_through_the_pipeline(
    tmp_path: Path,
) -> None:
    total = RATE_PER_S * DURATION_S
    jetstream, appview = FakeJetstream(), FakeAppView()
    for n in range(AUTHORS):
        appview.add_profile(f"did:plc:load{n:016d}", f"author{n}.example", n)
    store = SqliteStore.open(tmp_path / "signalroom.db")
    store.create_topic(TopicDraft(name="Acme", query="acme"), time.time())
    stored_lags_s: list[float] = []

    def on_commit(result: WriteResult, committed_at: float) -> None:
        stored_lags_s.extend(committed_at - i.post.created_at for i in result.inserted)

    pipeline = Pipeline(
        store, MemoryBroadcaster(), Enricher.load(), SystemClock(), PipelineConfig(), on_commit
    )

    async def scenario(fakes: ThreadedFakes) -> _Measured:
        dependencies = make_deps(SystemClock(), "sky", "bluesky")
        connector = JetstreamSource(
            "sky",
            BlueskySettings(base_url=jetstream.url, appview_url=appview.url),
            dependencies,
            policy=FAST,
        )
        measured = _Measured(connector, total, pipeline)
        running = asyncio.ensure_future(pipeline.run([measured]))
        await until(lambda: jetstream.connections > 0)
        pump = asyncio.run_coroutine_threadsafe(
            jetstream.pump(RATE_PER_S, DURATION_S, _load_event), fakes.loop
        )
        async with asyncio.timeout(DURATION_S + 60):
            assert await asyncio.wrap_future(pump) == total
            await running
        return measured

    try:
        with ThreadedFakes(jetstream, appview).running() as fakes:
            measured = asyncio.run(scenario(fakes))
        stored = store.query_posts(PostQuery(limit=1)).items
    finally:
        store.close()

    assert measured.count == total
    assert len(stored_lags_s) == total // 10  # every matching post, stored once
    assert stored
    assert stored[0].post.author.handle.endswith(".example")
    p50, p99 = _percentile(measured.lags_s, 0.5), _percentile(measured.lags_s, 0.99)
    s50, s99 = _percentile(stored_lags_s, 0.5), _percentile(stored_lags_s, 0.99)
    print(  # read with pytest -s; the numbers go into docs/sources.md
        f"\nbluesky {RATE_PER_S}/s for {DURATION_S} s: yield lag p50 {p50 * 1000:.0f} ms, "
        f"p99 {p99 * 1000:.0f} ms; stored lag p50 {s50 * 1000:.0f} ms, p99 {s99 * 1000:.0f} ms"
    )
    # Keeping up: no backlog builds (a lag that grew with time would reach seconds).
    assert p99 < 5.0
