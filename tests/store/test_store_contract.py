"""The Store contract, run against every backend (SQLite now; PostgreSQL joins the
``store`` fixture's params later). Real databases, no mocks."""

from __future__ import annotations

import tempfile
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import msgspec
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from signalroom.clock import ManualClock
from signalroom.errors import ConflictError, NotFoundError, StoreError, ValidationError
from signalroom.models import (
    Author,
    Engagement,
    EnrichedPost,
    Enrichment,
    Moderation,
    Post,
    Rollup,
    Sentiment,
    SentimentLabel,
    Topic,
    TopicDraft,
)
from signalroom.store.base import PostQuery, Store, WriteBatch
from signalroom.store.sqlite import SqliteStore
from tests.store.builders import T0, make_post, make_reject

BACKENDS = ["sqlite"]


def open_backend(name: str, directory: Path) -> Store:
    if name == "sqlite":
        return SqliteStore.open(directory / "store.db", clock=ManualClock(T0))
    raise AssertionError(f"unknown backend {name}")


@pytest.fixture(params=BACKENDS)
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    opened = open_backend(request.param, tmp_path)
    yield opened
    opened.close()


@pytest.fixture
def topics(store: Store) -> tuple[Topic, Topic]:
    acme = store.create_topic(TopicDraft(name="Acme", query="acme"), T0)
    rival = store.create_topic(TopicDraft(name="Rival", query="rival", kind="competitor"), T0)
    return acme, rival


def write(store: Store, *posts: EnrichedPost) -> None:
    store.write_batch(WriteBatch(posts=posts))


def all_pages(store: Store, query: PostQuery) -> list[list[str]]:
    pages: list[list[str]] = []
    cursor: str | None = None
    while True:
        page = store.query_posts(msgspec.structs.replace(query, cursor=cursor))
        pages.append([item.post.id for item in page.items])
        if page.next_cursor is None:
            return pages
        assert len(pages) < 1_000, "paging never ends"
        cursor = page.next_cursor


# -- idempotent writes -----------------------------------------------------------------------
def test_write_batch_stores_post_once_when_repeated_in_batch(
    store: Store, topics: tuple[Topic, Topic]
) -> None:
    acme = topics[0].id
    post = make_post("1", topics=(acme,), label="positive", score=0.5, reach=7)

    result = store.write_batch(WriteBatch(posts=(post, post)))

    assert [item.post.id for item in result.inserted] == ["demo:1"]
    assert result.duplicates == 1
    assert result.rollups == (Rollup(acme, T0, 1, 0, 0, 1, 0.5, 7),)
    assert store.stats().posts == 1


def test_write_batch_ignores_stored_post_when_written_again(
    store: Store, topics: tuple[Topic, Topic]
) -> None:
    acme = topics[0].id
    write(store, make_post("1", topics=(acme,), reach=3))

    again = store.write_batch(WriteBatch(posts=(make_post("1", topics=(acme,), reach=3),)))

    assert again.inserted == ()
    assert again.duplicates == 1
    assert again.rollups == ()
    assert store.query_rollups(None, T0, T0 + 60, "minute") == [
        Rollup(acme, T0, 1, 0, 1, 0, 0.0, 3)
    ]


def test_get_post_round_trips_every_field(store: Store, topics: tuple[Topic, Topic]) -> None:
    item = EnrichedPost(
        post=Post(
            source="bluesky",
            native_id="at://did:plc:x/app.bsky.feed.post/3k",
            url="https://bsky.app/profile/x/post/3k",
            author=Author(handle="x.bsky.social", name="Ex Émile 🚀", followers=1234),
            text="Acme's new phone: love it 😍\nsecond line",
            title="A title",
            created_at=T0 + 0.123456,
            received_at=T0 + 2.5,
            engagement=Engagement(likes=1, reposts=2, replies=3, quotes=4),
            reply_to="bluesky:parent",
            quote_of="bluesky:quoted",
            repost_of=None,
            media=("https://cdn.test/a.jpg", "https://cdn.test/b.jpg"),
            lang_hint="fr",
        ),
        enrichment=Enrichment(
            lang="en",
            lang_confidence=0.87,
            sentiment=Sentiment(label="positive", score=0.731),
            hashtags=("#acme",),
            mentions=("@rival",),
            links=("https://acme.test/",),
            reach=4321,
            model_version="vader-3.3.2+ft-1",
            complaint=True,
            complaint_score=0.91,
            moderation=Moderation(verdict="review", reasons=("wordlist:en",), score=0.42),
        ),
        topics=(topics[0].id, topics[1].id),
    )
    write(store, item)

    assert store.get_post(item.post.id) == item


def test_get_post_raises_not_found_when_unknown(store: Store) -> None:
    with pytest.raises(NotFoundError):
        store.get_post("demo:missing")


