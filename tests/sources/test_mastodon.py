"""The Mastodon connector against fake instances on loopback: statuses from SSE streams and
REST catch-up, edits and deletions told apart, a killed server or a restart from the
checkpoint loses nothing, several instances at once, check() says what is wrong; and the
normalizer turns what the connector yields into posts, revisions, tombstones or rejects."""

from __future__ import annotations

import asyncio
import json
import random
from typing import Any

import pytest
from hypothesis import given, settings

from signalroom.clock import ManualClock
from signalroom.errors import ConfigError, RejectError
from signalroom.models import Post, RawItem, Reject
from signalroom.pipeline.normalize import normalize
from signalroom.pipeline.normalizers.change import Revision, Tombstone
from signalroom.pipeline.normalizers.mastodon import read_mastodon
from signalroom.sources.backoff import ReconnectPolicy
from signalroom.sources.deps import SourceDeps
from signalroom.sources.mastodon import (
    MastodonInstance,
    MastodonSettings,
    MastodonSource,
    MastodonStream,
    Transport,
    newer,
)
from tests.sources.fakes.driver import make_deps, read_until, run, take, until
from tests.sources.fakes.mastodon import FakeMastodon, make_status
from tests.sources.fakes.payloads import nested_json_or_bytes

FAST = ReconnectPolicy(first_s=0.01, max_s=0.05, auth_retry_s=0.05)
ENV = {"TOKEN_A": "good-token", "TOKEN_B": "other-token", "WRONG": "nope"}


def deps() -> SourceDeps:
    return make_deps(ManualClock(), "fedi", "mastodon", environ=ENV)


TRANSPORTS = pytest.mark.parametrize("transport", ["sse", "websocket"])


def instance(
    fake: FakeMastodon,
    token: str = "env:TOKEN_A",
    *streams: MastodonStream,
    transport: Transport = "sse",
) -> MastodonInstance:
    """The fake as an instance to read; over a WebSocket, its separate streaming host."""
    return MastodonInstance(
        url=fake.base,
        token=token,
        streams=streams or (MastodonStream(stream="hashtag", tag="acme"),),
        transport=transport,
        streaming_url=fake.ws_base if transport == "websocket" else "",
    )


def source(
    *instances: MastodonInstance, dependencies: SourceDeps | None = None, **options: Any
) -> MastodonSource:
    return MastodonSource(
        "fedi",
        MastodonSettings(instances=instances, **options),
        dependencies or deps(),
        policy=FAST,
        rng=random.Random(3),
    )


async def streams_open(fake: FakeMastodon, count: int = 1) -> None:
    await until(lambda: fake.open_streams() >= count)


def uris(items: list[RawItem]) -> set[str]:
    found = set()
    for item in items:
        outcome = read_mastodon(item)
        if isinstance(outcome, Post):
            found.add(outcome.native_id)
    return found


@TRANSPORTS
def test_mastodon_stream_tells_posts_edits_and_deletions_apart(transport: Transport) -> None:
    async def scenario() -> tuple[list[RawItem], list[dict[str, Any]]]:
        fake = FakeMastodon()
        await fake.start()
        older = [fake.post("Earlier acme news", "acme"), fake.post("Unrelated", "other")]
        stream = source(instance(fake, transport=transport)).stream(None)
        try:
            first = await take(stream, 1)  # the initial backfill: the acme one only
            await streams_open(fake)
            live = fake.post("Trying the new <b>Acme</b> build", "acme")
            fake.edit(live["id"], "Trying the new Acme build (edited)")
            fake.delete(older[0]["id"])
            fake.post("Elsewhere", "other")
            rest = await take(stream, 3)
            return first + rest, [older[0], live]
        finally:
            await stream.aclose()
            await fake.stop()

    items, (older, live) = run(scenario())
    outcomes = [read_mastodon(i) for i in items]
    assert isinstance(outcomes[0], Post)
    assert outcomes[0].native_id == older["uri"]
    assert isinstance(outcomes[1], Post)
    assert outcomes[1].text == "Trying the new Acme build #acme"
    assert outcomes[1].author.handle.startswith("user")
    assert outcomes[1].author.handle.endswith("@127.0.0.1")
    assert outcomes[1].engagement.likes == 17
    assert isinstance(outcomes[2], Revision)
    assert outcomes[2].post.native_id == live["uri"]
    assert outcomes[2].post.text == "Trying the new Acme build (edited)"
    assert isinstance(outcomes[3], Tombstone)
    assert outcomes[3].native_id == older["uri"]
    # The pipeline's normalizer hands both on: the store revises and deletes.
    assert isinstance(normalize(items[2]), Revision)
    assert isinstance(normalize(items[3]), Tombstone)
    checkpoint = json.loads(items[-1].checkpoint or "{}")
    assert checkpoint == {f"{fake_key(items)}|hashtag|acme": live["id"]}


