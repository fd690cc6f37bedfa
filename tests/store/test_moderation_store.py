"""Moderation rules and people's verdicts on posts, in the store (the contract backends)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from signalroom.errors import ConflictError, NotFoundError, ValidationError
from signalroom.models import Moderation, ModerationRuleDraft
from signalroom.store.base import PostQuery, Store, WriteBatch
from tests.store.builders import T0, make_post
from tests.store.test_store_contract import BACKENDS, open_backend


@pytest.fixture(params=BACKENDS)
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    opened = open_backend(request.param, tmp_path)
    yield opened
    opened.close()


def draft(kind: str, action: str, value: str) -> ModerationRuleDraft:
    return ModerationRuleDraft(kind=kind, action=action, value=value, created_by="ops")  # type: ignore[arg-type]


def test_moderation_rules_are_normalised_listed_and_deleted(store: Store) -> None:
    word = store.add_moderation_rule(draft("word", "block", "  ZORP "), T0)
    site = store.add_moderation_rule(draft("domain", "allow", "https://www.News.example/x"), T0)
    assert (word.value, site.value) == ("zorp", "news.example")
    assert [r.id for r in store.list_moderation_rules()] == [site.id, word.id]
    store.delete_moderation_rule(word.id)
    assert [r.value for r in store.list_moderation_rules()] == ["news.example"]
    with pytest.raises(NotFoundError):
        store.delete_moderation_rule(word.id)


def test_moderation_rules_refuse_duplicates_and_bad_values(store: Store) -> None:
    store.add_moderation_rule(draft("author", "block", "@SpamBot"), T0)
    with pytest.raises(ConflictError):
        store.add_moderation_rule(draft("author", "block", "spambot"), T0)
    with pytest.raises(ValidationError):
        store.add_moderation_rule(draft("word", "block", "two words"), T0)
    with pytest.raises(ValidationError):
        store.add_moderation_rule(draft("word", "shout", "x"), T0)


def test_set_moderation_wins_and_can_be_undone(store: Store) -> None:
    store.write_batch(WriteBatch(posts=(make_post("a"),)))
    hidden = store.set_moderation("demo:a", "block", "Ana", T0 + 5, "rude")
    assert hidden.enrichment.moderation.verdict == "block"
    assert hidden.enrichment.moderation.reasons == ("decided by Ana: rude",)
    assert hidden.moderation_override is not None
    assert hidden.moderation_override.model.verdict == "safe"
    assert store.query_posts(PostQuery(moderation="safe")).items == ()
    # A re-check never overturns a person's decision.
    assert store.update_moderations([("demo:a", Moderation())]) == []
    restored = store.set_moderation("demo:a", None, "Ana", T0 + 9)
    assert restored.enrichment.moderation == Moderation()
    assert restored.moderation_override is None
    with pytest.raises(NotFoundError):
        store.set_moderation("demo:missing", "safe", "Ana", T0)
    with pytest.raises(ValidationError):
        store.set_moderation("demo:a", "safe", "  ", T0)


def test_update_moderations_reports_only_changes(store: Store) -> None:
    store.write_batch(WriteBatch(posts=(make_post("a"), make_post("b"))))
    held = Moderation("block", ("blocked here: z**p",), 0.1)
    assert store.update_moderations([("demo:a", held), ("demo:b", Moderation())]) == ["demo:a"]
    assert store.get_post("demo:a").enrichment.moderation == held
    assert store.update_moderations([("demo:a", held)]) == []