# -- rollups ---------------------------------------------------------------------------------
def test_write_batch_returns_current_rollup_totals_of_touched_minutes(
    store: Store, topics: tuple[Topic, Topic]
) -> None:
    acme, rival = topics[0].id, topics[1].id
    write(store, make_post("1", topics=(acme,), label="negative", score=-0.5, reach=10))

    result = store.write_batch(
        WriteBatch(
            posts=(
                make_post("2", created_at=T0 + 59.9, topics=(acme, rival), score=0.0, reach=1),
                make_post("3", created_at=T0 + 60, topics=(acme,), label="positive", score=1.0),
            )
        )
    )

    assert result.rollups == (
        Rollup(acme, T0, 2, 1, 1, 0, -0.5, 11),
        Rollup(acme, T0 + 60, 1, 0, 0, 1, 1.0, 0),
        Rollup(rival, T0, 1, 0, 1, 0, 0.0, 1),
    )


def test_write_batch_counts_no_rollup_for_post_without_topics(store: Store) -> None:
    result = store.write_batch(WriteBatch(posts=(make_post("1"),)))

    assert len(result.inserted) == 1
    assert result.rollups == ()
    assert store.query_rollups(None, T0 - 86400, T0 + 86400, "day") == []


def test_query_rollups_sums_minutes_into_hours_and_days(
    store: Store, topics: tuple[Topic, Topic]
) -> None:
    acme = topics[0].id
    write(
        store,
        make_post("a", created_at=T0 + 5, topics=(acme,), label="positive", score=0.5, reach=1),
        make_post("b", created_at=T0 + 61, topics=(acme,), label="negative", score=-0.25, reach=2),
        make_post("c", created_at=T0 + 3599, topics=(acme,), reach=4),
        make_post("d", created_at=T0 + 3600, topics=(acme,), label="positive", score=1.0, reach=8),
        make_post("e", created_at=T0 + 86400, topics=(acme,), reach=16),
    )

    minutes = store.query_rollups((acme,), T0, T0 + 2 * 86400, "minute")
    hours = store.query_rollups((acme,), T0, T0 + 2 * 86400, "hour")
    days = store.query_rollups((acme,), T0, T0 + 2 * 86400, "day")

    assert [(r.bucket_start - T0, r.volume) for r in minutes] == [
        (0, 1),
        (60, 1),
        (3540, 1),
        (3600, 1),
        (86400, 1),
    ]
    assert hours == [
        Rollup(acme, T0, 3, 1, 1, 1, 0.25, 7),
        Rollup(acme, T0 + 3600, 1, 0, 0, 1, 1.0, 8),
        Rollup(acme, T0 + 86400, 1, 0, 1, 0, 0.0, 16),
    ]
    assert days == [
        Rollup(acme, T0, 4, 1, 1, 2, 1.25, 15),
        Rollup(acme, T0 + 86400, 1, 0, 1, 0, 0.0, 16),
    ]


def test_query_rollups_returns_whole_buckets_starting_in_range_ordered_by_topic(
    store: Store, topics: tuple[Topic, Topic]
) -> None:
    acme, rival = topics[0].id, topics[1].id
    write(
        store,
        make_post("a", created_at=T0 + 10, topics=(rival, acme)),
        make_post("b", created_at=T0 + 1800, topics=(rival,)),
        make_post("c", created_at=T0 + 3700, topics=(acme,)),
        make_post("d", created_at=T0 + 7200, topics=(acme,)),
    )

    # The hour at T0 starts before ``since``: left out whole, not cut in half.
    assert [
        (r.topic_id, r.bucket_start - T0)
        for r in store.query_rollups(None, T0 + 1, T0 + 7200, "hour")
    ] == [(acme, 3600)]
    assert [
        (r.topic_id, r.bucket_start - T0, r.volume)
        for r in store.query_rollups(None, T0, T0 + 7201, "hour")
    ] == [(acme, 0, 1), (acme, 3600, 1), (acme, 7200, 1), (rival, 0, 2)]
    assert [r.topic_id for r in store.query_rollups((rival,), T0, T0 + 7201, "hour")] == [rival]
    assert store.query_rollups((), T0, T0 + 7201, "hour") == []
    assert store.query_rollups((9999,), T0, T0 + 7201, "hour") == []


def test_query_rollups_raises_validation_error_when_range_not_finite(store: Store) -> None:
    with pytest.raises(ValidationError) as caught:
        store.query_rollups(None, float("nan"), T0, "minute")
    assert caught.value.field == "since"


# -- reposts, rejects, checkpoints -------------------------------------------------------------
def test_write_batch_counts_new_repost_on_stored_original(store: Store) -> None:
    write(store, make_post("orig", reposts=5))

    write(
        store,
        make_post("r1", repost_of="demo:orig"),
        make_post("r2", repost_of="demo:orig"),
        make_post("r2", repost_of="demo:orig"),
    )
    write(store, make_post("r1", repost_of="demo:orig"))

    assert store.get_post("demo:orig").post.engagement.reposts == 7