def fake_key(items: list[RawItem]) -> str:
    return str(json.loads(items[0].payload)["instance"])


@TRANSPORTS
def test_mastodon_stream_fills_the_gap_when_the_server_dies_mid_stream(
    transport: Transport,
) -> None:
    async def scenario() -> tuple[list[RawItem], set[str]]:
        fake = FakeMastodon()
        await fake.start()
        stream = source(instance(fake, transport=transport), initial_backfill=0).stream(None)
        pending = asyncio.ensure_future(take(stream, 5))
        await streams_open(fake)
        sent = [fake.post(f"acme live {n}", "acme") for n in range(5)]
        got = await pending
        await fake.stop()  # every open stream cut at once
        sent += [fake.post(f"acme while down {n}", "acme", publish=False) for n in range(45)]
        await fake.start()
        wanted = {s["uri"] for s in sent}
        try:
            got += await take(stream, 10_000, until=lambda more: wanted <= uris(got + more))
            await streams_open(fake)
            last = fake.post("acme after", "acme")
            got += await take(stream, 1)
            return got, {*wanted, last["uri"]}
        finally:
            await stream.aclose()
            await fake.stop()

    got, wanted = run(scenario())
    assert uris(got) == wanted
    # Walked forward with min_id: nothing was yielded twice.
    assert len(got) == len(wanted)


@TRANSPORTS
def test_mastodon_restart_from_checkpoint_catches_up_over_rest(transport: Transport) -> None:
    async def scenario() -> tuple[list[RawItem], list[RawItem], list[dict[str, Any]]]:
        fake = FakeMastodon()
        await fake.start()
        try:
            for n in range(3):
                fake.post(f"acme before {n}", "acme")
            first = source(instance(fake, transport=transport)).stream(None)
            before = await take(first, 3)
            await first.aclose()
            missed = [fake.post(f"acme missed {n}", "acme", publish=False) for n in range(50)]
            again = source(instance(fake, transport=transport)).stream(before[-1].checkpoint)
            after = await take(again, 50)
            await again.aclose()
            return before, after, missed
        finally:
            await fake.stop()

    before, after, missed = run(scenario())
    assert len(uris(before)) == 3
    assert [read_mastodon(i).native_id for i in after] == [s["uri"] for s in missed]  # type: ignore[union-attr]


def test_mastodon_reads_several_instances_at_once_over_either_transport() -> None:
    async def scenario() -> list[RawItem]:
        one, two = FakeMastodon(), FakeMastodon(token="other-token")
        await one.start()
        await two.start()
        connector = source(
            instance(one, transport="websocket"),
            instance(two, "env:TOKEN_B", MastodonStream(stream="public")),
            initial_backfill=0,
        )
        stream = connector.stream(None)
        pending = asyncio.ensure_future(take(stream, 2))
        try:
            await streams_open(one)
            await streams_open(two)
            one.post("acme on one", "acme")
            two.post("anything on two", "misc")
            return await pending
        finally:
            await stream.aclose()
            await one.stop()
            await two.stop()

    got = run(scenario())
    texts = sorted(read_mastodon(i).text for i in got)  # type: ignore[union-attr]
    assert texts == ["acme on one #acme", "anything on two #misc"]
    assert len(json.loads(got[-1].checkpoint or "{}")) == 2


def test_mastodon_websocket_carries_every_stream_of_an_instance_on_one_connection() -> None:
    async def scenario() -> tuple[FakeMastodon, list[RawItem], list[dict[str, Any]]]:
        fake = FakeMastodon()
        await fake.start()
        streams = (MastodonStream(tag="acme"), MastodonStream(tag="AcmePhone"))
        connector = source(instance(fake, "env:TOKEN_A", *streams, transport="websocket"))
        stream = connector.stream(None)
        pending = asyncio.ensure_future(take(stream, 2))
        try:
            await streams_open(fake, 2)
            sent = [fake.post("acme news", "acme"), fake.post("new phone", "acmephone")]
            return fake, await pending, sent
        finally:
            await stream.aclose()
            await fake.stop()

    fake, got, sent = run(scenario())
    assert fake.stream_opens == 1  # one socket, two subscriptions
    assert uris(got) == {s["uri"] for s in sent}
    base = fake_key(got)
    # Each event moved its own stream's checkpoint (told apart by the frame's "stream").
    assert json.loads(got[-1].checkpoint or "{}") == {
        f"{base}|hashtag|acme": sent[0]["id"],
        f"{base}|hashtag|acmephone": sent[1]["id"],
    }


