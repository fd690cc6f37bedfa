"""Edits and deletions from a source: a revision replaces a stored post's text and
enrichment (keeping people's decisions), a deletion removes the post; rollups keep what was
counted, and the batch stays one transaction."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import msgspec
import pytest

from signalroom.models import Moderation, TopicDraft
from signalroom.store.base import PostQuery, Store, WriteBatch
from tests.store.builders import T0, make_post
from tests.store.test_store_contract import BACKENDS, open_backend


@pytest.fixture(params=BACKENDS)
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    opened = open_backend(request.param, tmp_path)
    yield opened
    opened.close()


def test_a_revision_replaces_text_and_enrichment_but_not_decisions(store: Store) -> None:
    topic = store.create_topic(TopicDraft(name="Acme", query="acme"), T0)
    original = make_post("a", topics=(topic.id,), text="acme is fine", label="neutral")
    other = make_post("b", topics=(topic.id,), text="acme again", label="neutral")
    store.write_batch(WriteBatch(posts=(original, other)))
    store.correct_sentiment("demo:b", "positive", "Ana", T0 + 1)
    before = store.query_rollups((topic.id,), T0 - 60, T0 + 60, "minute")

    new_a = make_post("a", topics=(topic.id,), text="acme is awful, edited", label="negative")
    new_b = make_post("b", topics=(topic.id,), text="acme again, edited", label="negative")
    blocked = msgspec.structs.replace(new_b.enrichment, moderation=Moderation("block", ("x",), 0.9))
    new_b = msgspec.structs.replace(new_b, enrichment=blocked)
    result = store.write_batch(WriteBatch(revisions=(new_a, new_b)))

    assert [item.post.id for item in result.revised] == ["demo:a", "demo:b"]
    assert result.inserted == ()
    a, b = store.get_post("demo:a"), store.get_post("demo:b")
    assert (a.post.text, a.enrichment.sentiment.label) == ("acme is awful, edited", "negative")
    assert (b.post.text, b.enrichment.sentiment.label) == ("acme again, edited", "positive")
    assert b.enrichment.moderation.verdict == "block"
    assert a.topics == (topic.id,)
    assert store.query_rollups((topic.id,), T0 - 60, T0 + 60, "minute") == before


def test_a_revision_of_an_unknown_post_is_stored_as_new_if_it_matched(store: Store) -> None:
    topic = store.create_topic(TopicDraft(name="Acme", query="acme"), T0)
    late = make_post("late", text="edited first", topics=(topic.id,))
    unmatched = make_post("other", text="edited, matches nothing")
    result = store.write_batch(WriteBatch(revisions=(late, unmatched)))
    assert [item.post.id for item in result.inserted] == ["demo:late"]
    assert result.revised == ()
    assert store.get_post("demo:late").post.text == "edited first"
    assert store.stats().posts == 1


def test_a_deletion_removes_the_post_and_keeps_the_rollups(store: Store) -> None:
    topic = store.create_topic(TopicDraft(name="Acme", query="acme"), T0)
    store.write_batch(WriteBatch(posts=(make_post("a", topics=(topic.id,)), make_post("b"))))
    store.correct_sentiment("demo:a", "negative", "Ana", T0 + 1)
    rollups = store.query_rollups((topic.id,), T0 - 60, T0 + 60, "minute")

    result = store.write_batch(
        WriteBatch(deletions=("demo:a", "demo:missing"), checkpoints=(("m", "42"),))
    )

    assert result.deleted == ("demo:a",)
    assert [i.post.id for i in store.query_posts(PostQuery()).items] == ["demo:b"]
    assert store.list_corrections() == []
    assert store.query_rollups((topic.id,), T0 - 60, T0 + 60, "minute") == rollups
    assert store.get_checkpoint("m") == "42"
    assert store.stats().posts == 1