def test_write_batch_counts_repost_when_original_arrives_in_same_batch(store: Store) -> None:
    write(store, make_post("orig"), make_post("r1", repost_of="demo:orig"))

    assert store.get_post("demo:orig").post.engagement.reposts == 1


def test_write_batch_stores_repost_when_original_unknown(store: Store) -> None:
    write(store, make_post("r1", repost_of="demo:elsewhere"))

    assert store.get_post("demo:r1").post.repost_of == "demo:elsewhere"
    with pytest.raises(NotFoundError):
        store.get_post("demo:elsewhere")


def test_list_rejects_keeps_payload_bytes_newest_first(store: Store) -> None:
    result = store.write_batch(
        WriteBatch(
            rejects=(
                make_reject("not json", received_at=T0),
                make_reject("no text", source="rss", received_at=T0 + 2),
                make_reject("too big", received_at=T0 + 1),
            )
        )
    )

    assert result.rejects == 3
    rejects = store.list_rejects()
    assert [r.reason for r in rejects] == ["no text", "too big", "not json"]
    assert rejects[0].payload == b"\x00\xffno text"
    assert (rejects[0].source, rejects[0].received_at) == ("rss", T0 + 2)
    assert [r.reason for r in store.list_rejects(limit=1)] == ["no text"]
    assert [r.reason for r in store.list_rejects(source="demo")] == ["too big", "not json"]
    assert store.stats().rejects == 3


def test_a_reject_replayed_by_its_source_is_kept_once(store: Store) -> None:
    first = store.write_batch(WriteBatch(rejects=(make_reject("not json", payload=b"{x"),)))
    # After a restart the source rewinds and sends the same malformed bytes again.
    again = store.write_batch(
        WriteBatch(
            rejects=(
                make_reject("not json", payload=b"{x", received_at=T0 + 3600),
                make_reject("not json", payload=b"{x", source="rss", received_at=T0 + 3600),
                make_reject("not json", payload=b"{y", received_at=T0 + 3600),
            )
        )
    )
    # A day later the same bytes are news again (and a purge may have dropped the first).
    later = store.write_batch(
        WriteBatch(rejects=(make_reject("not json", payload=b"{x", received_at=T0 + 90_000),))
    )

    assert (first.rejects, again.rejects, later.rejects) == (1, 2, 1)
    assert store.stats().rejects == 4
    assert sorted((r.source, r.payload, r.received_at) for r in store.list_rejects()) == [
        ("demo", b"{x", T0),
        ("demo", b"{x", T0 + 90_000),
        ("demo", b"{y", T0 + 3600),
        ("rss", b"{x", T0 + 3600),
    ]


def test_list_rejects_raises_validation_error_when_limit_below_one(store: Store) -> None:
    with pytest.raises(ValidationError):
        store.list_rejects(limit=0)


def test_checkpoint_is_none_until_written_then_latest_value(store: Store) -> None:
    assert store.get_checkpoint("bluesky") is None

    store.write_batch(WriteBatch(checkpoints=(("bluesky", "100"), ("rss", "etag-1"))))
    store.write_batch(WriteBatch(checkpoints=(("bluesky", "250"),)))

    assert store.get_checkpoint("bluesky") == "250"
    assert store.get_checkpoint("rss") == "etag-1"


# -- atomicity -----------------------------------------------------------------------------------
def test_write_batch_writes_nothing_when_a_post_fails_midway(
    store: Store, topics: tuple[Topic, Topic]
) -> None:
    acme = topics[0].id
    write(store, make_post("orig", topics=(acme,)))
    good = make_post("good", topics=(acme,), repost_of="demo:orig")
    broken = msgspec.structs.replace(
        make_post("broken", topics=(acme,)),
        enrichment=msgspec.structs.replace(
            good.enrichment,
            sentiment=Sentiment(label="furious", score=0.0),  # type: ignore[arg-type]
        ),
    )
    batch = WriteBatch(
        posts=(good, broken),
        rejects=(make_reject("bad"),),
        checkpoints=(("demo", "42"),),
    )

    with pytest.raises(StoreError):
        store.write_batch(batch)

    with pytest.raises(NotFoundError):
        store.get_post("demo:good")
    assert store.get_post("demo:orig").post.engagement.reposts == 0
    assert store.list_rejects() == []
    assert store.get_checkpoint("demo") is None
    assert (store.stats().posts, store.stats().rejects) == (1, 0)
    assert [r.volume for r in store.query_rollups(None, T0, T0 + 60, "minute")] == [1]
    # The store is still usable, and the good part goes through on its own.
    assert len(store.write_batch(WriteBatch(posts=(good,))).inserted) == 1


def test_write_batch_drops_matches_of_topic_deleted_meanwhile(
    store: Store, topics: tuple[Topic, Topic]
) -> None:
    acme, rival = topics[0].id, topics[1].id
    store.delete_topic(rival)

    result = store.write_batch(WriteBatch(posts=(make_post("1", topics=(acme, rival)),)))

    assert result.inserted[0].topics == (acme,)
    assert store.get_post("demo:1").topics == (acme,)
    assert [r.topic_id for r in result.rollups] == [acme]


