"""Posts and topics for the web tests, built the way the pipeline builds them."""

from __future__ import annotations

import itertools

from signalroom.models import (
    Author,
    EnrichedPost,
    Enrichment,
    Post,
    Sentiment,
    SentimentLabel,
    Topic,
    TopicDraft,
    TopicKind,
)
from signalroom.store.base import Store, WriteBatch, WriteResult

NOW = 1_750_003_200.0
"""The tests' "now": a whole hour, so minute and hour buckets line up with it."""

_ids = itertools.count(1)


def add_topic(
    store: Store, name: str, query: str, kind: TopicKind = "brand", color: str = "#4f9dff"
) -> Topic:
    return store.create_topic(TopicDraft(name=name, query=query, kind=kind, color=color), NOW)


def write(store: Store, *items: EnrichedPost) -> WriteResult:
    return store.write_batch(WriteBatch(posts=items))


SCORES: dict[SentimentLabel, float] = {"negative": -0.6, "neutral": 0.0, "positive": 0.7}


def enriched_post(
    text: str,
    *,
    created_at: float,
    topics: tuple[int, ...] = (),
    sentiment: SentimentLabel = "neutral",
    lang: str = "en",
    source: str = "bluesky",
    handle: str = "maya.example",
    name: str = "Maya Chen",
    followers: int = 1200,
    title: str = "",
    native_id: str | None = None,
) -> EnrichedPost:
    native = native_id or f"post-{next(_ids)}"
    return EnrichedPost(
        post=Post(
            source=source,
            native_id=native,
            url=f"https://social.example/{handle}/{native}",
            author=Author(handle=handle, name=name, followers=followers),
            text=text,
            title=title,
            created_at=created_at,
            received_at=created_at + 0.5,
        ),
        enrichment=Enrichment(
            lang=lang,
            lang_confidence=0.98,
            sentiment=Sentiment(label=sentiment, score=SCORES[sentiment]),
            hashtags=(),
            mentions=(),
            links=(),
            reach=followers,
            model_version="test",
        ),
        topics=topics,
    )