def test_mastodon_websocket_rejects_a_garbled_frame_and_keeps_reading() -> None:
    async def scenario() -> tuple[list[RawItem], dict[str, Any]]:
        fake = FakeMastodon()
        await fake.start()
        stream = source(instance(fake, transport="websocket"), initial_backfill=0).stream(None)
        pending = asyncio.ensure_future(take(stream, 2))
        try:
            await streams_open(fake)
            fake.send_frame("{garbled")
            # A complaint about one subscription is logged; the socket stays open.
            fake.send_frame(json.dumps({"error": "Unknown stream type", "status": 400}))
            good = fake.post("acme after the noise", "acme")
            return await pending, good
        finally:
            await stream.aclose()
            await fake.stop()

    got, good = run(scenario())
    with pytest.raises(RejectError):
        read_mastodon(got[0])  # kept as a reject with its bytes, not dropped
    assert b"{garbled" in got[0].payload
    assert got[0].checkpoint is None  # nothing says which stream it came from
    outcome = read_mastodon(got[1])
    assert isinstance(outcome, Post)
    assert outcome.native_id == good["uri"]


@TRANSPORTS
def test_mastodon_skips_a_deletion_of_a_status_it_never_saw(transport: Transport) -> None:
    async def scenario() -> tuple[list[RawItem], MastodonSource]:
        fake = FakeMastodon()
        await fake.start()
        connector = source(instance(fake, transport=transport), initial_backfill=0)
        stream = connector.stream(None)
        pending = asyncio.ensure_future(take(stream, 1))
        try:
            await streams_open(fake)
            fake.send_raw("delete", "999", "acme")
            fake.send_raw("update", "{not json", "acme")
            return await pending, connector
        finally:
            await stream.aclose()
            await fake.stop()

    got, connector = run(scenario())
    assert connector.deletes_unknown == 1
    with pytest.raises(RejectError, match="not JSON"):
        read_mastodon(got[0])


def test_mastodon_reopens_a_silent_stream() -> None:
    async def scenario() -> FakeMastodon:
        fake = FakeMastodon(heartbeat_s=None)
        await fake.start()
        stream = source(instance(fake), initial_backfill=0, heartbeat_timeout_s=0.2).stream(None)
        try:
            await read_until(stream, lambda: fake.stream_opens >= 3)
        finally:
            await fake.stop()
        return fake

    assert run(scenario()).stream_opens >= 3


@TRANSPORTS
def test_mastodon_stream_reports_a_refused_token_as_auth_failed(transport: Transport) -> None:
    dependencies = deps()

    async def scenario() -> None:
        fake = FakeMastodon()
        await fake.start()
        stream = source(
            instance(fake, "env:WRONG", transport=transport), dependencies=dependencies
        ).stream(None)
        try:
            await read_until(stream, lambda: dependencies.health.state == "auth_failed")
        finally:
            await fake.stop()

    run(scenario())
    assert "token refused (401)" in dependencies.health.snapshot().detail


@TRANSPORTS
def test_mastodon_check_says_what_is_wrong(transport: Transport) -> None:
    async def scenario() -> list[tuple[bool, str]]:
        fake = FakeMastodon()
        await fake.start()
        verdicts = []
        try:
            verdicts.append(await source(instance(fake, transport=transport)).check())
            verdicts.append(await source(instance(fake, "env:WRONG", transport=transport)).check())
            verdicts.append(
                await source(instance(fake, "env:MISSING", transport=transport)).check()
            )
            fake.force_status = 403
            verdicts.append(await source(instance(fake, transport=transport)).check())
            fake.force_status = 429
            verdicts.append(await source(instance(fake, transport=transport)).check())
        finally:
            await fake.stop()
        verdicts.append(await source(instance(fake, transport=transport)).check())
        return [(v.ok, v.detail) for v in verdicts]

    ok, wrong, missing, forbidden, limited, refused = run(scenario())
    assert ok[0] is True
    how = "over one WebSocket" if transport == "websocket" else "over SSE"
    assert f"token accepted, streams open {how} (hashtag #acme)" in ok[1]
    assert wrong[0] is False
    assert "token refused (401)" in wrong[1]
    assert missing[0] is False
    assert "MISSING is not set" in missing[1]
    assert forbidden[0] is False
    assert "forbidden (403)" in forbidden[1]
    assert limited[0] is False
    assert "rate limited (429)" in limited[1]
    assert refused[0] is False
    assert "connection refused" in refused[1]


