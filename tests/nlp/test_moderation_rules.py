"""Deployment moderation rules over the model's verdict: block, trust, and allowed words."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from hypothesis import given
from hypothesis import strategies as st

from signalroom.errors import ValidationError
from signalroom.models import (
    Author,
    Moderation,
    ModerationRule,
    Post,
    RuleAction,
    RuleKind,
)
from signalroom.nlp import Enricher
from signalroom.nlp.moderation_rules import RuleSet, normalise_rule_value

T0 = 1_700_000_000.0


def post(text: str, *, handle: str = "someone", url: str = "https://bsky.app/x/1") -> Post:
    return Post(
        source="demo",
        native_id="1",
        url=url,
        author=Author(handle=handle),
        text=text,
        created_at=T0,
        received_at=T0,
    )


def rule(kind: RuleKind, action: RuleAction, value: str, rule_id: int = 1) -> ModerationRule:
    return ModerationRule(
        id=rule_id,
        kind=kind,
        action=action,
        value=normalise_rule_value(kind, value),
        created_by="ops",
        created_at=T0,
    )


SAFE = Moderation()
HELD = Moderation("review", ("word list: s***d",), 0.4)


def never(_: str) -> Moderation:
    raise AssertionError("the model must not be asked again")


def test_rules_block_word_on_whole_words_only() -> None:
    rules = RuleSet([rule("word", "block", "Zorp")])
    blocked = rules.apply(post("Total ZORP move."), "Total ZORP move.", SAFE, never)
    assert blocked.verdict == "block"
    assert blocked.reasons == ("blocked here: z**p",)
    inside = rules.apply(post("zorpy zorping"), "zorpy zorping", SAFE, never)
    assert inside == SAFE


def test_rules_block_phrase_author_and_domain() -> None:
    rules = RuleSet(
        [
            rule("phrase", "block", "free  tickets", 1),
            rule("author", "block", "@SpamBot", 2),
            rule("domain", "block", "https://www.scam.example/path", 3),
        ]
    )
    assert (
        rules.apply(post("Get FREE tickets now"), "Get FREE tickets now", SAFE, never).verdict
        == "block"
    )
    by_author = rules.apply(post("hello", handle="spambot"), "hello", SAFE, never)
    assert by_author.reasons == ("blocked author: @spambot",)
    linked = "see https://deals.scam.example/win"
    by_domain = rules.apply(post(linked), linked, SAFE, never)
    assert by_domain.reasons == ("blocked domain: deals.scam.example",)
    assert (
        rules.apply(post("see https://notscam.example"), "see https://notscam.example", SAFE, never)
        == SAFE
    )


def test_rules_trust_allowed_author_and_domain_unless_blocked() -> None:
    rules = RuleSet([rule("author", "allow", "kestrava"), rule("word", "block", "zorp", 2)])
    trusted = rules.apply(post("bad words", handle="Kestrava"), "bad words", HELD, never)
    assert trusted.verdict == "safe"
    assert trusted.reasons == ("allowed author: @kestrava",)
    still = rules.apply(post("zorp", handle="kestrava"), "zorp", SAFE, never)
    assert still.verdict == "block"
    news = RuleSet([rule("domain", "allow", "bbc.co.uk")])
    article = post("crash report", url="https://www.bbc.co.uk/news/1")
    assert news.apply(article, "crash report", HELD, never).verdict == "safe"


def test_rules_allowed_word_rejudges_without_it() -> None:
    rules = RuleSet([rule("word", "allow", "Scunthorpe")])
    asked: list[str] = []

    def rejudge(text: str) -> Moderation:
        asked.append(text)
        return SAFE

    result = rules.apply(post("Scunthorpe fans"), "Scunthorpe fans", HELD, rejudge)
    assert asked == ["           fans"]
    assert result.verdict == "safe"
    assert result.reasons == ("allowed here: scunthorpe",)
    # A post the model already passed is not judged again.
    assert rules.apply(post("Scunthorpe"), "Scunthorpe", SAFE, never) == SAFE


@pytest.mark.parametrize(
    ("kind", "value"),
    [
        ("word", ""),
        ("word", "two words"),
        ("author", "a b"),
        ("domain", "not a domain"),
        ("phrase", "!!"),
    ],
)
def test_normalise_rule_value_refuses_bad_values(kind: RuleKind, value: str) -> None:
    with pytest.raises(ValidationError):
        normalise_rule_value(kind, value)


@given(text=st.text(max_size=300), handle=st.text(max_size=30))
def test_rules_apply_never_raises(text: str, handle: str) -> None:
    rules = RuleSet(
        [
            rule("word", "block", "zorp"),
            rule("phrase", "allow", "nice one", 2),
            rule("domain", "block", "a.example", 3),
        ]
    )
    result = rules.apply(post(text, handle=handle or "x"), text, HELD, lambda _: SAFE)
    assert result.verdict in ("safe", "review", "block")


@pytest.fixture
def ruled(enricher: Enricher) -> Iterator[Enricher]:
    before = enricher.rules
    try:
        yield enricher
    finally:
        enricher.set_rules(before)


def test_enricher_applies_rules_to_batches_and_single_posts(ruled: Enricher) -> None:
    posts = [post("The new lounge is lovely"), post("Our zorp lounge is lovely")]
    ruled.set_rules(RuleSet([rule("word", "block", "zorp")]))
    verdicts = [e.moderation.verdict for e in ruled.enrich_batch(posts)]
    assert verdicts == ["safe", "block"]
    assert ruled.moderate(posts[1], "en").verdict == "block"
    ruled.set_rules(RuleSet())
    assert ruled.moderate(posts[1], "en").verdict == "safe"