# -- paging and filters ------------------------------------------------------------------------
def test_query_posts_pages_newest_first_without_gaps_when_times_tie(
    store: Store, topics: tuple[Topic, Topic]
) -> None:
    acme = topics[0].id
    posts = [
        make_post(f"{i:03d}", created_at=T0 + (i // 4), topics=(acme,) if i % 3 else ())
        for i in range(41)
    ]
    write(store, *reversed(posts))
    expected = [
        p.post.id for p in sorted(posts, key=lambda p: (p.post.created_at, p.post.id), reverse=True)
    ]

    pages = all_pages(store, PostQuery(limit=6))

    assert [len(page) for page in pages] == [6] * 6 + [5]
    assert [post_id for page in pages for post_id in page] == expected
    topic_pages = all_pages(store, PostQuery(topic_id=acme, limit=4))
    assert [post_id for page in topic_pages for post_id in page] == [
        post_id for post_id in expected if int(post_id.split(":")[1]) % 3
    ]


def test_query_posts_has_no_next_cursor_when_last_page_is_full(store: Store) -> None:
    write(store, *(make_post(str(i), created_at=T0 + i) for i in range(4)))

    first = store.query_posts(PostQuery(limit=2))
    second = store.query_posts(PostQuery(limit=2, cursor=first.next_cursor))

    assert first.next_cursor is not None
    assert [i.post.native_id for i in second.items] == ["1", "0"]
    assert second.next_cursor is None
    assert store.query_posts(PostQuery(limit=4)).next_cursor is None


def test_query_posts_filters_by_topic_time_sentiment_lang_and_source(
    store: Store, topics: tuple[Topic, Topic]
) -> None:
    acme, rival = topics[0].id, topics[1].id
    write(
        store,
        make_post("a", created_at=T0, topics=(acme,), label="negative", lang="en"),
        make_post("b", created_at=T0 + 10, topics=(acme, rival), label="positive", lang="fr"),
        make_post("c", created_at=T0 + 20, topics=(rival,), source="rss", lang="en"),
        make_post("d", created_at=T0 + 30, label="negative", source="rss", lang="de"),
    )

    def ids(**filters: object) -> list[str]:
        page = store.query_posts(msgspec.convert(filters, PostQuery))
        return [item.post.id for item in page.items]

    assert ids() == ["rss:d", "rss:c", "demo:b", "demo:a"]
    assert ids(topic_id=acme) == ["demo:b", "demo:a"]
    assert ids(topic_id=rival) == ["rss:c", "demo:b"]
    assert ids(topic_id=9999) == []
    assert ids(since=T0 + 10, until=T0 + 30) == ["rss:c", "demo:b"]
    assert ids(topic_id=acme, since=T0 + 10) == ["demo:b"]
    assert ids(topic_id=acme, until=T0 + 10) == ["demo:a"]
    assert ids(sentiment="negative") == ["rss:d", "demo:a"]
    assert ids(lang="en") == ["rss:c", "demo:a"]
    assert ids(source="rss") == ["rss:d", "rss:c"]
    assert ids(topic_id=rival, source="demo", sentiment="positive", lang="fr") == ["demo:b"]
    page = store.query_posts(PostQuery(topic_id=rival))
    assert [item.topics for item in page.items] == [(rival,), (acme, rival)]


def test_query_posts_clamps_limit_to_500(store: Store) -> None:
    write(store, *(make_post(str(i), created_at=T0 + i) for i in range(501)))

    page = store.query_posts(PostQuery(limit=10_000))

    assert len(page.items) == 500
    assert page.next_cursor is not None


def test_query_posts_raises_validation_error_when_limit_below_one(store: Store) -> None:
    with pytest.raises(ValidationError) as caught:
        store.query_posts(PostQuery(limit=0))
    assert caught.value.field == "limit"


@pytest.mark.parametrize(
    "cursor",
    [
        "",
        "not a cursor!",
        "%%%",
        "WzEsMl0",
        "eyJhIjoxfQ",
        "WyJ4IiwiYSJd",
        "WyJOYU4iLCJhIl0",
        "WzFlOTk5LCJhIl0",
        "WzEuNSwiYSJd=x",
        "é",
    ],
)
def test_query_posts_raises_validation_error_when_cursor_malformed(
    store: Store, cursor: str
) -> None:
    with pytest.raises(ValidationError) as caught:
        store.query_posts(PostQuery(cursor=cursor))
    assert (caught.value.message, caught.value.field) == ("malformed cursor", "cursor")


# -- topics ------------------------------------------------------------------------------------
def test_topics_create_list_get_update(store: Store) -> None:
    created = store.create_topic(TopicDraft(name="Acme", query="acme", kind="brand"), T0)
    updated = store.update_topic(
        created.id,
        TopicDraft(name="Acme Corp", query="acme OR #acme", kind="campaign", color="#ff0000"),
        T0 + 5,
    )

    assert updated == Topic(
        created.id, "Acme Corp", "acme OR #acme", "campaign", "#ff0000", T0, T0 + 5
    )
    assert store.get_topic(created.id) == updated
    assert store.list_topics() == [updated]
    assert store.stats().topics == 1


def test_create_topic_raises_conflict_when_name_taken(
    store: Store, topics: tuple[Topic, Topic]
) -> None:
    with pytest.raises(ConflictError):
        store.create_topic(TopicDraft(name="Acme", query="other"), T0)
    assert len(store.list_topics()) == 2


def test_update_topic_raises_conflict_when_name_taken(
    store: Store, topics: tuple[Topic, Topic]
) -> None:
    with pytest.raises(ConflictError):
        store.update_topic(topics[1].id, TopicDraft(name="Acme", query="x"), T0)
    assert store.get_topic(topics[1].id) == topics[1]


def test_update_topic_keeps_its_own_name(store: Store, topics: tuple[Topic, Topic]) -> None:
    updated = store.update_topic(topics[0].id, TopicDraft(name="Acme", query="new"), T0 + 1)

    assert updated.query == "new"


@pytest.mark.parametrize(
    "action",
    [
        lambda s: s.get_topic(9999),
        lambda s: s.update_topic(9999, TopicDraft(name="x", query="x"), T0),
        lambda s: s.delete_topic(9999),
    ],
    ids=["get", "update", "delete"],
)
def test_topic_raises_not_found_when_id_unknown(
    store: Store, action: Callable[[Store], object]
) -> None:
    with pytest.raises(NotFoundError):
        action(store)


def test_create_topic_raises_validation_error_when_name_blank(store: Store) -> None:
    with pytest.raises(ValidationError) as caught:
        store.create_topic(TopicDraft(name="  ", query="x"), T0)
    assert caught.value.field == "name"


def test_delete_topic_removes_its_matches_and_rollups_but_keeps_posts(
    store: Store, topics: tuple[Topic, Topic]
) -> None:
    acme, rival = topics[0].id, topics[1].id
    write(store, make_post("1", topics=(acme, rival)))

    store.delete_topic(acme)

    assert store.get_post("demo:1").topics == (rival,)
    assert store.query_posts(PostQuery(topic_id=acme)).items == ()
    assert [r.topic_id for r in store.query_rollups(None, T0, T0 + 60, "minute")] == [rival]
    assert [t.id for t in store.list_topics()] == [rival]
    # A new topic never takes the deleted one's id, so old references stay dangling only.
    assert store.create_topic(TopicDraft(name="Acme", query="acme"), T0).id not in (acme, rival)


# -- retention and stats -------------------------------------------------------------------------
def test_purge_posts_before_deletes_older_posts_and_keeps_rollups(
    store: Store, topics: tuple[Topic, Topic]
) -> None:
    acme = topics[0].id
    write(store, *(make_post(str(i), created_at=T0 + i, topics=(acme,)) for i in range(10)))

    purged = store.purge_posts_before(T0 + 7)

    assert purged == 7
    assert [i.post.native_id for i in store.query_posts(PostQuery()).items] == ["9", "8", "7"]
    assert len(store.query_posts(PostQuery(topic_id=acme)).items) == 3
    assert [r.volume for r in store.query_rollups(None, T0, T0 + 60, "minute")] == [10]
    assert store.purge_posts_before(T0 + 7) == 0
    assert store.stats().posts == 3
    # A purged post written again counts as new: the store no longer knows it.
    assert len(store.write_batch(WriteBatch(posts=(make_post("0"),))).inserted) == 1


def test_purge_posts_before_also_deletes_older_rejects(store: Store) -> None:
    store.write_batch(
        WriteBatch(rejects=tuple(make_reject(str(i), received_at=T0 + i) for i in range(5)))
    )

    assert store.purge_posts_before(T0 + 3) == 0

    assert [r.reason for r in store.list_rejects()] == ["4", "3"]
    assert store.stats().rejects == 2


def test_stats_counts_everything(store: Store, topics: tuple[Topic, Topic]) -> None:
    assert store.stats().newest_post_at is None

    write(store, make_post("1", created_at=T0), make_post("2", created_at=T0 + 9))
    write(store, make_post("1", created_at=T0))
    store.write_batch(WriteBatch(rejects=(make_reject("bad"),)))

    stats = store.stats()
    assert (stats.posts, stats.rejects, stats.topics, stats.newest_post_at) == (2, 1, 2, T0 + 9)


def test_store_raises_store_error_when_used_after_close(tmp_path: Path) -> None:
    for backend in BACKENDS:
        closed = open_backend(backend, tmp_path / backend)
        closed.close()
        closed.close()  # idempotent
        with pytest.raises(StoreError):
            closed.list_topics()
        with pytest.raises(StoreError):
            closed.write_batch(WriteBatch())


# -- concurrency -----------------------------------------------------------------------------------
def test_store_serves_readers_while_writer_writes(
    store: Store, topics: tuple[Topic, Topic]
) -> None:
    acme = topics[0].id
    batches, per_batch = 30, 200
    done = threading.Event()
    errors: list[BaseException] = []
    seen_counts: list[list[int]] = [[] for _ in range(3)]

    def writer() -> None:
        try:
            for b in range(batches):
                store.write_batch(
                    WriteBatch(
                        posts=tuple(
                            make_post(f"{b}-{i}", created_at=T0 + b, topics=(acme,))
                            for i in range(per_batch)
                        ),
                        checkpoints=(("demo", str(b)),),
                    )
                )
        except BaseException as err:
            errors.append(err)
        finally:
            done.set()

    def reader(slot: int) -> None:
        try:
            rounds = 0
            while not done.is_set() or rounds < 3:
                rounds += 1
                seen_counts[slot].append(store.stats().posts)
                store.query_posts(PostQuery(topic_id=acme, limit=100))
                store.query_rollups((acme,), T0, T0 + 3600, "hour")
                store.get_checkpoint("demo")
        except BaseException as err:
            errors.append(err)

    def editor() -> None:
        try:
            for i in range(20):
                store.create_topic(TopicDraft(name=f"extra {i}", query="x"), T0)
        except BaseException as err:
            errors.append(err)

    threads = [threading.Thread(target=writer), threading.Thread(target=editor)]
    threads += [threading.Thread(target=reader, args=(slot,)) for slot in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert errors == []
    assert store.stats().posts == batches * per_batch
    assert len(store.list_topics()) == 22
    for counts in seen_counts:
        assert counts == sorted(counts)
        assert all(count % per_batch == 0 for count in counts), "a reader saw half a batch"


# -- property: paging returns exactly the filtered set, in order ----------------------------------
_LABELS: tuple[SentimentLabel, ...] = ("negative", "neutral", "positive")
_post_specs = st.lists(
    st.tuples(
        st.integers(0, 5),  # created_at offset: few values, many ties
        st.sampled_from(_LABELS),
        st.sampled_from(["en", "fr"]),
        st.sampled_from(["demo", "rss"]),
        st.frozensets(st.sampled_from([0, 1])),  # indexes into the two topics
    ),
    max_size=30,
)


class Filters(msgspec.Struct, frozen=True):
    topic: int | None
    since: int | None
    until: int | None
    sentiment: SentimentLabel | None
    lang: str | None
    source: str | None


_filters = st.builds(
    Filters,
    topic=st.none() | st.sampled_from([0, 1]),
    since=st.none() | st.integers(0, 5),
    until=st.none() | st.integers(0, 6),
    sentiment=st.none() | st.sampled_from(_LABELS),
    lang=st.none() | st.sampled_from(["en", "fr"]),
    source=st.none() | st.sampled_from(["demo", "rss"]),
)


@settings(max_examples=60, deadline=None)
@given(
    specs=_post_specs, filters=_filters, limit=st.integers(1, 7), backend=st.sampled_from(BACKENDS)
)
def test_query_posts_pages_return_exactly_the_filtered_posts_in_order(
    specs: list[tuple[int, SentimentLabel, str, str, frozenset[int]]],
    filters: Filters,
    limit: int,
    backend: str,
) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        store = open_backend(backend, Path(tmp))
        try:
            topic_ids = [
                store.create_topic(TopicDraft(name=f"t{i}", query="x"), T0).id for i in (0, 1)
            ]
            posts = [
                make_post(
                    f"{n:02d}",
                    created_at=T0 + offset,
                    label=label,
                    lang=lang,
                    source=source,
                    topics=tuple(topic_ids[t] for t in sorted(chosen)),
                )
                for n, (offset, label, lang, source, chosen) in enumerate(specs)
            ]
            store.write_batch(WriteBatch(posts=tuple(posts)))
            query = PostQuery(
                topic_id=None if filters.topic is None else topic_ids[filters.topic],
                since=None if filters.since is None else T0 + filters.since,
                until=None if filters.until is None else T0 + filters.until,
                sentiment=filters.sentiment,
                lang=filters.lang,
                source=filters.source,
                limit=limit,
            )

            def wanted(item: EnrichedPost) -> bool:
                p, e = item.post, item.enrichment
                return (
                    (query.topic_id is None or query.topic_id in item.topics)
                    and (query.since is None or p.created_at >= query.since)
                    and (query.until is None or p.created_at < query.until)
                    and (query.sentiment is None or e.sentiment.label == query.sentiment)
                    and (query.lang is None or e.lang == query.lang)
                    and (query.source is None or p.source == query.source)
                )

            expected = [
                item.post.id
                for item in sorted(
                    filter(wanted, posts),
                    key=lambda item: (item.post.created_at, item.post.id),
                    reverse=True,
                )
            ]
            pages = all_pages(store, query)
            assert [post_id for page in pages for post_id in page] == expected
            assert all(len(page) == limit for page in pages[:-1])
            assert len(pages[-1]) <= limit
        finally:
            store.close()


# -- sentiment corrections -------------------------------------------------------------


def minute_rollup(store: Store, topic_id: int) -> tuple[int, int, int, int, float]:
    (rollup,) = store.query_rollups((topic_id,), T0 - 3600, T0 + 3600, "minute")
    return (rollup.volume, rollup.negative, rollup.neutral, rollup.positive, rollup.sentiment_sum)


def test_store_correction_wins_over_the_model_for_the_post_and_its_rollups(
    store: Store, topics: tuple[Topic, Topic]
) -> None:
    first, second = topics
    write(
        store,
        make_post("a", topics=(first.id, second.id), label="negative", score=-0.4),
        make_post("b", topics=(first.id,), label="positive", score=0.5),
    )
    assert minute_rollup(store, first.id) == (2, 1, 0, 1, pytest.approx(0.1))

    result = store.correct_sentiment("demo:a", "positive", " Ana ", now=T0 + 100)

    assert result.post.enrichment.sentiment.label == "positive"
    assert result.post.enrichment.sentiment.score == 1.0
    assert result.post.correction is not None
    assert result.post.correction.corrected_by == "Ana"
    assert result.post.correction.model_label == "negative"
    assert result.post.correction.model_score == -0.4
    assert minute_rollup(store, first.id) == (2, 0, 0, 2, pytest.approx(1.5))
    assert minute_rollup(store, second.id) == (1, 0, 0, 1, pytest.approx(1.0))
    assert sorted((r.topic_id, r.positive) for r in result.rollups) == sorted(
        [(first.id, 2), (second.id, 1)]
    )
    # Filters and pages read the correction too.
    page = store.query_posts(PostQuery(sentiment="positive"))
    assert sorted(i.post.id for i in page.items) == ["demo:a", "demo:b"]
    assert store.get_post("demo:a").correction == result.post.correction


def test_store_second_correction_replaces_the_first_and_keeps_the_model_verdict(
    store: Store, topics: tuple[Topic, Topic]
) -> None:
    first, _ = topics
    write(store, make_post("a", topics=(first.id,), label="negative", score=-0.4))
    store.correct_sentiment("demo:a", "positive", "Ana", now=T0 + 100)
    result = store.correct_sentiment("demo:a", "neutral", "Bo", now=T0 + 200)

    assert result.post.correction is not None
    assert result.post.correction.label == "neutral"
    assert result.post.correction.corrected_by == "Bo"
    assert result.post.correction.model_label == "negative"
    assert minute_rollup(store, first.id) == (1, 0, 1, 0, pytest.approx(0.0))
    ((correction, item),) = store.list_corrections()
    assert correction == result.post.correction
    assert item.post.text == "hello acme"


def test_store_correction_refuses_unknown_posts_and_bad_input(
    store: Store, topics: tuple[Topic, Topic]
) -> None:
    write(store, make_post("a", topics=(topics[0].id,)))
    with pytest.raises(NotFoundError):
        store.correct_sentiment("demo:nope", "positive", "Ana", now=T0)
    with pytest.raises(ValidationError) as by:
        store.correct_sentiment("demo:a", "positive", "   ", now=T0)
    assert by.value.field == "by"
    with pytest.raises(ValidationError) as label:
        store.correct_sentiment("demo:a", "great", "Ana", now=T0)  # type: ignore[arg-type]
    assert label.value.field == "label"
    assert store.list_corrections() == []
    assert minute_rollup(store, topics[0].id) == (1, 0, 1, 0, pytest.approx(0.0))


def test_store_lists_corrections_oldest_first_since_a_time(
    store: Store, topics: tuple[Topic, Topic]
) -> None:
    write(store, *(make_post(n, topics=(topics[0].id,)) for n in ("a", "b", "c")))
    for offset, native_id in enumerate(("c", "a", "b")):
        store.correct_sentiment(f"demo:{native_id}", "negative", "Ana", now=T0 + offset)
    assert [c.post_id for c, _ in store.list_corrections()] == ["demo:c", "demo:a", "demo:b"]
    assert [c.post_id for c, _ in store.list_corrections(since=T0 + 1)] == ["demo:a", "demo:b"]
    assert [c.post_id for c, _ in store.list_corrections(limit=1)] == ["demo:c"]


# -- key phrases and near-duplicate groups -------------------------------------------------
def with_neardup(
    item: EnrichedPost,
    *,
    keywords: tuple[str, ...] = (),
    simhash: int = 0,
    dup_group: str | None = None,
) -> EnrichedPost:
    enrichment = msgspec.structs.replace(item.enrichment, keywords=keywords, simhash=simhash)
    return msgspec.structs.replace(item, enrichment=enrichment, dup_group=dup_group)


@pytest.mark.parametrize("simhash", [0, 1, -1, (1 << 63) - 1, -(1 << 63), -8374500925838779608])
def test_store_keeps_keywords_simhash_and_dup_group(
    store: Store, topics: tuple[Topic, Topic], simhash: int
) -> None:
    item = with_neardup(
        make_post("a", topics=(topics[0].id,)),
        keywords=("check-in system", "kestrava", "működik", "доставка"),
        simhash=simhash,
        dup_group="demo:first",
    )
    write(store, item)

    stored = store.get_post("demo:a")

    assert stored.enrichment.keywords == item.enrichment.keywords
    assert stored.enrichment.simhash == simhash
    assert stored.dup_group == "demo:first"


def test_store_marks_the_first_post_of_a_group_when_a_copy_arrives(
    store: Store, topics: tuple[Topic, Topic]
) -> None:
    acme = topics[0].id
    write(store, make_post("first", topics=(acme,)), make_post("other", topics=(acme,)))
    copy = with_neardup(make_post("copy", topics=(acme,)), simhash=5, dup_group="demo:first")
    same_batch = with_neardup(make_post("new-first", topics=(acme,)), simhash=7)
    its_copy = with_neardup(
        make_post("new-copy", topics=(acme,)), simhash=7, dup_group="demo:new-first"
    )
    orphan = with_neardup(make_post("orphan", topics=(acme,)), simhash=9, dup_group="demo:gone")

    result = store.write_batch(WriteBatch(posts=(copy, same_batch, its_copy, orphan)))

    assert store.get_post("demo:first").dup_group == "demo:first"
    assert store.get_post("demo:new-first").dup_group == "demo:new-first"
    assert store.get_post("demo:other").dup_group is None
    assert store.get_post("demo:orphan").dup_group == "demo:gone"
    assert [item.dup_group for item in result.inserted] == [
        "demo:first",
        None,
        "demo:new-first",
        "demo:gone",
    ]


def test_store_lists_a_near_duplicate_group_newest_first_in_pages(
    store: Store, topics: tuple[Topic, Topic]
) -> None:
    acme = topics[0].id
    write(store, make_post("first", topics=(acme,), created_at=T0))
    copies = [
        with_neardup(
            make_post(f"c{i}", topics=(acme,), created_at=T0 + 1 + i),
            simhash=3,
            dup_group="demo:first",
        )
        for i in range(5)
    ]
    other = with_neardup(make_post("x", topics=(acme,), created_at=T0 + 9), dup_group="demo:x0")
    write(store, *copies, other)

    pages = all_pages(store, PostQuery(dup_group="demo:first", limit=2))
    with_topic = all_pages(store, PostQuery(dup_group="demo:first", topic_id=acme, limit=4))

    expected = ["demo:c4", "demo:c3", "demo:c2", "demo:c1", "demo:c0", "demo:first"]
    assert [post_id for page in pages for post_id in page] == expected
    assert [post_id for page in with_topic for post_id in page] == expected
    assert all_pages(store, PostQuery(dup_group="demo:none")) == [[]]


def test_store_recent_fingerprints_are_the_newest_stored_oldest_first(
    store: Store, topics: tuple[Topic, Topic]
) -> None:
    acme = topics[0].id
    items = [
        with_neardup(make_post("old", topics=(acme,), created_at=T0 - 100), simhash=1),
        with_neardup(make_post("a", topics=(acme,), created_at=T0 + 5), simhash=-2),
        with_neardup(make_post("none", topics=(acme,), created_at=T0 + 6), simhash=0),
        with_neardup(
            make_post("b", topics=(acme,), created_at=T0 + 1), simhash=3, dup_group="demo:a"
        ),
    ]
    for item in items:
        write(store, item)
    write(store, with_neardup(make_post("c", topics=(acme,), created_at=T0 + 2), simhash=4))

    recent = store.recent_fingerprints(since=T0, limit=10)
    newest_two = store.recent_fingerprints(since=T0, limit=2)

    assert [(f.post_id, f.simhash, f.created_at, f.dup_group) for f in recent] == [
        ("demo:a", -2, T0 + 5, "demo:a"),
        ("demo:b", 3, T0 + 1, "demo:a"),
        ("demo:c", 4, T0 + 2, None),
    ]
    assert [f.post_id for f in newest_two] == ["demo:b", "demo:c"]
    assert store.recent_fingerprints(since=T0 + 100, limit=10) == []


def test_store_recent_fingerprints_refuse_bad_arguments(store: Store) -> None:
    with pytest.raises(ValidationError) as limit:
        store.recent_fingerprints(since=T0, limit=0)
    assert limit.value.field == "limit"
    with pytest.raises(ValidationError) as since:
        store.recent_fingerprints(since=float("nan"), limit=10)
    assert since.value.field == "since"