def test_mastodon_settings_are_checked() -> None:
    def one_stream(token: str, tag: str) -> MastodonSettings:
        stream = MastodonStream(tag=tag)
        instance = MastodonInstance(url="https://social.example", token=token, streams=(stream,))
        return MastodonSettings(instances=(instance,))

    cases = [
        (one_stream("abc123", "x"), r"instances\[0\]\.token"),
        (one_stream("env:T", "#x"), r"streams\[0\]\.tag"),
        (MastodonSettings(instances=()), "at least one instance"),
    ]
    for bad, match in cases:
        with pytest.raises(ConfigError, match=match):
            MastodonSource("fedi", bad, deps())


def test_status_ids_compare_by_length_then_text() -> None:
    assert newer("100", "99")
    assert not newer("99", "100")
    assert newer("113024517761234568", "113024517761234567")
    assert newer("1", None)


def wrapped(status: dict[str, Any], event: str = "update") -> RawItem:
    body = {"event": event, "instance": "https://social.example", "status": status}
    return RawItem(source="mastodon", payload=json.dumps(body).encode(), received_at=5.0)


def test_mastodon_normalizer_reads_html_warnings_boosts_and_media() -> None:
    status = make_status("42", "social.example", "Line one<br>line &amp; two", tags=("acme",))
    status["spoiler_text"] = "Acme  rant"
    status["media_attachments"] = [
        {"type": "image", "url": "https://files.social.example/a.png"},
        {"type": "video", "url": "https://files.social.example/b.mp4"},
        {"type": "image", "url": "javascript:alert(1)"},
    ]
    post = read_mastodon(wrapped(status))
    assert isinstance(post, Post)
    assert post.text == "Acme rant\n\nLine one\nline & two #acme"
    assert post.media == ("https://files.social.example/a.png",)
    assert post.author.handle == "user2@social.example"
    assert post.created_at == 1_788_098_711.0
    assert post.lang_hint == "en"

    original = make_status("7", "social.example", "Original words", local=False)
    boost = make_status("43", "social.example", "", reblog=original, url=None)
    post = read_mastodon(wrapped(boost))
    assert isinstance(post, Post)
    assert post.text == "Original words"
    assert post.repost_of == f"mastodon:{original['uri']}"
    assert post.url == original["url"]


def test_mastodon_normalizer_rejects_malformed_items_with_reasons() -> None:
    no_account = make_status("1", "s.example", "hi")
    del no_account["account"]
    bad_date = make_status("2", "s.example", "hi", created_at="yesterday")
    empty = make_status("3", "s.example", "")
    cases = {
        "status.account: missing": wrapped(no_account),
        "status.created_at: not a date: 'yesterday'": wrapped(bad_date),
        "status.content: empty": wrapped(empty),
        "status: missing": RawItem(
            "mastodon", b'{"event":"update","instance":"https://s.example"}', 1.0
        ),
        "instance: not a URL: 'nowhere'": RawItem(
            "mastodon",
            json.dumps({"event": "update", "instance": "nowhere", "status": empty}).encode(),
            1.0,
        ),
    }
    for reason, item in cases.items():
        with pytest.raises(RejectError) as caught:
            read_mastodon(item)
        assert caught.value.reason == reason
    with pytest.raises(RejectError, match="event: invalid enum value"):
        read_mastodon(RawItem("mastodon", b'{"event":"notification","instance":"https://s"}', 1.0))


@settings(max_examples=300, deadline=None)
@given(
    nested_json_or_bytes(
        [
            "event",
            "instance",
            "status",
            "id",
            "uri",
            "account",
            "acct",
            "content",
            "created_at",
            "reblog",
            "url",
            "edited_at",
        ],
        max_bytes=300,
        max_keys=6,
    )
)
def test_mastodon_normalizer_turns_any_bytes_into_an_outcome_or_a_reject(payload: bytes) -> None:
    item = RawItem(source="mastodon", payload=payload, received_at=1.0)
    try:
        outcome = read_mastodon(item)
    except RejectError as err:
        outcome = Reject(item.source, err.reason, payload, 1.0)
    assert isinstance(outcome, Post | Revision | Tombstone | Reject)
